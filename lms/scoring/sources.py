"""Where pages and exports read scores from: the live computation or a frozen snapshot.

Both give the same columns, so a page shows a frozen year exactly as it was frozen, and a
live preview exactly as the freeze would write it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, case, func, select

from lms.accounts.models import Official
from lms.extensions import db
from lms.learning.models import Course, CourseVersion
from lms.org.models import OrgUnit
from lms.scoring.compute import ScoringRun
from lms.scoring.models import ScoreSnapshot, SnapshotCourse, SnapshotOfficial, SnapshotUnit
from lms.scoring.policy import Policy, parse_policy


@dataclass
class LiveScores:
    run: ScoringRun
    frozen = False
    snapshot = None

    @property
    def policy(self) -> Policy:
        return self.run.policy

    @property
    def as_of(self) -> datetime:
        return self.run.as_of

    def officials(self, scope: Select) -> Select:
        rows = self.run.official_rows(scope=scope).subquery("live_officials")
        return (
            select(rows, Official.login, Official.full_name, Official.staff_category,
                   Official.position_title, OrgUnit.code.label("unit_code"),
                   OrgUnit.name_vi.label("unit_name_vi"), OrgUnit.name_en.label("unit_name_en"))
            .join(Official, Official.id == rows.c.official_id)
            .join(OrgUnit, OrgUnit.id == rows.c.unit_id)
            .order_by(Official.name_sort, Official.id)
        )

    def official(self, official_id: int) -> Select:
        rows = self.run.official_rows(official_id=official_id).subquery("live_official")
        return select(rows)

    def units(self, scope: Select) -> Select:
        return self.run.unit_rows(scope)

    def courses(self, official_id: int) -> Select:
        rows = self.run.course_rows(official_id=official_id).subquery("live_courses")
        return (
            select(rows, Course.slug.label("course_slug"), CourseVersion.title_vi,
                   CourseVersion.title_en)
            .join(Course, Course.id == rows.c.course_id)
            .join(CourseVersion, (CourseVersion.course_id == Course.id)
                  & CourseVersion.is_current.is_(True))
            .order_by(rows.c.deadline_at, rows.c.rule_no)
        )

    def at_risk(self, scope: Select, limit: int = 50) -> Select:
        """Courses still to do, soonest deadline first: whom HR should remind."""
        rows = self.run.course_rows(scope=scope).subquery("live_risk")
        return (
            select(rows, Official.login, Official.full_name, OrgUnit.name_vi.label("unit_name_vi"),
                   OrgUnit.name_en.label("unit_name_en"), CourseVersion.title_vi,
                   CourseVersion.title_en)
            .join(Official, Official.id == rows.c.official_id)
            .join(OrgUnit, OrgUnit.id == rows.c.unit_id)
            .join(CourseVersion, (CourseVersion.course_id == rows.c.course_id)
                  & CourseVersion.is_current.is_(True))
            .where(rows.c.status.in_(("pending", "missing")))
            .order_by(rows.c.deadline_at, Official.name_sort)
            .limit(limit)
        )


@dataclass
class FrozenScores:
    snapshot: ScoreSnapshot
    frozen = True

    @property
    def policy(self) -> Policy:
        return parse_policy(self.snapshot.policy_text, "frozen-policy.yaml")

    @property
    def as_of(self) -> datetime:
        return self.snapshot.as_of

    def officials(self, scope: Select) -> Select:
        return (
            select(*SnapshotOfficial.__table__.c)
            .where(SnapshotOfficial.snapshot_id == self.snapshot.id,
                   SnapshotOfficial.unit_id.in_(scope))
            .order_by(SnapshotOfficial.name_sort, SnapshotOfficial.official_id)
        )

    def official(self, official_id: int) -> Select:
        return select(*SnapshotOfficial.__table__.c).where(
            SnapshotOfficial.snapshot_id == self.snapshot.id,
            SnapshotOfficial.official_id == official_id)

    def units(self, scope: Select) -> Select:
        return select(*SnapshotUnit.__table__.c).where(SnapshotUnit.snapshot_id == self.snapshot.id,
                                                       SnapshotUnit.unit_id.in_(scope))

    def courses(self, official_id: int) -> Select:
        return (
            select(*SnapshotCourse.__table__.c, CourseVersion.title_vi, CourseVersion.title_en)
            .join(CourseVersion, (CourseVersion.course_id == SnapshotCourse.course_id)
                  & CourseVersion.is_current.is_(True), isouter=True)
            .where(SnapshotCourse.snapshot_id == self.snapshot.id,
                   SnapshotCourse.official_id == official_id)
            .order_by(SnapshotCourse.deadline_at, SnapshotCourse.course_slug)
        )

    def at_risk(self, scope: Select, limit: int = 50) -> None:
        return None  # a frozen period is over: there is nobody left to remind


@dataclass(frozen=True)
class Totals:
    """Headcount, meeting the standard, mean indicator and officials per band."""

    headcount: int
    meeting: int
    mean_indicator: float | None
    bands: dict[str, int]


def totals(officials: Select) -> Totals:
    """One grouped query over an officials query (live or frozen): the figures of a scope."""
    rows = officials.order_by(None).subquery("totals_rows")
    per_band = db.session.execute(
        select(rows.c.band, func.count().label("count"),
               func.sum(case((rows.c.meets_standard.is_(True), 1), else_=0)).label("meeting"),
               func.sum(rows.c.indicator).label("indicator_sum"))
        .group_by(rows.c.band)
    ).all()
    headcount = sum(row.count for row in per_band)
    return Totals(headcount=headcount, meeting=sum(row.meeting for row in per_band),
                  mean_indicator=sum(row.indicator_sum for row in per_band) / headcount
                  if headcount else None,
                  bands={row.band: row.count for row in per_band})
