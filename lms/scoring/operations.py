"""Scoring writes: choosing the year's policy, freezing results, reopening a frozen period.

Callers commit, except where noted.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import insert, literal, select, update

from lms.accounts.models import Official
from lms.audit.operations import record_event
from lms.db import utcnow
from lms.extensions import db
from lms.learning.models import Course
from lms.org.models import OrgUnit
from lms.scoring.compute import ScoringRun, prepare_run
from lms.scoring.models import (
    YEAR,
    ScoreSnapshot,
    ScoringPolicy,
    SnapshotCourse,
    SnapshotOfficial,
    SnapshotUnit,
)
from lms.scoring.policy import Policy, load_default_policy, parse_policy
from lms.scoring.sources import FrozenScores, LiveScores


class ScoringError(ValueError):
    """A scoring action that cannot be done (the message is shown to the user)."""


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def active_policy(year: int) -> Policy | None:
    """The year's active policy; the shipped example when none was chosen for that year."""
    stored = db.session.execute(
        select(ScoringPolicy).where(ScoringPolicy.year == year, ScoringPolicy.active.is_(True))
    ).scalar_one_or_none()
    if stored is not None:
        return parse_policy(stored.text, f"policy-{year}.yaml")
    default = load_default_policy()
    return default if default.year == year else None


def activate_policy(text: str, filename: str = "policy.yaml") -> ScoringPolicy:
    """Check a policy file and make it its year's active policy (PolicyError when invalid)."""
    policy = parse_policy(text, filename)
    frozen = open_snapshot(policy.year, YEAR)
    if frozen is not None:
        raise ScoringError(_("%(year)s is frozen: reopen it before changing its policy.",
                             year=policy.year))
    stored = db.session.execute(
        select(ScoringPolicy).where(ScoringPolicy.year == policy.year,
                                    ScoringPolicy.hash == policy.hash)
    ).scalar_one_or_none()
    if stored is None:
        stored = ScoringPolicy(year=policy.year, name_vi=policy.name["vi"], name_en=policy.name["en"],
                               text=text, hash=policy.hash)
        db.session.add(stored)
    db.session.execute(update(ScoringPolicy).where(ScoringPolicy.year == policy.year,
                                                   ScoringPolicy.active.is_(True))
                       .values(active=False))
    db.session.flush()
    stored.active = True
    db.session.flush()
    record_event("scoring.policy_activate", target_type="policy", target_id=stored.id,
                 year=policy.year, hash=policy.hash)
    return stored


def open_snapshot(year: int, period: str) -> ScoreSnapshot | None:
    return db.session.execute(
        select(ScoreSnapshot).where(ScoreSnapshot.year == year, ScoreSnapshot.period == period,
                                    ScoreSnapshot.reopened_at.is_(None))
    ).scalar_one_or_none()


def live_run(year: int, period: str = YEAR, *, now: datetime | None = None) -> ScoringRun:
    policy = active_policy(year)
    if policy is None:
        raise ScoringError(_("There is no scoring policy for %(year)s.", year=year))
    return prepare_run(policy, period, now=now or utcnow(), zone=zone())


def scores_for(year: int, period: str = YEAR) -> LiveScores | FrozenScores:
    """Where a period's scores are read from: its frozen snapshot, or else the live preview.

    Raises :class:`ScoringError` when the year has no policy, or the policy no quarters."""
    snapshot = open_snapshot(year, period)
    if snapshot is not None:
        return FrozenScores(snapshot)
    try:
        return LiveScores(live_run(year, period))
    except ScoringError:
        raise
    except ValueError as error:  # prepare_run: a quarter asked of a policy without quarters
        raise ScoringError(_("The scoring policy for %(year)s has no quarterly figures.",
                             year=year)) from error


def freeze(year: int, period: str = YEAR, *, now: datetime | None = None) -> ScoreSnapshot:
    """Write the immutable snapshot of a period, whole province, in set-based inserts."""
    if open_snapshot(year, period) is not None:
        raise ScoringError(_("These results are frozen already."))
    run = live_run(year, period, now=now)
    snapshot = ScoreSnapshot(year=year, period=period, policy_text=run.policy.text,
                             policy_hash=run.policy.hash, as_of=run.as_of, frozen_at=now or utcnow())
    if getattr(current_user, "is_authenticated", False):
        snapshot.frozen_by_id = current_user.id
    db.session.add(snapshot)
    db.session.flush()
    sid = literal(snapshot.id)

    officials = run.official_rows().subquery("frozen_officials")
    db.session.execute(insert(SnapshotOfficial).from_select(
        ["snapshot_id", "official_id", "login", "full_name", "name_sort", "staff_category",
         "position_title", "unit_id", "unit_code", "unit_name_vi", "unit_name_en", "courses_due",
         "on_time", "late", "missing", "indicator", "band", "meets_standard"],
        select(sid, officials.c.official_id, Official.login, Official.full_name, Official.name_sort,
               Official.staff_category, Official.position_title, officials.c.unit_id, OrgUnit.code,
               OrgUnit.name_vi, OrgUnit.name_en, officials.c.courses_due, officials.c.on_time,
               officials.c.late, officials.c.missing, officials.c.indicator, officials.c.band,
               officials.c.meets_standard)
        .join(Official, Official.id == officials.c.official_id)
        .join(OrgUnit, OrgUnit.id == officials.c.unit_id),
    ))
    courses = run.course_rows().subquery("frozen_courses")
    db.session.execute(insert(SnapshotCourse).from_select(
        ["snapshot_id", "official_id", "course_id", "course_slug", "deadline_at", "weight", "status",
         "completed_at", "best_percent", "points"],
        select(sid, courses.c.official_id, courses.c.course_id, Course.slug, courses.c.deadline_at,
               courses.c.weight, courses.c.status, courses.c.completed_at, courses.c.best_percent,
               courses.c.points)
        .join(Course, Course.id == courses.c.course_id),
    ))
    units = run.unit_rows(select(OrgUnit.id)).subquery("frozen_units")
    db.session.execute(insert(SnapshotUnit).from_select(
        ["snapshot_id", "unit_id", "parent_id", "unit_code", "name_vi", "name_en", "headcount",
         "meeting", "share_meeting", "mean_indicator", "on_time_share", "rank"],
        select(sid, units.c.unit_id, units.c.parent_id, units.c.unit_code, units.c.name_vi,
               units.c.name_en, units.c.headcount, units.c.meeting, units.c.share_meeting,
               units.c.mean_indicator, units.c.on_time_share, units.c.rank),
    ))
    record_event("scoring.freeze", target_type="snapshot", target_id=snapshot.id, year=year,
                 period=period, policy_hash=run.policy.hash)
    return snapshot


def reopen(snapshot: ScoreSnapshot, reason: str) -> None:
    """Admin only (checked by the caller): the snapshot stays, marked reopened, for the record."""
    if snapshot.reopened_at is not None:
        raise ScoringError(_("These results were reopened already."))
    if not reason.strip():
        raise ScoringError(_("Give the reason for reopening."))
    snapshot.reopened_at = utcnow()
    snapshot.reopen_reason = reason.strip()
    if getattr(current_user, "is_authenticated", False):
        snapshot.reopened_by_id = current_user.id
    record_event("scoring.reopen", target_type="snapshot", target_id=snapshot.id,
                 year=snapshot.year, period=snapshot.period, reason=reason.strip())

