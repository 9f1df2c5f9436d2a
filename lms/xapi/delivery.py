"""Delivery of queued statements to the Learning Record Store (``lms xapi send``).

Statements leave the outbox in batches, oldest first, as ``POST <endpoint>/statements``.

- **The LRS accepts the batch** (2xx): its rows are marked sent.
- **The LRS cannot take it now** (no connection, time-out, 5xx, 429, or 401/403/404, which
  mean the credentials or the endpoint are wrong for every statement alike): the batch's
  rows wait with exponential backoff (30 s, 1 min, 2 min, ... at most an hour), the error is
  kept on each row, and the run stops: there is no point in offering the next batch to an
  LRS that is down.
- **The LRS refuses the batch** (another 4xx): the fault is in some statement, so each is
  sent alone and only the refused ones are held back, with the LRS's reason; they are
  offered again once a day (an LRS's rules can be fixed) and ``lms xapi status`` lists them.
  A 409 means the LRS already holds a statement with that id: when the stored statement is
  ours, it was delivered before (a run that died before it could mark the row).

Statement ids are derived from the events, so delivering a row twice stores it once.
On PostgreSQL a batch is claimed with ``FOR UPDATE SKIP LOCKED``: two senders running at
once never offer the same rows. SQLite has one writer at a time and ignores the clause;
a second sender there can at worst resend rows, which the LRS recognises by their ids.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import requests
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from lms.db import utcnow
from lms.extensions import db
from lms.xapi.models import XapiStatement

logger = logging.getLogger(__name__)

XAPI_VERSION = "1.0.3"
RETRY_FIRST = timedelta(seconds=30)
RETRY_LONGEST = timedelta(hours=1)
RETRY_REFUSED = timedelta(days=1)
# Answers that concern every statement alike, not the ones in the batch: try again later.
TRY_LATER_STATUSES = frozenset({401, 403, 404, 405, 407, 408, 425, 429})
ERROR_LENGTH = 500  # XapiStatement.last_error


class LrsUnavailable(Exception):
    """The LRS could not be reached, or answered that it cannot take statements now."""


def retry_delay(attempts: int) -> timedelta:
    """Wait after the ``attempts``-th failed try: 30 s, doubling, at most an hour."""
    return min(RETRY_LONGEST, RETRY_FIRST * 2 ** min(max(attempts - 1, 0), 16))


def _detail(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        body = response.text
    if isinstance(body, dict) and "detail" in body:
        body = body["detail"]
    text = (body if isinstance(body, str) else str(body))[:ERROR_LENGTH]
    return f"HTTP {response.status_code}: {' '.join(text.split())}"[:ERROR_LENGTH]


class LrsClient:
    """The statements resource of an LRS, over HTTP Basic authentication."""

    def __init__(self, endpoint: str, *, username: str | None, password: str | None,
                 timeout: float, session: requests.Session | None = None) -> None:
        self.url = endpoint.rstrip("/") + "/statements"
        self.timeout = timeout
        self.session = session or requests.Session()
        self.session.headers.update({"X-Experience-API-Version": XAPI_VERSION})
        if username is not None:
            self.session.auth = (username, password or "")

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> LrsClient:
        return cls(config["XAPI_ENDPOINT"], username=config["XAPI_USERNAME"],
                   password=config["XAPI_PASSWORD"], timeout=config["XAPI_TIMEOUT"])

    def _request(self, method: str, **kwargs: Any) -> requests.Response:
        try:
            return self.session.request(method, self.url, timeout=self.timeout, **kwargs)
        except requests.RequestException as error:
            raise LrsUnavailable(f"{type(error).__name__}: {error}"[:ERROR_LENGTH]) from error

    def post(self, statements: Sequence[dict[str, Any]]) -> requests.Response:
        return self._request("POST", json=list(statements))

    def stored(self, statement_id: str) -> dict[str, Any] | None:
        """The statement the LRS holds under ``statement_id``, if it lets us read it."""
        response = self._request("GET", params={"statementId": statement_id})
        if response.status_code >= 500:
            raise LrsUnavailable(_detail(response))
        if response.status_code != 200:
            return None
        try:
            body = response.json()
        except ValueError:
            return None
        if isinstance(body, dict) and isinstance(body.get("statements"), list):
            # The spec answers with the statement itself; some LRSs (Ralph) wrap it in a
            # StatementResult.
            body = next((s for s in body["statements"]
                         if isinstance(s, dict) and s.get("id") == statement_id), None)
        return body if isinstance(body, dict) else None


def _instant(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def same_statement(ours: dict[str, Any], stored: dict[str, Any]) -> bool:
    """Whether the LRS's statement is the one we sent (it may have added ``stored``,
    ``authority`` and ``version``, and may write the timestamp in another form)."""
    def essentials(statement: dict[str, Any]) -> tuple:
        return (statement.get("actor", {}).get("account"), statement.get("verb", {}).get("id"),
                statement.get("object", {}).get("id"), statement.get("result"),
                statement.get("context", {}).get("registration"), _instant(statement.get("timestamp")))
    return stored.get("id") == ours["id"] and essentials(stored) == essentials(ours)


@dataclass
class SendReport:
    delivered: int = 0
    retrying: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)  # (statement id, reason)
    unavailable: str | None = None  # why the run stopped early

    def merge(self, other: SendReport) -> None:
        self.delivered += other.delivered
        self.retrying += other.retrying
        self.refused.extend(other.refused)
        self.unavailable = other.unavailable or self.unavailable


class _Delivery:
    """One batch's fate, written onto its rows (the caller commits)."""

    def __init__(self, client: LrsClient, now: datetime) -> None:
        self.client = client
        self.now = now
        self.report = SendReport()

    def _sent(self, rows: Sequence[XapiStatement]) -> None:
        for row in rows:
            row.sent_at = self.now
            row.attempts += 1
            row.last_error = None
        self.report.delivered += len(rows)

    def _later(self, rows: Sequence[XapiStatement], reason: str) -> None:
        for row in rows:
            row.attempts += 1
            row.last_error = reason[:ERROR_LENGTH]
            row.next_attempt_at = self.now + retry_delay(row.attempts)
        self.report.retrying += len(rows)
        self.report.unavailable = reason

    def _refused(self, row: XapiStatement, reason: str) -> None:
        row.attempts += 1
        row.last_error = reason[:ERROR_LENGTH]
        row.next_attempt_at = self.now + RETRY_REFUSED
        self.report.refused.append((row.statement_id, reason))
        logger.warning("xAPI statement %s refused by the LRS: %s", row.statement_id, reason)

    def deliver(self, rows: Sequence[XapiStatement]) -> None:
        try:
            response = self.client.post([row.payload for row in rows])
        except LrsUnavailable as error:
            self._later(rows, str(error))
            return
        status = response.status_code
        if 200 <= status < 300:
            self._sent(rows)
        elif status >= 500 or status in TRY_LATER_STATUSES:
            self._later(rows, _detail(response))
        elif len(rows) > 1:
            # Something in the batch is refused: find it, so that it holds back nothing else.
            for row in rows:
                self.deliver([row])
                if self.report.unavailable:
                    break  # the rest stay due for the next run
        elif status == 409:
            self._conflict(rows[0], _detail(response))
        else:
            self._refused(rows[0], _detail(response))

    def _conflict(self, row: XapiStatement, reason: str) -> None:
        try:
            stored = self.client.stored(row.statement_id)
        except LrsUnavailable as error:
            self._later([row], str(error))
            return
        if stored is None:
            self._refused(row, f"{reason} (the LRS holds a statement with this id and did not "
                               "let it be read back to compare)")
        elif same_statement(row.payload, stored):
            self._sent([row])
        else:
            self._refused(row, f"{reason} (the LRS holds another statement with this id)")


