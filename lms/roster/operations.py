"""Apply a checked roster plan: one transaction, set-based writes, one audit event."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, insert, update
from werkzeug.security import generate_password_hash

from lms.accounts.models import Official, new_session_token
from lms.accounts.operations import generate_temporary_password
from lms.audit.operations import record_event
from lms.db import utcnow
from lms.extensions import db
from lms.org.models import OrgUnit
from lms.roster.models import RosterUpload
from lms.roster.plan import RosterPlan, sort_key_fields
from lms.roster.reading import RawTable, read_table

WRITE_SLICE = 2000
# Audit details name at most this many employee codes per kind of change.
AUDIT_CODES = 500
# Uploaded rosters hold personal data: a preview that was never applied is kept this long.
UPLOAD_LIFETIME = timedelta(days=1)
# One-time passwords are 12 random characters (about 59 bits) and must be changed at first
# sign-in. Key stretching protects passwords people choose; for a random secret of this size a
# single salted PBKDF2 round is enough, and lets an import create 100,000 accounts in seconds
# instead of hours. The password each official then chooses is hashed with the full method.
ONE_TIME_HASH_METHOD = "pbkdf2:sha256:1"


class RosterRefused(ValueError):
    """The plan cannot be applied (it has problems, or it was already applied)."""


@dataclass(frozen=True)
class Credential:
    employee_code: str
    login: str
    full_name: str
    password: str


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    deactivated: int
    unchanged: int
    credentials: list[Credential]


def apply_plan(plan: RosterPlan, *, source: str, sha256: str, actor_id: int | None = None,
               progress: Callable[[int], None] | None = None) -> ImportResult:
    """Write the plan in the caller's transaction; the caller commits (or rolls back)."""
    if not plan.ok:
        raise RosterRefused("the roster has problems")
    now = utcnow()
    credentials: list[Credential] = []
    rows = []
    for entry in plan.creates:
        password = generate_temporary_password()
        values = dict(entry.values)
        credentials.append(Credential(entry.employee_code, values["login"], values["full_name"],
                                      password))
        rows.append({
            **values,
            **sort_key_fields(values["full_name"]),
            "employee_code": entry.employee_code,
            "password_hash": generate_password_hash(password, method=ONE_TIME_HASH_METHOD),
            "must_change_password": True,
            "session_token": new_session_token(),
            "created_at": now,
            "updated_at": now,
        })
    for start in range(0, len(rows), WRITE_SLICE):
        # A Core insert of fully computed rows: the ORM's per-row bookkeeping is not needed.
        db.session.execute(insert(Official.__table__), rows[start:start + WRITE_SLICE])
        if progress:
            progress(len(rows[start:start + WRITE_SLICE]))

    changes = []
    for entry in plan.updates:
        values = dict(entry.values)
        if "full_name" in values:
            values.update(sort_key_fields(values["full_name"]))
        changes.append({"id": entry.official_id, "employee_code": entry.employee_code,
                        "updated_at": now, **values})
    # Rows of an ORM bulk UPDATE are grouped by the columns they set.
    for start in range(0, len(changes), WRITE_SLICE):
        db.session.execute(update(Official), changes[start:start + WRITE_SLICE])
        if progress:
            progress(len(changes[start:start + WRITE_SLICE]))

    departures = [{"id": departure.official_id, "active": False, "updated_at": now,
                   # a new session token signs the departed official out everywhere
                   "session_token": new_session_token()}
                  for departure in plan.deactivations]
    for start in range(0, len(departures), WRITE_SLICE):
        db.session.execute(update(Official), departures[start:start + WRITE_SLICE])
        if progress:
            progress(len(departures[start:start + WRITE_SLICE]))

    record_event(
        "roster.import", target_type="unit", target_id=plan.unit.id, unit_id=plan.unit.id,
        actor_id=actor_id, source=source, sha256=sha256, rows=plan.row_count,
        created=len(plan.creates), updated=len(plan.updates),
        deactivated=len(plan.deactivations), unchanged=plan.unchanged,
        created_codes=[entry.employee_code for entry in plan.creates[:AUDIT_CODES]],
        updated_codes=[entry.employee_code for entry in plan.updates[:AUDIT_CODES]],
        deactivated_codes=[departure.employee_code for departure in plan.deactivations[:AUDIT_CODES]],
    )
    db.session.flush()
    db.session.expire_all()
    return ImportResult(created=len(plan.creates), updated=len(plan.updates),
                        deactivated=len(plan.deactivations), unchanged=plan.unchanged,
                        credentials=credentials)


def digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def store_upload(content: bytes, filename: str, unit: OrgUnit, *, uploaded_by_id: int,
                 deactivate_missing: bool) -> RosterUpload:
    """Keep a previewed file until the user applies it; older unapplied previews are purged."""
    db.session.execute(delete(RosterUpload).where(RosterUpload.created_at < utcnow() - UPLOAD_LIFETIME))
    upload = RosterUpload(public_id=secrets.token_urlsafe(18), uploaded_by_id=uploaded_by_id,
                          unit_id=unit.id, filename=filename[:255], content=content,
                          sha256=digest(content), deactivate_missing=deactivate_missing)
    db.session.add(upload)
    return upload


def mark_applied(upload: RosterUpload) -> None:
    """Applied uploads keep their hash and name for the record, not the personal data."""
    upload.applied_at = utcnow()
    upload.content = b""


def table_of(upload: RosterUpload) -> RawTable:
    return read_table(upload.content)
