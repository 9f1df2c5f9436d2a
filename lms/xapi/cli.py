"""``lms xapi send`` and ``lms xapi status``."""

from __future__ import annotations

import json
import signal
import sys
import threading
from datetime import datetime
from types import FrameType

import click
from flask import current_app
from flask.cli import with_appcontext

from lms.xapi.delivery import LrsClient, SendReport, due_count, outbox_status, run_sender, send_due


@click.group("xapi")
def xapi_command() -> None:
    """xAPI learning records: deliver queued statements to the LRS."""


def _summary(report: SendReport) -> str:
    parts = [f"{report.delivered} delivered"]
    if report.retrying:
        parts.append(f"{report.retrying} to retry later")
    if report.refused:
        parts.append(f"{len(report.refused)} refused by the LRS")
    return ", ".join(parts) + "."


def _echo_problems(report: SendReport) -> None:
    for statement_id, reason in report.refused:
        click.echo(f"Refused: statement {statement_id}: {reason}", err=True)
    if report.unavailable:
        click.echo(f"The LRS cannot take statements now: {report.unavailable}", err=True)


def _client() -> LrsClient:
    if not current_app.config.get("XAPI_ENDPOINT"):
        raise click.ClickException("xAPI is off: set LMS_XAPI_ENDPOINT (and LMS_XAPI_BASE_URL, "
                                   "LMS_XAPI_USERNAME, LMS_XAPI_PASSWORD) first.")
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
        with click.progressbar(length=due, label="Sending xAPI statements") as bar:
            report = send_due(client, batch_size=batch_size, ignore_schedule=ignore_schedule,
                              on_batch=lambda batch: bar.update(
                                  batch.delivered + batch.retrying + len(batch.refused)))
    else:
        report = send_due(client, batch_size=batch_size, ignore_schedule=ignore_schedule)
    _echo_problems(report)
    click.echo(f"xAPI: {_summary(report)}")
    if report.unavailable or report.refused:
        sys.exit(1)


def _send_forever(client: LrsClient, batch_size: int, interval: float) -> None:
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        click.echo(f"Stopping the xAPI sender ({signal.Signals(signum).name}).", err=True)
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}

    def report_run(report: SendReport) -> None:
        _echo_problems(report)
        if report.delivered or report.retrying or report.refused:
            click.echo(f"{datetime.now():%Y-%m-%d %H:%M:%S} xAPI: {_summary(report)}")

    click.echo(f"xAPI sender running every {interval:g} s; stop with Ctrl+C or SIGTERM.")
    try:
        run_sender(client, batch_size=batch_size, interval=interval, stop=stop, on_run=report_run)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@xapi_command.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
@with_appcontext
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
    click.echo(f"xAPI: {'on, LRS ' + endpoint if endpoint else 'off (LMS_XAPI_ENDPOINT is not set)'}")
    click.echo(f"Sent:    {status.sent}")
    click.echo(f"Waiting: {status.waiting} (never offered to the LRS yet)")
    click.echo(f"Failing: {status.failing} (offered, not delivered yet; retried automatically)")
    if oldest is not None:
        click.echo(f"Oldest not yet delivered: {oldest:%Y-%m-%d %H:%M:%S} UTC")
    for row in status.failures:
        click.echo(f"  {row.statement_id}: {row.attempts} attempt(s), next at "
                   f"{row.next_attempt_at:%Y-%m-%d %H:%M:%S} UTC: {row.last_error}")