def due_count(*, ignore_schedule: bool = False) -> int:
    query = select(func.count()).select_from(XapiStatement).where(XapiStatement.sent_at.is_(None))
    if not ignore_schedule:
        query = query.where(XapiStatement.next_attempt_at <= utcnow())
    return db.session.execute(query).scalar_one()


def send_due(client: LrsClient, *, batch_size: int, ignore_schedule: bool = False,
             on_batch: Callable[[SendReport], None] | None = None) -> SendReport:
    """Send every statement that is due, batch by batch, committing after each batch.

    ``ignore_schedule`` also sends the statements that wait for a retry (after an outage
    has been fixed, say). Each row is offered at most once per run.
    """
    started = utcnow()
    report = SendReport()
    after_id = 0
    while True:
        query = (select(XapiStatement)
                 .where(XapiStatement.sent_at.is_(None), XapiStatement.id > after_id)
                 .order_by(XapiStatement.id).limit(batch_size)
                 .with_for_update(skip_locked=True))
        if not ignore_schedule:
            query = query.where(XapiStatement.next_attempt_at <= started)
        rows = list(db.session.execute(query).scalars())
        if not rows:
            db.session.rollback()
            break
        after_id = rows[-1].id
        delivery = _Delivery(client, utcnow())
        delivery.deliver(rows)
        db.session.commit()
        report.merge(delivery.report)
        if on_batch is not None:
            on_batch(delivery.report)
        if delivery.report.unavailable:
            break
    return report


def run_sender(client: LrsClient, *, batch_size: int, interval: float, stop: threading.Event,
               on_run: Callable[[SendReport], None] | None = None) -> None:
    """``send_due`` every ``interval`` seconds until ``stop`` is set (the ``--loop`` service).

    A database that is briefly unreachable is logged and tried again at the next run.
    """
    while not stop.is_set():
        try:
            report = send_due(client, batch_size=batch_size)
        except DBAPIError:
            logger.exception("xAPI sender: database error; trying again in %s s", interval)
            db.session.rollback()
        else:
            if on_run is not None:
                on_run(report)
        finally:
            db.session.close()  # no connection held while idle
        stop.wait(interval)


@dataclass(frozen=True)
class OutboxStatus:
    sent: int
    waiting: int  # never offered yet
    failing: int  # offered at least once, not delivered yet
    oldest_unsent_at: datetime | None
    failures: list[XapiStatement]  # the oldest failing rows, with their last error


def outbox_status(*, failures: int = 10) -> OutboxStatus:
    unsent = XapiStatement.sent_at.is_(None)
    sent, waiting, failing = db.session.execute(
        select(func.count().filter(XapiStatement.sent_at.is_not(None)),
               func.count().filter(unsent, XapiStatement.attempts == 0),
               func.count().filter(unsent, XapiStatement.attempts > 0))
    ).one()
    # Through the column (not MIN()) so that the value comes back as an aware UTC datetime.
    oldest = db.session.execute(
        select(XapiStatement.created_at).where(unsent)
        .order_by(XapiStatement.created_at).limit(1)).scalar_one_or_none()
    rows = list(db.session.execute(
        select(XapiStatement).where(unsent, XapiStatement.attempts > 0)
        .order_by(XapiStatement.id).limit(failures)).scalars())
    return OutboxStatus(sent=sent, waiting=waiting, failing=failing, oldest_unsent_at=oldest,
                        failures=rows)
