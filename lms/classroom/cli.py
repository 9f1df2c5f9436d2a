"""``lms sessions purge``: anonymise participants of sessions closed long enough ago."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import format_decimal, ngettext

from lms.classroom.operations import purge_participant_names
from lms.extensions import db
from lms.i18n import in_chosen_language


@click.group("sessions")
def sessions_command() -> None:
    """School sessions (citizen digital skills)."""


@sessions_command.command("purge")
@click.option("--days", type=click.IntRange(min=0), default=None,
              help="Days after closing (default: LMS_SESSION_RETENTION_DAYS, 30).")
@with_appcontext
@in_chosen_language()
def purge_command(days: int | None) -> None:
    """Replace participants' names of sessions closed more than the retention period ago.
    Counts and results remain. Safe to run from cron: a second run changes nothing."""
    days = current_app.config["SESSION_RETENTION_DAYS"] if days is None else days
    purged = purge_participant_names(days=days)
    db.session.commit()
    click.echo(ngettext(
        "Sessions anonymised: %(count)s (closed more than %(days)s day ago).",
        "Sessions anonymised: %(count)s (closed more than %(days)s days ago).",
        days, count=format_decimal(purged), days=format_decimal(days)))
