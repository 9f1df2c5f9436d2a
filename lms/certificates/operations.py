"""Writes for certificates: issue on completion, make the signed PDF once, revoke.

Like every operation, these add to the session and leave the commit to the caller, so a
certificate lands in the same transaction as the completion that earned it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import exists, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from lms.accounts.models import Official
from lms.audit.operations import record_event
from lms.certificates.identity import certificate_identity
from lms.certificates.models import Certificate
from lms.certificates.pdf import CertificateContent, render_certificate
from lms.certificates.signing import sign_pdf
from lms.db import utcnow
from lms.extensions import db
from lms.learning.models import CourseCompletion
from lms.org.models import OrgUnit
from lms.org.queries import ancestors

# Crockford-style: no 0/O, 1/I/L or U, so a serial read aloud or typed from paper is not
# mistaken. 12 characters give 30^12 ≈ 5·10^17 serials: not guessable, even without the
# verification page's rate limit.
SERIAL_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
SERIAL_GROUPS = 3
SERIAL_GROUP_SIZE = 4
SERIAL_LENGTH = SERIAL_GROUPS * SERIAL_GROUP_SIZE
BACKFILL_BATCH = 1000


class CertificateFileDeleted(LookupError):
    """The certificate's signed file was deleted (its holder was anonymised)."""


def new_serial() -> str:
    raw = "".join(secrets.choice(SERIAL_ALPHABET) for _ in range(SERIAL_LENGTH))
    return _grouped(raw)


def _grouped(raw: str) -> str:
    return "-".join(raw[i:i + SERIAL_GROUP_SIZE] for i in range(0, SERIAL_LENGTH, SERIAL_GROUP_SIZE))


def normalise_serial(text: str | None) -> str | None:
    """The canonical ``XXXX-XXXX-XXXX`` form of a typed serial, or None if it cannot be one.

    Accepts lower case, spaces and missing or extra dashes.
    """
    if not text:
        return None
    raw = "".join(ch for ch in text.upper() if not ch.isspace() and ch != "-")
    if len(raw) != SERIAL_LENGTH or any(ch not in SERIAL_ALPHABET for ch in raw):
        return None
    return _grouped(raw)


def holder_locale(official: Official) -> str:
    locale = official.preferred_locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    return locale if locale in current_app.config["LANGUAGES"] else "vi"


def _insert_ignoring_duplicates(rows: list[dict[str, Any]]) -> int:
    """Insert the rows a unique key does not refuse; returns how many went in. (RETURNING
    counts them: an executemany's rowcount is not reported by every driver.)"""
    dialect_insert = (postgresql_insert if db.session.get_bind().dialect.name == "postgresql"
                      else sqlite_insert)
    statement = (dialect_insert(Certificate.__table__).on_conflict_do_nothing()
                 .returning(Certificate.__table__.c.id))
    return len(db.session.execute(statement, rows).all())


def issue_certificate(*, course_id: int, course_version_id: int, unit: OrgUnit, holder_name: str,
                      locale: str, completed_at: datetime, percent: float,
                      official_id: int | None = None,
                      participant_id: int | None = None) -> Certificate:
    """Issue one certificate (a record; its PDF is made on first download). Caller commits.

    For an official, a second call for the same course returns the first certificate.
    """
    if (official_id is None) == (participant_id is None):
        raise ValueError("a certificate has exactly one holder: an official or a participant")
    values = {
        "official_id": official_id, "participant_id": participant_id, "course_id": course_id,
        "course_version_id": course_version_id, "unit_id": unit.id, "holder_name": holder_name,
        "unit_name": unit.name_in(locale), "locale": locale, "completed_at": completed_at,
        "percent": percent, "issued_at": utcnow(),
    }
    for _attempt in range(3):
        values["serial"] = new_serial()
        if _insert_ignoring_duplicates([values]):
            return db.session.execute(
                select(Certificate).where(Certificate.serial == values["serial"])).scalar_one()
        if official_id is not None:
            existing = db.session.execute(
                select(Certificate).where(Certificate.official_id == official_id,
                                          Certificate.course_id == course_id)).scalar_one_or_none()
            if existing is not None:
                return existing
        # Otherwise the drawn serial was taken (about one chance in 10^17): draw again.
    raise RuntimeError("no free certificate serial after three draws")


def issue_course_certificate(completion: CourseCompletion) -> Certificate:
    """The certificate of an official's course completion. Caller commits."""
    official = db.session.get(Official, completion.official_id)
    locale = holder_locale(official)
    return issue_certificate(
        official_id=official.id, course_id=completion.course_id,
        course_version_id=completion.course_version_id, unit=official.unit,
        holder_name=official.full_name, locale=locale, completed_at=completion.completed_at,
        percent=completion.percent,
    )


