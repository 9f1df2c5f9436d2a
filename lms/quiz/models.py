from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import UTCDateTime, enum_column, utcnow
from lms.extensions import db
from lms.learning.models import Course, CourseVersion


class QuestionType(StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    TRUE_FALSE = "true_false"
    ORDERING = "ordering"
    MATCHING = "matching"


class Question(db.Model):
    """A question by its stable id within a course."""

    __tablename__ = "question"
    __table_args__ = (UniqueConstraint("course_id", "key", name="uq_question_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))


class QuestionVersion(db.Model):
    """One wording of a question. Never changed once written: attempts point at it."""

    __tablename__ = "question_version"
    __table_args__ = (UniqueConstraint("question_id", "content_hash", name="uq_question_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"))
    content_hash: Mapped[str] = mapped_column(String(64))
    type: Mapped[QuestionType] = mapped_column(enum_column(QuestionType, "question_type"))
    points: Mapped[float] = mapped_column(Float)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)  # text, options, items, explanation
    answer: Mapped[Any] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    question: Mapped[Question] = relationship()


class CourseVersionQuestion(db.Model):
    """The bank of a course version."""

    __tablename__ = "course_version_question"

    course_version_id: Mapped[int] = mapped_column(
        ForeignKey("course_version.id", ondelete="CASCADE"), primary_key=True)
    question_version_id: Mapped[int] = mapped_column(
        ForeignKey("question_version.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)


class AttemptStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"


def new_public_id() -> str:
    return secrets.token_urlsafe(12)


class QuizAttempt(db.Model):
    """One attempt at a course's quiz: one row per attempt, ready for set-based reports.

    The learner is an official or a session participant (``lms.classroom``), never both.
    Everything that counts officials (scoring, exports, the API) reads ``official_id``, so
    participants' attempts never reach it.
    """

    __tablename__ = "quiz_attempt"
    __table_args__ = (
        # The attempt limit holds under concurrency: two starts cannot take the same number.
        UniqueConstraint("official_id", "course_id", "number", name="uq_quiz_attempt_number"),
        UniqueConstraint("participant_id", "course_id", "number",
                         name="uq_quiz_attempt_participant_number"),
        CheckConstraint("(official_id IS NULL) <> (participant_id IS NULL)", name="one_learner"),
        # Per official and course, by time: the attempts page, limits and best-score lookups.
        Index("ix_quiz_attempt_official_course", "official_id", "course_id", "submitted_at"),
        Index("ix_quiz_attempt_course_submitted", "course_id", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(24), unique=True, default=new_public_id)
    official_id: Mapped[int | None] = mapped_column(ForeignKey("official.id", ondelete="CASCADE"))
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("session_participant.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    course_version_id: Mapped[int] = mapped_column(ForeignKey("course_version.id"))
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[AttemptStatus] = mapped_column(enum_column(AttemptStatus, "attempt_status"),
                                                  default=AttemptStatus.IN_PROGRESS)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    points: Mapped[float | None] = mapped_column(Float)
    max_points: Mapped[float] = mapped_column(Float)
    percent: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    # Submitted after the time limit: graded on the answers saved in time.
    late: Mapped[bool] = mapped_column(Boolean, default=False)

    course: Mapped[Course] = relationship()
    course_version: Mapped[CourseVersion] = relationship()
    items: Mapped[list[AttemptItem]] = relationship(back_populates="attempt",
                                                    order_by="AttemptItem.position",
                                                    cascade="all, delete-orphan")

    @property
    def is_open(self) -> bool:
        return self.status is AttemptStatus.IN_PROGRESS


class AttemptItem(db.Model):
    """A question as this attempt presented it: which version, in which order, options how."""

    __tablename__ = "attempt_item"
    __table_args__ = (UniqueConstraint("attempt_id", "position", name="uq_attempt_item_position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempt.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_version.id"))
    option_order: Mapped[list[str]] = mapped_column(JSON)
    item_order: Mapped[list[str]] = mapped_column(JSON)
    response: Mapped[Any] = mapped_column(JSON, nullable=True)
    saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    points: Mapped[float | None] = mapped_column(Float)
    max_points: Mapped[float] = mapped_column(Float)

    attempt: Mapped[QuizAttempt] = relationship(back_populates="items")
    question_version: Mapped[QuestionVersion] = relationship()
