from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import get_locale
from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import UTCDateTime, enum_column, utcnow
from lms.extensions import db


def _in_locale(vi: str, en: str) -> str:
    locale = get_locale()
    return en if locale is not None and locale.language == "en" else vi


class Reveal(StrEnum):
    AFTER_EACH_ATTEMPT = "after_each_attempt"
    AFTER_PASSING = "after_passing"
    NEVER = "never"


class Course(db.Model):
    """A course, identified by its folder's slug across all its versions."""

    __tablename__ = "course"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    versions: Mapped[list[CourseVersion]] = relationship(back_populates="course",
                                                         order_by="CourseVersion.id")


class CourseVersion(db.Model):
    """One content state of a course folder, keyed by the hash of its files."""

    __tablename__ = "course_version"
    __table_args__ = (
        UniqueConstraint("course_id", "content_hash", name="uq_course_version_hash"),
        # At most one current version per course, on SQLite and PostgreSQL alike.
        Index("uq_course_version_current", "course_id", unique=True,
              sqlite_where=text("is_current"), postgresql_where=text("is_current")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(32))
    content_hash: Mapped[str] = mapped_column(String(64))
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)
    title_vi: Mapped[str] = mapped_column(String(255))
    title_en: Mapped[str] = mapped_column(String(255))
    description_vi: Mapped[str] = mapped_column(Text)
    description_en: Mapped[str] = mapped_column(Text)
    estimated_minutes: Mapped[int] = mapped_column(Integer)
    audience: Mapped[list[str]] = mapped_column(JSON)
    competences: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    sources: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    # Quiz settings
    draw_count: Mapped[int] = mapped_column(Integer)
    pass_mark: Mapped[float] = mapped_column(Float)
    max_attempts: Mapped[int | None] = mapped_column(Integer)
    time_limit_minutes: Mapped[int | None] = mapped_column(Integer)
    shuffle_questions: Mapped[bool] = mapped_column(Boolean)
    shuffle_options: Mapped[bool] = mapped_column(Boolean)
    reveal: Mapped[Reveal] = mapped_column(enum_column(Reveal, "reveal"))
    require_lessons: Mapped[bool] = mapped_column(Boolean)
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    course: Mapped[Course] = relationship(back_populates="versions")
    lessons: Mapped[list[Lesson]] = relationship(back_populates="course_version",
                                                 order_by="Lesson.position")

    @property
    def title(self) -> str:
        return _in_locale(self.title_vi, self.title_en)

    @property
    def description(self) -> str:
        return _in_locale(self.description_vi, self.description_en)

    @property
    def slug(self) -> str:
        return self.course.slug


class Lesson(db.Model):
    __tablename__ = "lesson"
    __table_args__ = (UniqueConstraint("course_version_id", "key", name="uq_lesson_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_version_id: Mapped[int] = mapped_column(
        ForeignKey("course_version.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    minutes: Mapped[int] = mapped_column(Integer)
    title_vi: Mapped[str] = mapped_column(String(255))
    title_en: Mapped[str] = mapped_column(String(255))
    html_vi: Mapped[str] = mapped_column(Text)
    html_en: Mapped[str] = mapped_column(Text)
    competences: Mapped[list[dict[str, str]]] = mapped_column(JSON)

    course_version: Mapped[CourseVersion] = relationship(back_populates="lessons")

    @property
    def title(self) -> str:
        return _in_locale(self.title_vi, self.title_en)

    @property
    def html(self) -> str:
        return _in_locale(self.html_vi, self.html_en)


class LessonProgress(db.Model):
    """A lesson an official has finished. Keyed by lesson key, so it survives new versions."""

    __tablename__ = "lesson_progress"
    __table_args__ = (
        UniqueConstraint("official_id", "course_id", "lesson_key", name="uq_lesson_progress"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    official_id: Mapped[int] = mapped_column(ForeignKey("official.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    lesson_key: Mapped[str] = mapped_column(String(64))
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CourseCompletion(db.Model):
    """Required lessons done and the quiz passed. Written once, never revoked."""

    __tablename__ = "course_completion"
    __table_args__ = (
        UniqueConstraint("official_id", "course_id", name="uq_course_completion"),
        Index("ix_course_completion_course_completed", "course_id", "completed_at"),
        # Covers the year's scores: one probe per (official, course) reads only the index.
        Index("ix_course_completion_scoring", "official_id", "course_id", "completed_at",
              "best_percent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    official_id: Mapped[int] = mapped_column(ForeignKey("official.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    course_version_id: Mapped[int] = mapped_column(ForeignKey("course_version.id"))
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempt.id"))
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    percent: Mapped[float] = mapped_column(Float)  # the passing score that completed the course
    best_percent: Mapped[float] = mapped_column(Float)  # kept up to date by later attempts
