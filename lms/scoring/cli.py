"""``lms scores compute`` and ``lms scores policy``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import format_datetime, format_decimal, ngettext
from flask_babel import gettext as _
from sqlalchemy import select

from lms.db import stream_rows
from lms.extensions import db
from lms.i18n import in_chosen_language
from lms.org.models import OrgUnit
from lms.org.queries import subtree_ids
from lms.scoring.models import YEAR
from lms.scoring.operations import ScoringError, activate_policy, freeze, scores_for
from lms.scoring.policy import PERIODS, PolicyError, parse_policy, period_label
from lms.scoring.sources import LiveScores, totals


@click.group("scores")
def scores_command() -> None:
    """Year-end emulation scoring."""


@scores_command.command("compute")
@click.option("--year", type=int, required=True)
@click.option("--period", type=click.Choice([YEAR, *PERIODS]), default=YEAR, show_default=True,
              help="Y for the whole year, or a quarter.")
@click.option("--unit", "unit_code", help="Limit to a unit's subtree (by code).")
@click.option("--freeze", "do_freeze", is_flag=True,
              help="Write the immutable snapshot of the period for the whole province.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per official.")
@with_appcontext
@in_chosen_language()
def compute_command(year: int, period: str, unit_code: str | None, do_freeze: bool,
                    as_json: bool) -> None:
    """Compute (preview) or freeze the scores of a year or quarter."""
    if do_freeze:
        if unit_code:
            raise click.UsageError(_("--freeze covers the whole province; leave out --unit."))
        try:
            snapshot = freeze(year, period)
        except ScoringError as error:
            raise click.ClickException(str(error)) from None
        db.session.commit()
        click.echo(_("%(period)s: frozen as snapshot %(snapshot)s (policy %(hash)s).",
                     period=period_label(year, period), snapshot=snapshot.id,
                     hash=snapshot.policy_hash[:12]), err=as_json)
    scope = None  # the whole province
    if unit_code:
        unit = db.session.execute(select(OrgUnit).where(OrgUnit.code == unit_code.upper())
                                  ).scalar_one_or_none()
        if unit is None:
            raise click.ClickException(_("No unit has the code %(code)s.", code=unit_code))
        scope = subtree_ids(unit.id)
    try:
        scores = scores_for(year, period)
    except ScoringError as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        for row in stream_rows(scores.officials(scope)):
            sys.stdout.write(json.dumps({key: row[key] for key in (
                "login", "unit_code", "courses_due", "on_time", "late", "missing", "indicator",
                "band", "meets_standard")}, ensure_ascii=False) + "\n")
        return
    figures = totals(scores.scored(scope))
    label, as_of = period_label(year, period), format_datetime(scores.as_of, "short")
    if scores.frozen:
        click.echo(_("%(period)s (frozen results, as of %(date)s)", period=label, date=as_of))
    else:
        click.echo(_("%(period)s (live preview, as of %(date)s)", period=label, date=as_of))
    share = 100 * figures.meeting / figures.headcount if figures.headcount else 0.0
    click.echo(_("Officials with mandatory courses: %(headcount)s; meeting the standard: "
                 "%(meeting)s (%(share)s%%); mean indicator: %(mean)s",
                 headcount=format_decimal(figures.headcount),
                 meeting=format_decimal(figures.meeting), share=format_decimal(share, "#,##0.0"),
                 mean=format_decimal(figures.mean_indicator or 0, "#,##0.00")))
    if isinstance(scores, LiveScores) and scores.run.unknown_courses:
        click.echo(_("Courses named by the policy but not loaded: %(courses)s",
                     courses=", ".join(scores.run.unknown_courses)), err=True)


@scores_command.command("policy")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--activate", is_flag=True, help="Put the policy in force for its year.")
@with_appcontext
@in_chosen_language("Language of the problems found and of the messages "
                    "(default: LMS_DEFAULT_LOCALE).")
def policy_command(path: Path, activate: bool) -> None:
    """Check a policy file (and put it in force with --activate)."""
    text = path.read_text(encoding="utf-8")
    try:
        policy = parse_policy(text, path.name)
        if activate:
            activate_policy(text, path.name)
            db.session.commit()
    except PolicyError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        count = len(error.problems)
        raise click.ClickException(ngettext(
            "%(count)s problem; nothing was changed.", "%(count)s problems; nothing was changed.",
            count, count=format_decimal(count))) from None
    except ScoringError as error:
        raise click.ClickException(str(error)) from None
    count = len(policy.mandatory)
    if activate:
        click.echo(ngettext(
            "%(file)s: valid policy for %(year)s, %(count)s mandatory course; now in force.",
            "%(file)s: valid policy for %(year)s, %(count)s mandatory courses; now in force.",
            count, file=path.name, year=policy.year, count=format_decimal(count)))
    else:
        click.echo(ngettext(
            "%(file)s: valid policy for %(year)s, %(count)s mandatory course.",
            "%(file)s: valid policy for %(year)s, %(count)s mandatory courses.",
            count, file=path.name, year=policy.year, count=format_decimal(count)))
