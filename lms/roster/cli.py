"""``lms roster import``, ``lms roster export`` and ``lms roster template``."""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from sqlalchemy import select

from lms.extensions import db
from lms.i18n import in_chosen_language
from lms.org.models import OrgUnit
from lms.roster.columns import FIELD_LABELS
from lms.roster.export import csv_chunks, write_xlsx
from lms.roster.operations import apply_plan, digest
from lms.roster.plan import build_plan
from lms.roster.reading import UnreadableFile, read_table

PREVIEW_LINES = 20


@click.group("roster")
def roster_command() -> None:
    """Officials from the HR office's roster file (CSV or XLSX)."""


def _unit(code: str | None) -> OrgUnit:
    if code:
        unit = db.session.execute(select(OrgUnit).where(OrgUnit.code == code.upper())).scalar_one_or_none()
        if unit is None:
            raise click.ClickException(_("No unit has the code %(code)s.", code=code))
        return unit
    roots = db.session.execute(select(OrgUnit).where(OrgUnit.parent_id.is_(None))).scalars().all()
    if len(roots) != 1:
        raise click.ClickException(_("Name the unit with --unit CODE."))
    return roots[0]


def _in_chosen_language():
    return in_chosen_language("Language of the messages, problems and headers "
                              "(default: LMS_DEFAULT_LOCALE).")


@roster_command.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--unit", "unit_code", help="Import into this unit's subtree (default: the province).")
@click.option("--dry-run", is_flag=True, help="Check the file and show what would change; write nothing.")
@click.option("--deactivate-missing", is_flag=True,
              help="Deactivate roster officials of the subtree who are not in the file.")
@click.option("--credentials", type=click.Path(dir_okay=False, path_type=Path),
              help="CSV file to write new accounts' one-time passwords to (required when "
                   "the file creates accounts).")
@with_appcontext
@_in_chosen_language()
def import_command(path: Path, unit_code: str | None, dry_run: bool, deactivate_missing: bool,
                   credentials: Path | None) -> None:
    """Check a roster file, then (unless --dry-run) apply it in one transaction."""
    unit = _unit(unit_code)
    content = path.read_bytes()
    tty = sys.stdout.isatty()
    try:
        table = read_table(content)
    except UnreadableFile as error:
        raise click.ClickException(f"{path}: {error}") from None
    with click.progressbar(length=len(table.rows), label=_("Checking rows"), hidden=not tty,
                           file=sys.stdout) as bar:
        plan = build_plan(table, unit, manageable_unit_ids=None,
                          deactivate_missing=deactivate_missing, importer_id=None,
                          progress=bar.update)
    if not plan.ok:
        for problem in plan.problems:
            where = f"{path}:{problem.row}" if problem.row else str(path)
            column = f" [{problem.column}]" if problem.column else ""
            value = f" {problem.value!r}:" if problem.value else ""
            click.echo(f"{where}{column}{value} {problem.reason}", err=True)
        count = len(plan.problems)
        raise click.ClickException(ngettext(
            "%(count)s problem; nothing was written.", "%(count)s problems; nothing was written.",
            count, count=format_decimal(count)))
    for column in plan.ignored_columns:
        click.echo(_("Column not used: %(column)s", column=column))
    click.echo(ngettext(
        "%(count)s row: %(create)s to create, %(update)s to update, %(deactivate)s to "
        "deactivate, %(unchanged)s unchanged.",
        "%(count)s rows: %(create)s to create, %(update)s to update, %(deactivate)s to "
        "deactivate, %(unchanged)s unchanged.",
        plan.row_count, count=format_decimal(plan.row_count),
        create=format_decimal(len(plan.creates)), update=format_decimal(len(plan.updates)),
        deactivate=format_decimal(len(plan.deactivations)),
        unchanged=format_decimal(plan.unchanged)))
    for entry in plan.updates[:PREVIEW_LINES]:
        fields = ", ".join(str(FIELD_LABELS.get(key, key)) for key in entry.changed)
        click.echo("  " + _("update %(code)s %(name)s: %(changes)s", code=entry.employee_code,
                            name=entry.full_name, changes=fields))
    for departure in plan.deactivations[:PREVIEW_LINES]:
        click.echo("  " + _("deactivate %(code)s %(name)s", code=departure.employee_code,
                            name=departure.full_name))
    if dry_run or not plan.has_changes:
        click.echo(_("Dry run: nothing was written.") if dry_run else _("Nothing to change."))
        return
    if plan.creates and credentials is None:
        raise click.ClickException(_("The file creates accounts: name a file for their one-time "
                                     "passwords with --credentials FILE. Nothing was written."))
    changes = len(plan.creates) + len(plan.updates) + len(plan.deactivations)
    try:
        with click.progressbar(length=changes, label=_("Writing"), hidden=not tty,
                               file=sys.stdout) as bar:
            result = apply_plan(plan, source=path.name, sha256=digest(content), progress=bar.update)
        if credentials is not None and result.credentials:
            _write_credentials(credentials, result.credentials)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    click.echo(_("Done: %(created)s created, %(updated)s updated, %(deactivated)s deactivated.",
                 created=format_decimal(result.created), updated=format_decimal(result.updated),
                 deactivated=format_decimal(result.deactivated)))
    if result.credentials:
        click.echo(_("One-time passwords written to %(path)s: hand them over privately, then "
                     "delete the file.", path=credentials))


def _write_credentials(target: Path, credentials) -> None:
    # Readable by its owner only, from the moment it exists.
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(["employee_code", "login", "full_name", "one_time_password"])
        for credential in credentials:
            writer.writerow([credential.employee_code, credential.login, credential.full_name,
                             credential.password])


@roster_command.command("export")
@click.option("--unit", "unit_code", help="The unit whose subtree to export (default: the province).")
@click.option("--format", "file_format", type=click.Choice(["csv", "xlsx"]), default="xlsx",
              show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_appcontext
@_in_chosen_language()
def export_command(unit_code: str | None, file_format: str, output: Path) -> None:
    """Write the current roster in the import format (importing it back changes nothing)."""
    _write(_unit(unit_code).id, file_format, output)
    click.echo(_("Roster written to %(path)s", path=output))


@roster_command.command("template")
@click.option("--format", "file_format", type=click.Choice(["csv", "xlsx"]), default="xlsx",
              show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_appcontext
@_in_chosen_language()
def template_command(file_format: str, output: Path) -> None:
    """Write an empty roster file with the column headers."""
    _write(None, file_format, output)
    click.echo(_("Template written to %(path)s", path=output))


def _write(unit_id: int | None, file_format: str, output: Path) -> None:
    if file_format == "csv":
        with output.open("w", encoding="utf-8", newline="") as handle:
            for chunk in csv_chunks(unit_id):
                handle.write(chunk)
    else:
        with output.open("wb") as handle:
            write_xlsx(unit_id, handle)