def issue_missing_certificates() -> int:
    """Certificates for completions recorded without one (before this feature, or loaded in
    bulk), in batches. Names and units are those of today. Returns how many; caller commits."""
    default_locale = current_app.config["BABEL_DEFAULT_LOCALE"]
    missing = (
        select(CourseCompletion.official_id, CourseCompletion.course_id,
               CourseCompletion.course_version_id, CourseCompletion.completed_at,
               CourseCompletion.percent, Official.full_name, Official.preferred_locale,
               Official.unit_id, OrgUnit.name_vi, OrgUnit.name_en)
        .join(Official, Official.id == CourseCompletion.official_id)
        .join(OrgUnit, OrgUnit.id == Official.unit_id)
        .where(~exists().where(Certificate.official_id == CourseCompletion.official_id,
                               Certificate.course_id == CourseCompletion.course_id))
        .order_by(CourseCompletion.id)
        .limit(BACKFILL_BATCH)
    )
    issued = 0
    now = utcnow()
    while True:
        rows = db.session.execute(missing).mappings().all()
        if not rows:
            return issued
        certificates = []
        for row in rows:
            locale = row["preferred_locale"] or default_locale
            certificates.append({
                "serial": new_serial(), "official_id": row["official_id"], "participant_id": None,
                "course_id": row["course_id"], "course_version_id": row["course_version_id"],
                "unit_id": row["unit_id"], "holder_name": row["full_name"],
                "unit_name": row["name_en"] if locale == "en" else row["name_vi"],
                "locale": locale, "completed_at": row["completed_at"], "percent": row["percent"],
                "issued_at": now,
            })
        inserted = _insert_ignoring_duplicates(certificates)
        if not inserted:
            raise RuntimeError("certificates could not be issued for the remaining completions")
        issued += inserted


def revoke_certificate(certificate: Certificate, *, reason: str, by: Official) -> bool:
    """Revoke with a reason, audit-logged. False when it was revoked already. Caller commits."""
    if certificate.revoked_at is not None:
        return False
    certificate.revoked_at = utcnow()
    certificate.revoked_by_id = by.id
    certificate.revoke_reason = reason
    record_event("certificate.revoke", target_type="certificate", target_id=certificate.id,
                 unit_id=certificate.unit_id, actor_id=by.id, serial=certificate.serial,
                 reason=reason)
    return True


def certificate_content(certificate: Certificate, *, verify_url: str, demo: bool) -> CertificateContent:
    locale = certificate.locale
    version = certificate.course_version
    root = ancestors(certificate.unit_id)[0]
    return CertificateContent(
        serial=certificate.serial, holder_name=certificate.holder_name,
        unit_name=certificate.unit_name, issuer_name=root.name_in(locale),
        course_title=version.title_en if locale == "en" else version.title_vi,
        course_version=version.label, completed_at=certificate.completed_at,
        percent=certificate.percent, verify_url=verify_url, locale=locale, demo=demo,
    )


def certificate_pdf(certificate: Certificate, *, verify_url: str) -> bytes:
    """The signed PDF: made and stored on first request, the stored bytes ever after.

    Two first downloads at once both sign, but only the first to store wins; the other returns
    the stored copy, so every holder and verifier sees one file with one hash. Caller commits.
    """
    if certificate.pdf is not None:
        return certificate.pdf
    if certificate.pdf_sha256 is not None:
        # Deleted when its holder was anonymised. Making it again would print the placeholder
        # and replace the hash that the holder's own copy is recognised by.
        raise CertificateFileDeleted(certificate.serial)
    identity = certificate_identity()
    content = certificate_content(certificate, verify_url=verify_url, demo=identity.demo)
    with force_locale(certificate.locale):
        reason = _("Certificate of course completion %(serial)s", serial=certificate.serial)
    signed = sign_pdf(render_certificate(content), identity, reason=reason,
                      location=content.issuer_name)
    stored = db.session.execute(
        update(Certificate)
        .where(Certificate.id == certificate.id, Certificate.pdf.is_(None))
        .values(pdf=signed, pdf_sha256=hashlib.sha256(signed).hexdigest(), signed_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(certificate, ["pdf", "pdf_sha256", "signed_at"])
    if stored != 1:
        current_app.logger.info("Certificate %s was signed by a concurrent request",
                                certificate.serial)
    return certificate.pdf


def anonymise_holder(official_id: int, placeholder: str) -> None:
    """Part of anonymising an official: their certificates keep their serial, course, date and
    status, but no longer name them, and the PDF that did is deleted. Caller commits."""
    db.session.execute(
        update(Certificate).where(Certificate.official_id == official_id)
        .values(holder_name=placeholder, pdf=None)
        .execution_options(synchronize_session=False)
    )
