"""Where pages and exports read scores from: the live computation or a frozen snapshot.

Both give the same columns, so a page shows a frozen year exactly as it was frozen, and a
live preview exactly as the freeze would write it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import aliased

from lms.accounts.models import Official
from lms.certificates.queries import serial_column
from lms.extensions import db
from lms.learning.models import Course, CourseVersion
from lms.org.models import OrgUnit
from lms.scoring.compute import ScoringRun
from lms.scoring.models import ScoreSnapshot, SnapshotCourse, SnapshotOfficial, SnapshotUnit
from lms.scoring.policy import Policy, parse_policy


@dataclass(frozen=True)
class MandatoryCourse:
    """A mandatory course of the period: a column of the exports, in the policy's order."""

    course_id: int
    slug: str
    title_vi: str
    title_en: str

    def title_in(self, locale: str) -> str:
        return self.title_en if locale == "en" else self.title_vi


def _mandatory_courses(course_ids: dict[int, str], policy: Policy) -> list[MandatoryCourse]:
    """Courses by id (slug given) with their current titles, in the order the policy lists them."""
    titles = {row.course_id: row for row in db.session.execute(
        select(CourseVersion.course_id, CourseVersion.title_vi, CourseVersion.title_en)
        .where(CourseVersion.course_id.in_(course_ids), CourseVersion.is_current.is_(True)))}
    order = {rule.course: number for number, rule in enumerate(policy.mandatory)}
    courses = [MandatoryCourse(course_id, slug,
                               titles[course_id].title_vi if course_id in titles else slug,
                               titles[course_id].title_en if course_id in titles else slug)
               for course_id, slug in course_ids.items()]
    return sorted(courses, key=lambda course: (order.get(course.slug, len(order)), course.slug))


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

    def officials(self, scope: Select | None) -> Select:
        """Officials of the units in ``scope`` (None: the whole province) with their figures."""
        rows = self.run.official_rows(scope=scope).subquery("live_officials")
        return (
            select(rows, Official.login, Official.full_name, Official.staff_category,
                   Official.position_title, OrgUnit.code.label("unit_code"),
                   OrgUnit.name_vi.label("unit_name_vi"), OrgUnit.name_en.label("unit_name_en"))
            .join(Official, Official.id == rows.c.official_id)
            .join(OrgUnit, OrgUnit.id == rows.c.unit_id)
            .order_by(Official.name_sort, Official.id)
        )

    def scored(self, scope: Select | None) -> Select:
        """The officials' figures alone (indicator, band, standard), for :func:`totals`: the
        computation without the names and units :meth:`officials` joins for display."""
        return self.run.official_rows(scope=scope)

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

    # -- for exports: officials and their course rows, as two streams in the same order ----

    def mandatory_courses(self) -> list[MandatoryCourse]:
        return _mandatory_courses({rule.course_id: rule.course_slug for rule in self.run.rules},
                                  self.policy)

    def official_table(self, scope: Select) -> Select:
        """:meth:`officials` with what an export lists: employee code (the login when the
        account has none), parent unit. Ordered like :meth:`course_table`."""
        rows = self.run.official_rows(scope=scope).subquery("export_officials")
        parent = aliased(OrgUnit, name="parent_unit")
        return (
            select(rows.c.official_id, func.coalesce(Official.employee_code, Official.login)
                   .label("code"), Official.full_name, Official.staff_category,
                   Official.position_title, OrgUnit.code.label("unit_code"),
                   OrgUnit.name_vi.label("unit_name_vi"), OrgUnit.name_en.label("unit_name_en"),
                   parent.name_vi.label("parent_name_vi"), parent.name_en.label("parent_name_en"),
                   rows.c.indicator, rows.c.band, rows.c.meets_standard)
            .join(Official, Official.id == rows.c.official_id)
            .join(OrgUnit, OrgUnit.id == rows.c.unit_id)
            .outerjoin(parent, parent.id == OrgUnit.parent_id)
            .order_by(Official.name_sort, Official.id)
        )

    def course_table(self, scope: Select) -> Select:
        """One row per (official, mandatory course due), officials in :meth:`official_table`'s
        order, so that an export merges the two streams in one pass."""
        rows = self.run.course_rows(scope=scope).subquery("export_courses")
        return (
            select(rows.c.official_id, rows.c.course_id, rows.c.status, rows.c.best_percent,
                   rows.c.completed_at,
                   serial_column(rows.c.official_id, rows.c.course_id).label("certificate_serial"))
            .join(Official, Official.id == rows.c.official_id)
            .order_by(Official.name_sort, Official.id)
        )

    def at_risk(self, scope: Select, limit: int | None = None) -> Select:
        """Courses still to do, soonest deadline first: whom HR should remind, with what they
        need to do it (employee code, e-mail). Every one of them unless ``limit``; their count
        is :func:`totals`' ``not_done``."""
        rows = self.run.course_rows(scope=scope).subquery("live_risk")
        return (
            select(rows, Official.login, Official.employee_code, Official.full_name,
                   Official.email, OrgUnit.code.label("unit_code"),
                   OrgUnit.name_vi.label("unit_name_vi"), OrgUnit.name_en.label("unit_name_en"),
                   CourseVersion.title_vi, CourseVersion.title_en)
            .join(Official, Official.id == rows.c.official_id)
            .join(OrgUnit, OrgUnit.id == rows.c.unit_id)
            .join(CourseVersion, (CourseVersion.course_id == rows.c.course_id)
                  & CourseVersion.is_current.is_(True))
            .where(rows.c.status.in_(("pending", "missing")))
            .order_by(rows.c.deadline_at, Official.name_sort, Official.id, rows.c.rule_no)
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

    def officials(self, scope: Select | None) -> Select:
        query = (
            select(*SnapshotOfficial.__table__.c)
            .where(SnapshotOfficial.snapshot_id == self.snapshot.id)
            .order_by(SnapshotOfficial.name_sort, SnapshotOfficial.official_id)
        )
        return query if scope is None else query.where(SnapshotOfficial.unit_id.in_(scope))

    def scored(self, scope: Select | None) -> Select:
        return self.officials(scope)

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

    # -- for exports (see LiveScores) ---------------------------------------------------

    def mandatory_courses(self) -> list[MandatoryCourse]:
        """The courses that have rows in the snapshot (a quarter has only those due by then)."""
        course_ids = {course_id: slug for course_id, slug in db.session.execute(
            select(SnapshotCourse.course_id, func.min(SnapshotCourse.course_slug))
            .where(SnapshotCourse.snapshot_id == self.snapshot.id)
            .group_by(SnapshotCourse.course_id))}
        return _mandatory_courses(course_ids, self.policy)

    def official_table(self, scope: Select) -> Select:
        """The snapshot's rows as frozen, with two exceptions: the employee code is read from
        the account (snapshots keep the login only), and an official anonymised since the
        freeze appears under the erased name, as everywhere else."""
        frozen = SnapshotOfficial
        account = aliased(Official, name="account")
        unit = aliased(SnapshotUnit, name="frozen_unit")
        parent = aliased(SnapshotUnit, name="frozen_parent")
        anonymised = account.anonymised_at.is_not(None)
        return (
            select(frozen.official_id,
                   func.coalesce(account.employee_code, account.login, frozen.login).label("code"),
                   case((anonymised, account.full_name), else_=frozen.full_name).label("full_name"),
                   frozen.staff_category,
                   case((anonymised, account.position_title), else_=frozen.position_title)
                   .label("position_title"),
                   frozen.unit_code, frozen.unit_name_vi, frozen.unit_name_en,
                   parent.name_vi.label("parent_name_vi"), parent.name_en.label("parent_name_en"),
                   frozen.indicator, frozen.band, frozen.meets_standard)
            .outerjoin(account, account.id == frozen.official_id)
            .outerjoin(unit, and_(unit.snapshot_id == frozen.snapshot_id,
                                  unit.unit_id == frozen.unit_id))
            .outerjoin(parent, and_(parent.snapshot_id == frozen.snapshot_id,
                                    parent.unit_id == unit.parent_id))
            .where(frozen.snapshot_id == self.snapshot.id, frozen.unit_id.in_(scope))
            .order_by(frozen.name_sort, frozen.official_id)
        )

    def course_table(self, scope: Select) -> Select:
        return (
            select(SnapshotCourse.official_id, SnapshotCourse.course_id, SnapshotCourse.status,
                   SnapshotCourse.best_percent, SnapshotCourse.completed_at,
                   # certificates live on after a freeze: the serial is read as it is now
                   serial_column(SnapshotCourse.official_id, SnapshotCourse.course_id)
                   .label("certificate_serial"))
            .join(SnapshotOfficial, and_(SnapshotOfficial.snapshot_id == SnapshotCourse.snapshot_id,
                                         SnapshotOfficial.official_id == SnapshotCourse.official_id))
            .where(SnapshotCourse.snapshot_id == self.snapshot.id,
                   SnapshotOfficial.unit_id.in_(scope))
            .order_by(SnapshotOfficial.name_sort, SnapshotOfficial.official_id)
        )

    def at_risk(self, scope: Select, limit: int | None = None) -> None:
        return None  # a frozen period is over: there is nobody left to remind


@dataclass(frozen=True)
class Totals:
    """Headcount, meeting the standard, mean indicator and officials per band; mandatory
    courses not done yet (overdue or not) and the officials who have them."""

    headcount: int
    meeting: int
    mean_indicator: float | None
    bands: dict[str, int]
    not_done: int
    officials_not_done: int


def totals(officials: Select) -> Totals:
    """One grouped query over an officials query (``scored``, live or frozen): the figures of a
    scope."""
    rows = officials.order_by(None).subquery("totals_rows")
    per_band = db.session.execute(
        select(rows.c.band, func.count().label("count"),
               func.sum(case((rows.c.meets_standard.is_(True), 1), else_=0)).label("meeting"),
               func.sum(rows.c.indicator).label("indicator_sum"),
               func.sum(rows.c.missing).label("not_done"),
               func.sum(case((rows.c.missing > 0, 1), else_=0)).label("officials_not_done"))
        .group_by(rows.c.band)
    ).all()
    headcount = sum(row.count for row in per_band)
    return Totals(headcount=headcount, meeting=sum(row.meeting for row in per_band),
                  mean_indicator=sum(row.indicator_sum for row in per_band) / headcount
                  if headcount else None,
                  bands={row.band: row.count for row in per_band},
                  not_done=sum(row.not_done for row in per_band),
                  officials_not_done=sum(row.officials_not_done for row in per_band))
