"""``lms export assessment``: the assessment of a unit's subtree to an XLSX or CSV file."""

from __future__ import annotations

import getpass
import os
import sys
import tempfile
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from sqlalchemy import func, select

from lms.exports.assessment import (
    FORMATS,
    SEPARATORS,
    AssessmentExport,
    csv_chunks,
    prepare_export,
    record_export,
    write_xlsx,
)
from lms.extensions import db
from lms.i18n import in_chosen_language
from lms.org.models import OrgUnit
from lms.scoring.models import YEAR
from lms.scoring.operations import ScoringError
from lms.scoring.policy import PERIODS


@click.group("export")
def export_command() -> None:
    """Exports for HR and the Department of Home Affairs."""


def _unit(code: str | None) -> OrgUnit:
    if code:
        unit = db.session.execute(select(OrgUnit).where(OrgUnit.code == code.strip().upper())
                                  ).scalar_one_or_none()
        if unit is None:
            raise click.BadParameter(_("no unit with code '%(code)s'.", code=code),
                                     param_hint="--unit")
        return unit
    roots = list(db.session.execute(select(OrgUnit).where(OrgUnit.parent_id.is_(None))
                                    .limit(2)).scalars())
    if len(roots) != 1:
        raise click.UsageError(_("Name the unit to export with --unit CODE.")
                               if roots else _("The database has no units."))
    return roots[0]


@export_command.command("assessment")
@click.option("--year", type=click.IntRange(2000, 2100), required=True)
@click.option("--period", type=click.Choice([YEAR, *PERIODS]), default=YEAR, show_default=True,
              help="Y for the whole year, or a quarter.")
@click.option("--unit", "unit_code", metavar="CODE",
              help="The unit whose subtree is exported. Default: the province (the only "
                   "top-level unit).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              required=True, help="File to write (replaced only once complete).")
@click.option("--separator", type=click.Choice(list(SEPARATORS)), default=",", show_default=True,
              help="CSV field separator; with ';' decimals take a comma.")
@with_appcontext
@in_chosen_language("Language of the messages, headers and labels "
                    "(default: LMS_DEFAULT_LOCALE).")
def assessment_command(year: int, period: str, unit_code: str | None, fmt: str, output: Path,
                       separator: str) -> None:
    """Export every official's mandatory courses, indicator and band, with unit figures."""
    unit = _unit(unit_code)
    try:
        export = prepare_export(year, period, unit,
                                generated_by=f"lms export assessment ({getpass.getuser()})")
    except ScoringError as error:
        raise click.ClickException(str(error)) from None
    count = _write(export, fmt, separator, output, progress=sys.stdout.isatty())
    record_export(export, fmt, separator=separator, via="cli", os_user=getpass.getuser(),
                  officials=count)
    db.session.commit()
    figures = {"file": output, "count": format_decimal(count), "unit": unit.code,
               "period": export.period_label}
    if export.scores.frozen:
        click.echo(ngettext(
            "%(file)s: %(count)s official of %(unit)s and below, %(period)s (frozen results).",
            "%(file)s: %(count)s officials of %(unit)s and below, %(period)s (frozen results).",
            count, **figures))
    else:
        click.echo(ngettext(
            "%(file)s: %(count)s official of %(unit)s and below, %(period)s (live preview).",
            "%(file)s: %(count)s officials of %(unit)s and below, %(period)s (live preview).",
            count, **figures))


def _write(export: AssessmentExport, fmt: str, separator: str, output: Path, *,
           progress: bool) -> int:
    """Write beside the target, then rename: a failed export leaves no half-written file."""
    total = None
    if progress:  # counting costs one more pass over the scores: only for a terminal
        total = db.session.execute(select(func.count()).select_from(
            export.scores.scored(export.scope).order_by(None).subquery())).scalar_one()
    descriptor, partial = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.",
                                           suffix=".partial")
    written = 0
    try:
        with click.progressbar(length=total or 0, label=_("Exporting officials"), hidden=not progress,
                               show_pos=True) as bar:

            def advance(rows: int) -> None:
                nonlocal written
                written += rows
                bar.update(rows)

            if fmt == "xlsx":
                os.close(descriptor)
                write_xlsx(export, partial, progress=advance)
            else:
                with open(descriptor, "w", encoding="utf-8", newline="") as handle:
                    for chunk in csv_chunks(export, separator, progress=advance):
                        handle.write(chunk)
        os.replace(partial, output)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return written
