"""``lms xapi send`` and ``lms xapi status``."""

from __future__ import annotations

import json
import signal
import sys
import threading
from datetime import UTC, datetime
from types import FrameType

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import format_datetime, format_decimal, ngettext
from flask_babel import gettext as _

from lms.i18n import in_chosen_language
from lms.xapi.delivery import LrsClient, SendReport, due_count, outbox_status, run_sender, send_due


@click.group("xapi")
def xapi_command() -> None:
    """xAPI learning records: deliver queued statements to the LRS."""


def _summary(report: SendReport) -> str:
    parts = [_("%(count)s delivered", count=format_decimal(report.delivered))]
    if report.retrying:
        parts.append(_("%(count)s to retry later", count=format_decimal(report.retrying)))
    if report.refused:
        parts.append(_("%(count)s refused by the LRS", count=format_decimal(len(report.refused))))
    return ", ".join(parts) + "."


def _echo_problems(report: SendReport) -> None:
    # The reasons are the LRS's own answers or connection errors, kept as they came.
    for statement_id, reason in report.refused:
        click.echo(_("Refused: statement %(statement)s: %(reason)s", statement=statement_id,
                     reason=reason), err=True)
    if report.unavailable:
        click.echo(_("The LRS cannot take statements now: %(reason)s",
                     reason=report.unavailable), err=True)


def _client() -> LrsClient:
    if not current_app.config.get("XAPI_ENDPOINT"):
        raise click.ClickException(_("xAPI is off: set LMS_XAPI_ENDPOINT (and LMS_XAPI_BASE_URL, "
                                     "LMS_XAPI_USERNAME, LMS_XAPI_PASSWORD) first."))
    return LrsClient.from_config(current_app.config)


@xapi_command.command("send")
@click.option("--loop", is_flag=True, help="Keep running: send what is due every --interval seconds.")
@click.option("--interval", default=30.0, show_default=True, type=click.FloatRange(min=1),
              help="Seconds between runs with --loop.")
@click.option("--now", "ignore_schedule", is_flag=True,
              help="Also send statements waiting for a retry (e.g. after the LRS is back).")
@click.option("--batch-size", type=click.IntRange(min=1), default=None,
              help="Statements per request (default: LMS_XAPI_BATCH_SIZE, 50).")
@with_appcontext
@in_chosen_language()
def send_command(loop: bool, interval: float, ignore_schedule: bool, batch_size: int | None) -> None:
    """Deliver queued statements to the LRS.

    Exits with status 1 when some statements could not be delivered (they stay queued).
    """
    client = _client()
    batch_size = batch_size or current_app.config["XAPI_BATCH_SIZE"]
    if loop:
        _send_forever(client, batch_size, interval)
        return
    due = due_count(ignore_schedule=ignore_schedule)
    if sys.stdout.isatty() and due > batch_size:
        with click.progressbar(length=due, label=_("Sending xAPI statements")) as bar:
            report = send_due(client, batch_size=batch_size, ignore_schedule=ignore_schedule,
                              on_batch=lambda batch: bar.update(
                                  batch.delivered + batch.retrying + len(batch.refused)))
    else:
        report = send_due(client, batch_size=batch_size, ignore_schedule=ignore_schedule)
    _echo_problems(report)
    click.echo(f"xAPI: {_summary(report)}")  # "xAPI" is a name: not translated
    if report.unavailable or report.refused:
        sys.exit(1)


def _send_forever(client: LrsClient, batch_size: int, interval: float) -> None:
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        click.echo(_("Stopping the xAPI sender (%(signal)s).",
                     signal=signal.Signals(signum).name), err=True)
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}

    def report_run(report: SendReport) -> None:
        _echo_problems(report)
        if report.delivered or report.retrying or report.refused:
            click.echo(f"{format_datetime(datetime.now(UTC), 'medium')} xAPI: {_summary(report)}")

    click.echo(_("xAPI sender running every %(seconds)s s; stop with Ctrl+C or SIGTERM.",
                 seconds=format_decimal(interval)))
    try:
        run_sender(client, batch_size=batch_size, interval=interval, stop=stop, on_run=report_run)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@xapi_command.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
@with_appcontext
@in_chosen_language()
def status_command(as_json: bool) -> None:
    """Statements sent, waiting and failing; the oldest one not yet delivered."""
    status = outbox_status()
    endpoint = current_app.config.get("XAPI_ENDPOINT")
    oldest = status.oldest_unsent_at
    if as_json:
        click.echo(json.dumps({
            "enabled": bool(endpoint), "endpoint": endpoint, "sent": status.sent,
            "waiting": status.waiting, "failing": status.failing,
            "oldest_unsent_at": oldest.isoformat() if oldest else None,
            "failures": [{"statement_id": row.statement_id, "attempts": row.attempts,
                          "last_error": row.last_error,
                          "next_attempt_at": row.next_attempt_at.isoformat()}
                         for row in status.failures],
        }))
        return
    if endpoint:
        click.echo(_("xAPI: on, LRS %(endpoint)s", endpoint=endpoint))
    else:
        click.echo(_("xAPI: off (LMS_XAPI_ENDPOINT is not set)"))
    click.echo(_("Sent: %(count)s", count=format_decimal(status.sent)))
    click.echo(_("Waiting: %(count)s (never offered to the LRS yet)",
                 count=format_decimal(status.waiting)))
    click.echo(_("Failing: %(count)s (offered, not delivered yet; retried automatically)",
                 count=format_decimal(status.failing)))
    if oldest is not None:
        click.echo(_("Oldest not yet delivered: %(date)s",
                     date=format_datetime(oldest, "medium")))
    for row in status.failures:
        # The last error is the LRS's own answer or a connection error, kept as it came.
        click.echo("  " + ngettext(
            "%(statement)s: %(count)s attempt, next at %(date)s: %(error)s",
            "%(statement)s: %(count)s attempts, next at %(date)s: %(error)s",
            row.attempts, statement=row.statement_id, count=format_decimal(row.attempts),
            date=format_datetime(row.next_attempt_at, "medium"), error=row.last_error))
