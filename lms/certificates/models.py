from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Float, ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import Official
from lms.db import UTCDateTime, utcnow
from lms.extensions import db
from lms.learning.models import CourseVersion


class CertificateStatus(StrEnum):
    VALID = "valid"
    REVOKED = "revoked"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])


STATUS_LABELS = {
    CertificateStatus.VALID: _l("Valid"),
    CertificateStatus.REVOKED: _l("Revoked"),
}


class Certificate(db.Model):
    """A completion certificate: what was true when it was issued, and its signed PDF.

    The holder's name, unit and language are copied at issue time, so a later rename or move
    never changes what a certificate states. The signed PDF is made on first download and
    kept, so every later download, and the hash that verification matches uploads against,
    is byte for byte what the holder received.

    The holder is an official (course completion) or a session participant (completion of a
    school session, ``lms.classroom``).
    """

    __tablename__ = "certificate"
    __table_args__ = (
        # One certificate per official and course, as a course is completed once.
        UniqueConstraint("official_id", "course_id", name="uq_certificate_official_course"),
        UniqueConstraint("participant_id", "course_id", name="uq_certificate_participant_course"),
        Index("ix_certificate_course_completed", "course_id", "completed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(16), unique=True)
    official_id: Mapped[int | None] = mapped_column(ForeignKey("official.id", ondelete="RESTRICT"))
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("session_participant.id", ondelete="RESTRICT"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="RESTRICT"))
    course_version_id: Mapped[int] = mapped_column(ForeignKey("course_version.id"))
    # The unit the holder belonged to when the certificate was issued.
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id", ondelete="RESTRICT"), index=True)
    holder_name: Mapped[str] = mapped_column(String(255))
    unit_name: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str] = mapped_column(String(8))
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    percent: Mapped[float] = mapped_column(Float)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("official.id", ondelete="SET NULL"))
    revoke_reason: Mapped[str | None] = mapped_column(String(500))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)

    official: Mapped[Official | None] = relationship(foreign_keys=[official_id])
    course_version: Mapped[CourseVersion] = relationship()

    @property
    def status(self) -> CertificateStatus:
        return CertificateStatus.REVOKED if self.revoked_at is not None else CertificateStatus.VALID

    def __repr__(self) -> str:
        return f"<Certificate {self.serial}>"
