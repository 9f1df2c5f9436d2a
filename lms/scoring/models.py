from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import Official
from lms.db import UTCDateTime, utcnow
from lms.extensions import db

YEAR = "Y"  # the period code of a whole year; quarters are "Q1".."Q4"


class ScoringPolicy(db.Model):
    """A policy file as uploaded; one is active per year."""

    __tablename__ = "scoring_policy"
    __table_args__ = (
        UniqueConstraint("year", "hash", name="uq_scoring_policy_year_hash"),
        Index("uq_scoring_policy_active", "year", unique=True,
              sqlite_where=text("active"), postgresql_where=text("active")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    name_vi: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str] = mapped_column(String(255))
    text: Mapped[str] = mapped_column(Text)
    hash: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("official.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    uploaded_by: Mapped[Official | None] = relationship()


class ScoreSnapshot(db.Model):
    """Frozen results of a year or quarter. Its rows never change; reopening only marks it."""

    __tablename__ = "score_snapshot"
    __table_args__ = (
        Index("uq_score_snapshot_open", "year", "period", unique=True,
              sqlite_where=text("reopened_at IS NULL"),
              postgresql_where=text("reopened_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(2))
    policy_text: Mapped[str] = mapped_column(Text)
    policy_hash: Mapped[str] = mapped_column(String(64))
    as_of: Mapped[datetime] = mapped_column(UTCDateTime)
    frozen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    frozen_by_id: Mapped[int | None] = mapped_column(ForeignKey("official.id", ondelete="SET NULL"))
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopened_by_id: Mapped[int | None] = mapped_column(ForeignKey("official.id", ondelete="SET NULL"))
    reopen_reason: Mapped[str | None] = mapped_column(Text)

    frozen_by: Mapped[Official | None] = relationship(foreign_keys=[frozen_by_id])


class SnapshotOfficial(db.Model):
    __tablename__ = "snapshot_official"
    __table_args__ = (Index("ix_snapshot_official_unit", "snapshot_id", "unit_id"),)

    snapshot_id: Mapped[int] = mapped_column(ForeignKey("score_snapshot.id", ondelete="CASCADE"),
                                             primary_key=True)
    official_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    login: Mapped[str] = mapped_column(String(64))
    full_name: Mapped[str] = mapped_column(String(255))
    name_sort: Mapped[str] = mapped_column(String(320))
    staff_category: Mapped[str] = mapped_column(String(32))
    position_title: Mapped[str | None] = mapped_column(String(255))
    unit_id: Mapped[int] = mapped_column(Integer)
    unit_code: Mapped[str] = mapped_column(String(32))
    unit_name_vi: Mapped[str] = mapped_column(String(255))
    unit_name_en: Mapped[str] = mapped_column(String(255))
    courses_due: Mapped[int] = mapped_column(Integer)
    on_time: Mapped[int] = mapped_column(Integer)
    late: Mapped[int] = mapped_column(Integer)
    missing: Mapped[int] = mapped_column(Integer)
    indicator: Mapped[float] = mapped_column(Float)
    band: Mapped[str] = mapped_column(String(32))
    meets_standard: Mapped[bool] = mapped_column(Boolean)


class SnapshotCourse(db.Model):
    __tablename__ = "snapshot_course"

    snapshot_id: Mapped[int] = mapped_column(ForeignKey("score_snapshot.id", ondelete="CASCADE"),
                                             primary_key=True)
    official_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_slug: Mapped[str] = mapped_column(String(64))
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime)
    weight: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    best_percent: Mapped[float | None] = mapped_column(Float)
    points: Mapped[float] = mapped_column(Float)


class SnapshotUnit(db.Model):
    __tablename__ = "snapshot_unit"

    snapshot_id: Mapped[int] = mapped_column(ForeignKey("score_snapshot.id", ondelete="CASCADE"),
                                             primary_key=True)
    unit_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(Integer)
    unit_code: Mapped[str] = mapped_column(String(32))
    name_vi: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str] = mapped_column(String(255))
    headcount: Mapped[int] = mapped_column(Integer)
    meeting: Mapped[int] = mapped_column(Integer)
    share_meeting: Mapped[float] = mapped_column(Float)
    mean_indicator: Mapped[float] = mapped_column(Float)
    on_time_share: Mapped[float] = mapped_column(Float)
    rank: Mapped[int] = mapped_column(Integer)
