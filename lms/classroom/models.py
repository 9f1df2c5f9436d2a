from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import UTCDateTime, enum_column, utcnow
from lms.extensions import db
from lms.learning.models import Course
from lms.org.models import OrgUnit

# No 0/O, 1/I/L or U: a code read aloud in a noisy room or typed on a phone is not mistaken.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
JOIN_CODE_LENGTH = 6
RESUME_CODE_LENGTH = 6


def new_code(length: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def new_participant_token() -> str:
    return secrets.token_urlsafe(24)


class Audience(StrEnum):
    STUDENTS = "students"
    PARENTS = "parents"
    RESIDENTS = "residents"

    @property
    def label(self) -> str:
        return str(AUDIENCE_LABELS[self])


AUDIENCE_LABELS = {
    Audience.STUDENTS: _l("Students"),
    Audience.PARENTS: _l("Parents"),
    Audience.RESIDENTS: _l("Residents"),
}


class Pacing(StrEnum):
    SELF_PACED = "self_paced"
    LED = "led"

    @property
    def label(self) -> str:
        return str(PACING_LABELS[self])


PACING_LABELS = {
    Pacing.SELF_PACED: _l("Self-paced: everyone goes at their own speed"),
    Pacing.LED: _l("Led: I open the lessons and the quiz one step at a time"),
}


class ClassSession(db.Model):
    """A group session at a school or commune hall, joined by code from participants' phones."""

    __tablename__ = "class_session"
    __table_args__ = (
        # A code read aloud must lead to one session: unique among the sessions still open.
        Index("uq_class_session_open_code", "join_code", unique=True,
              sqlite_where=text("closed_at IS NULL"), postgresql_where=text("closed_at IS NULL")),
        Index("ix_class_session_unit_starts", "unit_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id", ondelete="RESTRICT"))
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="RESTRICT"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("official.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    # Keys of the chosen lessons, in course order; None means every lesson of the course.
    lesson_keys: Mapped[list[str] | None] = mapped_column(JSON)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(200))
    audience: Mapped[Audience] = mapped_column(enum_column(Audience, "session_audience"))
    expected_size: Mapped[int] = mapped_column(Integer)
    pacing: Mapped[Pacing] = mapped_column(enum_column(Pacing, "session_pacing"))
    join_code: Mapped[str] = mapped_column(String(JOIN_CODE_LENGTH))
    # Led pacing: how many of the session's lessons are open, and whether the quiz is.
    opened_lessons: Mapped[int] = mapped_column(Integer, default=0)
    quiz_open: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the participants' names were replaced (``lms sessions purge``).
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    unit: Mapped[OrgUnit] = relationship()
    course: Mapped[Course] = relationship()

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def is_led(self) -> bool:
        return self.pacing is Pacing.LED


class SessionParticipant(db.Model):
    """Someone in the room: a display name and a group, nothing more. No account, no e-mail.

    ``token`` lives in the participant's browser session (same device); ``resume_code`` is
    shown to them to continue on another device.
    """

    __tablename__ = "session_participant"
    __table_args__ = (
        UniqueConstraint("session_id", "resume_code", name="uq_session_participant_resume"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("class_session.id", ondelete="CASCADE"),
                                            index=True)
    token: Mapped[str] = mapped_column(String(48), unique=True, default=new_participant_token)
    resume_code: Mapped[str] = mapped_column(String(RESUME_CODE_LENGTH))
    display_name: Mapped[str] = mapped_column(String(80))
    group_name: Mapped[str | None] = mapped_column(String(80))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Every session lesson read and the quiz passed.
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    best_percent: Mapped[float | None] = mapped_column(Float)

    session: Mapped[ClassSession] = relationship()


class ParticipantLesson(db.Model):
    """A lesson a participant has finished."""

    __tablename__ = "participant_lesson"

    participant_id: Mapped[int] = mapped_column(
        ForeignKey("session_participant.id", ondelete="CASCADE"), primary_key=True)
    lesson_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
