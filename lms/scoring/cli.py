"""``lms scores compute`` and ``lms scores policy``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from lms.db import stream_rows
from lms.extensions import db
from lms.i18n import cli_locale, lang_option
from lms.org.models import OrgUnit
from lms.org.queries import subtree_ids
from lms.scoring.models import YEAR
from lms.scoring.operations import ScoringError, activate_policy, freeze, scores_for
from lms.scoring.policy import PERIODS, PolicyError, parse_policy
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
def compute_command(year: int, period: str, unit_code: str | None, do_freeze: bool,
                    as_json: bool) -> None:
    """Compute (preview) or freeze the scores of a year or quarter."""
    if do_freeze:
        if unit_code:
            raise click.UsageError("--freeze covers the whole province; leave out --unit.")
        try:
            snapshot = freeze(year, period)
        except ScoringError as error:
            raise click.ClickException(str(error)) from None
        db.session.commit()
        click.echo(f"Frozen {year} {period} as snapshot {snapshot.id} "
                   f"(policy {snapshot.policy_hash[:12]}).", err=as_json)
    scope = None  # the whole province
    if unit_code:
        unit = db.session.execute(select(OrgUnit).where(OrgUnit.code == unit_code.upper())
                                  ).scalar_one_or_none()
        if unit is None:
            raise click.ClickException(f"No unit with code {unit_code!r}.")
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
    state = "frozen" if scores.frozen else "live preview"
    click.echo(f"{year} {period} ({state}, as of {scores.as_of:%Y-%m-%d %H:%M} UTC)")
    share = 100 * figures.meeting / figures.headcount if figures.headcount else 0.0
    click.echo(f"Officials with mandatory courses: {figures.headcount}; meeting the standard: "
               f"{figures.meeting} ({share:.1f}%); mean indicator: {figures.mean_indicator or 0:.2f}")
    if isinstance(scores, LiveScores) and scores.run.unknown_courses:
        click.echo("Courses named by the policy but not loaded: "
                   + ", ".join(scores.run.unknown_courses), err=True)


@scores_command.command("policy")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--activate", is_flag=True, help="Put the policy in force for its year.")
@lang_option("Language of the problems found (default: LMS_DEFAULT_LOCALE).")
@with_appcontext
def policy_command(path: Path, activate: bool, lang: str | None) -> None:
    """Check a policy file (and put it in force with --activate)."""
    with cli_locale(lang):
        _policy(path, activate)


def _policy(path: Path, activate: bool) -> None:
    text = path.read_text(encoding="utf-8")
    try:
        policy = parse_policy(text, path.name)
        if activate:
            activate_policy(text, path.name)
            db.session.commit()
    except PolicyError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"{len(error.problems)} problem(s); nothing was changed.") from None
    except ScoringError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{path.name}: valid policy for {policy.year}, {len(policy.mandatory)} mandatory "
               f"course(s)" + ("; now in force." if activate else "."))
