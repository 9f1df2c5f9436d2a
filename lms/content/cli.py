"""``lms courses check|stats|sync``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _

from lms.config import REPO_ROOT
from lms.content.loader import LOCALES, load_courses
from lms.content.sync import SyncRefused, SyncResult, sync_courses
from lms.i18n import in_chosen_language

DEFAULT_COURSES = REPO_ROOT / "courses"


@click.group("courses")
def courses_command() -> None:
    """Check, count and load the course folders."""


def _in_chosen_language():
    return in_chosen_language("Language of the problems found and of the messages "
                              "(default: LMS_DEFAULT_LOCALE).")


def outcome_line(result: SyncResult) -> str:
    """What became of one course folder, for ``lms courses sync`` and ``lms init``."""
    if result.outcome == "added":
        return _("Course %(course)s: added", course=result.slug)
    if result.outcome == "new version":
        return _("Course %(course)s: new version", course=result.slug)
    if result.outcome == "restored":
        return _("Course %(course)s: earlier version restored", course=result.slug)
    return _("Course %(course)s: unchanged", course=result.slug)


def _courses(count: int) -> str:
    return ngettext("%(count)s course", "%(count)s courses", count, count=format_decimal(count))


def _problems(count: int) -> str:
    return ngettext("%(count)s problem", "%(count)s problems", count,
                    count=format_decimal(count))


@courses_command.command("check")
@click.argument("path", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON.")
@with_appcontext
@_in_chosen_language()
def check_command(path: Path | None, as_json: bool) -> None:
    """Report every problem in the course folders (exit status 1 when there is any)."""
    reports = load_courses(path or DEFAULT_COURSES)
    problems = [problem for report in reports for problem in report.problems]
    if as_json:
        click.echo(json.dumps({
            "courses": [{"folder": report.folder.name, "ok": not report.problems,
                         "problems": [p.as_dict() for p in report.problems]} for report in reports],
            "problem_count": len(problems),
        }, ensure_ascii=False, indent=2))
    else:
        for problem in problems:
            click.echo(str(problem))
        # NOTE: e.g. "3 courses checked, 0 problems."
        click.echo(_("%(courses)s checked, %(problems)s.", courses=_courses(len(reports)),
                     problems=_problems(len(problems))))
    if problems or not reports:
        sys.exit(1)


@courses_command.command("stats")
@click.argument("path", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_appcontext
@_in_chosen_language()
def stats_command(path: Path | None, as_json: bool) -> None:
    """Lessons and questions per course and language."""
    rows = []
    for report in load_courses(path or DEFAULT_COURSES):
        spec = report.spec
        row = {"course": report.folder.name, "problems": len(report.problems), "locales": {}}
        if spec is not None:
            for locale in LOCALES:
                row["locales"][locale] = {
                    "lessons": sum(1 for lesson in spec.lessons if lesson.title.get(locale)),
                    "questions": sum(1 for q in spec.questions if q.text.get(locale)),
                    "questions_with_explanation": sum(1 for q in spec.questions
                                                      if q.explanation.get(locale)),
                }
            row["question_types"] = {kind: sum(1 for q in spec.questions if q.type == kind)
                                     for kind in sorted({q.type for q in spec.questions})}
            row["draw"] = spec.quiz.draw
            row["pass_mark"] = spec.quiz.pass_mark
        rows.append(row)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        if not row["locales"]:
            click.echo(_("%(course)s: %(problems)s; run `lms courses check`",
                         course=row["course"], problems=_problems(row["problems"])))
            continue
        counts = "; ".join(
            f"{locale}: "
            + ngettext("%(count)s lesson", "%(count)s lessons", c["lessons"],
                       count=format_decimal(c["lessons"]))
            + ", "
            + ngettext("%(count)s question", "%(count)s questions", c["questions"],
                       count=format_decimal(c["questions"]))
            for locale, c in row["locales"].items())
        click.echo(f"{row['course']}: {counts}")


@courses_command.command("sync")
@click.argument("path", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
@_in_chosen_language()
def sync_command(path: Path | None) -> None:
    """Load the course folders into the database (unchanged courses are left alone)."""
    try:
        results = sync_courses(path or DEFAULT_COURSES, progress=sys.stdout.isatty())
    except SyncRefused as refused:
        for problem in refused.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(
            _("Nothing was loaded: fix the problems above first.")) from None
    for result in results:
        click.echo(outcome_line(result))
