"""Year scores as set-based SQL: the same few aggregate queries on SQLite and PostgreSQL.

Nothing here loops over officials. A run turns the policy into a small literal table of rules
(one row per mandatory course), then three queries build on each other:

1. ``course_rows``: one row per (official, mandatory course due from them) with the status
   (on_time / late / missing / pending), the best score and the points earned;
2. ``official_rows``: one row per official with the indicator (0–100), band and whether they
   meet the standard;
3. ``unit_rows``: one row per unit of the scope, over its whole subtree, ranked among its
   sibling units.

The rules for edge cases are documented in docs/scoring.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    CTE,
    Float,
    Integer,
    Numeric,
    Select,
    String,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
    type_coerce,
    union_all,
)
from sqlalchemy.sql.elements import ColumnElement

from lms.accounts.models import Official
from lms.db import UTCDateTime
from lms.extensions import db
from lms.learning.models import Course, CourseCompletion
from lms.org.models import OrgUnit, OrgUnitClosure
from lms.quiz.models import AttemptStatus, QuizAttempt
from lms.scoring.models import YEAR
from lms.scoring.policy import Policy

PERIOD_END_MONTH = {"Q1": 3, "Q2": 6, "Q3": 9, "Q4": 12, YEAR: 12}
STATUSES = ("on_time", "late", "missing", "pending")


def _start_of_day(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(ZoneInfo("UTC"))


def period_bounds(year: int, period: str, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of a period in UTC, by the calendar of ``zone`` (Vietnam by default)."""
    end_month = PERIOD_END_MONTH[period]
    start_month = 1 if period == YEAR else end_month - 2
    start = _start_of_day(date(year, start_month, 1), zone)
    end = _start_of_day(date(year + 1, 1, 1) if end_month == 12 else date(year, end_month + 1, 1), zone)
    return start, end


@dataclass(frozen=True)
class RuleRow:
    number: int
    course_id: int
    course_slug: str
    deadline_at: datetime  # exclusive: completions strictly before it are on time
    join_cutoff: datetime  # accounts created after it get grace_days from their creation
    weight: float
    staff_categories: tuple[str, ...]
    unit_kinds: tuple[str, ...]


@dataclass
class ScoringRun:
    """A policy applied to a period as of a moment, ready to query."""

    policy: Policy
    period: str
    as_of: datetime
    rules: list[RuleRow]
    as_of_now: bool = False  # the period is still running: nothing has happened after as_of
    unknown_courses: list[str] = field(default_factory=list)
    not_yet_due: list[str] = field(default_factory=list)

    # -- literal tables --------------------------------------------------------------------

    def _literal_cte(self, name: str, columns: list[tuple[str, Any]], rows: list[tuple]) -> CTE:
        """A small table of literal rows; with no rows, an empty table of the same columns."""
        if not rows:
            return select(*[_typed(None, type_).label(column) for column, type_ in columns]
                          ).where(false()).cte(name)
        selects = [select(*[_typed(value, type_).label(column)
                            for (column, type_), value in zip(columns, row, strict=True)])
                   for row in rows]
        return (union_all(*selects) if len(selects) > 1 else selects[0]).cte(name)

    def _rule_table(self) -> CTE:
        return self._literal_cte(
            "scoring_rules",
            [("rule_no", Integer()), ("course_id", Integer()), ("deadline_at", UTCDateTime()),
             ("join_cutoff", UTCDateTime()), ("weight", Float()), ("any_kind", Integer())],
            [(r.number, r.course_id, r.deadline_at, r.join_cutoff, r.weight,
              0 if r.unit_kinds else 1) for r in self.rules],
        )

    def _pairs(self, name: str, column: str, attribute: str) -> CTE:
        rows = [(rule.number, value) for rule in self.rules for value in getattr(rule, attribute)]
        return self._literal_cte(name, [("rule_no", Integer()), (column, String())], rows)

    # -- queries ---------------------------------------------------------------------------

    def course_rows(self, *, scope: Select | None = None, official_id: int | None = None) -> Select:
        """One row per (official, mandatory course due from them)."""
        rules = self._rule_table()
        categories = self._pairs("scoring_rule_categories", "category", "staff_categories")

        kind_matches: ColumnElement[bool] = rules.c.any_kind == 1
        if any(rule.unit_kinds for rule in self.rules):
            kinds = self._pairs("scoring_rule_kinds", "kind", "unit_kinds")
            kind_matches = or_(kind_matches, select(kinds.c.rule_no)
                               .where(kinds.c.rule_no == rules.c.rule_no, kinds.c.kind == OrgUnit.kind)
                               .exists())
        # Someone whose account was created fewer than grace_days before a deadline gets
        # grace_days from the day it was created.
        joined_late = Official.created_at > rules.c.join_cutoff
        deadline = type_coerce(
            case((joined_late, _plus_days(Official.created_at, self.policy.grace_days)),
                 else_=rules.c.deadline_at),
            UTCDateTime())
        due = (
            select(Official.id.label("official_id"), Official.unit_id.label("unit_id"),
                   rules.c.rule_no, rules.c.course_id, deadline.label("deadline_at"),
                   rules.c.weight)
            .join(OrgUnit, OrgUnit.id == Official.unit_id)
            .join(rules, true())
            .join(categories, and_(categories.c.rule_no == rules.c.rule_no,
                                   categories.c.category == Official.staff_category))
            .where(Official.active.is_(True), kind_matches)
        )
        if scope is not None:
            due = due.where(Official.unit_id.in_(scope))
        if official_id is not None:
            due = due.where(Official.id == official_id)
        due = due.cte("scoring_due")

        # Completions after as_of are not joined at all: for the period they did not happen.
        completed_at = CourseCompletion.completed_at
        best_percent = self._best_percent(due, completed_at)
        as_of = literal(self.as_of, UTCDateTime())
        status = case(
            (and_(completed_at.is_not(None), completed_at < due.c.deadline_at), "on_time"),
            (completed_at.is_not(None), "late"),
            (due.c.deadline_at <= as_of, "missing"),
            else_="pending",
        )
        policy = self.policy
        base = case((status == "on_time", _number(policy.on_time)),
                    (status == "late", _number(policy.late)), else_=_number(policy.missing))
        bonus = case((completed_at.is_not(None),
                      _number(policy.best_score_bonus / 100.0) * func.coalesce(best_percent, 0.0)),
                     else_=0.0) if policy.best_score_bonus else _number(0.0)
        points = base + bonus
        return (
            select(due.c.official_id, due.c.unit_id, due.c.rule_no, due.c.course_id,
                   due.c.deadline_at, due.c.weight, completed_at.label("completed_at"),
                   best_percent.label("best_percent"), status.label("status"),
                   points.label("points"))
            .select_from(due)
            .outerjoin(CourseCompletion, and_(CourseCompletion.official_id == due.c.official_id,
                                              CourseCompletion.course_id == due.c.course_id,
                                              CourseCompletion.completed_at < self.as_of))
        )

    def _best_percent(self, due: CTE, completed_at: ColumnElement) -> ColumnElement:
        """Best quiz score up to as_of, needed only for completed courses (the bonus).

        While the period runs, every attempt counts and the completion row already holds the
        best score (each submission keeps it up to date). For a period that is over, the best
        attempt before its end is looked up: one probe of the (official, course, time) index.
        """
        if self.as_of_now:
            return CourseCompletion.best_percent
        best_attempt = (
            select(func.max(QuizAttempt.percent))
            .where(QuizAttempt.official_id == due.c.official_id,
                   QuizAttempt.course_id == due.c.course_id,
                   QuizAttempt.status == AttemptStatus.SUBMITTED,
                   QuizAttempt.submitted_at < self.as_of)
            .scalar_subquery()
        )
        return case((completed_at.is_not(None), best_attempt), else_=None)

    def official_rows(self, *, scope: Select | None = None, official_id: int | None = None) -> Select:
        """One row per official with at least one course due: indicator, band, standard."""
        rows = self.course_rows(scope=scope, official_id=official_id).subquery("scoring_courses")
        missing = func.sum(case((rows.c.status.in_(("missing", "pending")), 1), else_=0))
        indicator = _rounded(func.sum(rows.c.weight * rows.c.points) / func.sum(rows.c.weight))
        aggregated = (
            select(rows.c.official_id, rows.c.unit_id,
                   func.count().label("courses_due"),
                   func.sum(case((rows.c.status == "on_time", 1), else_=0)).label("on_time"),
                   func.sum(case((rows.c.status == "late", 1), else_=0)).label("late"),
                   missing.label("missing"),
                   indicator.label("indicator"))
            .group_by(rows.c.official_id, rows.c.unit_id)
            .subquery("scoring_officials")
        )
        band = case(*[(aggregated.c.indicator >= band.min, band.code)
                      for band in self.policy.bands[:-1]], else_=self.policy.bands[-1].code)
        meets: ColumnElement[bool] = aggregated.c.indicator >= self.policy.min_indicator
        if self.policy.require_all_mandatory:
            meets = and_(meets, aggregated.c.missing == 0)
        return select(aggregated, band.label("band"),
                      case((meets, True), else_=False).label("meets_standard"))

    def unit_rows(self, scope: Select) -> Select:
        """One row per unit of ``scope``, over its whole subtree, ranked among its siblings."""
        closure = OrgUnitClosure.__table__
        below = select(closure.c.descendant_id).where(closure.c.ancestor_id.in_(scope))
        officials = self.official_rows(scope=below).subquery("scoring_unit_officials")
        # Sum per unit first (hundreds of rows), then roll the sums up the tree.
        per_unit = (
            select(officials.c.unit_id,
                   func.count().label("headcount"),
                   func.sum(case((officials.c.meets_standard.is_(True), 1), else_=0)).label("meeting"),
                   func.sum(officials.c.indicator).label("indicator_sum"),
                   func.sum(officials.c.on_time).label("on_time"),
                   func.sum(officials.c.courses_due).label("courses_due"))
            .group_by(officials.c.unit_id)
            .subquery("scoring_per_unit")
        )
        headcount = func.sum(per_unit.c.headcount)
        meeting = func.sum(per_unit.c.meeting)
        totals = (
            select(closure.c.ancestor_id.label("unit_id"),
                   headcount.label("headcount"),
                   meeting.label("meeting"),
                   _rounded(100.0 * meeting / headcount).label("share_meeting"),
                   _rounded(func.sum(per_unit.c.indicator_sum) / headcount).label("mean_indicator"),
                   _rounded(100.0 * func.sum(per_unit.c.on_time) / func.sum(per_unit.c.courses_due))
                   .label("on_time_share"))
            .join(closure, closure.c.descendant_id == per_unit.c.unit_id)
            .where(closure.c.ancestor_id.in_(scope))
            .group_by(closure.c.ancestor_id)
            .subquery("scoring_unit_totals")
        )
        metric = totals.c[{"share_meeting_standard": "share_meeting", "mean_indicator": "mean_indicator",
                           "on_time_share": "on_time_share"}[self.policy.rank_by]]
        return (
            select(totals, OrgUnit.parent_id, OrgUnit.code.label("unit_code"),
                   OrgUnit.name_vi, OrgUnit.name_en,
                   func.rank().over(partition_by=OrgUnit.parent_id, order_by=metric.desc())
                   .label("rank"))
            .join(OrgUnit, OrgUnit.id == totals.c.unit_id)
        )


def _plus_days(moment: ColumnElement, days: int) -> ColumnElement:
    """``moment`` + ``days`` in SQL. There is no portable date arithmetic: PostgreSQL adds an
    interval; SQLite shifts the text it stores timestamps as, keeping the same layout."""
    if db.session.get_bind().dialect.name == "postgresql":
        return moment + literal_column(f"interval '{int(days)} days'")
    return func.strftime("%Y-%m-%d %H:%M:%f", moment, f"+{int(days)} days")


def _typed(value: Any, type_: Any) -> ColumnElement:
    """A literal PostgreSQL will not read as text. psycopg's dialect casts integer, text and
    timestamp parameters itself but not floats; and on SQLite a CAST to a date type would turn
    the stored text into a number, so only floats get an explicit cast."""
    return cast(literal(value, type_), Float) if isinstance(type_, Float) else literal(value, type_)


def _number(value: float) -> ColumnElement:
    return _typed(value, Float())


def _rounded(value: ColumnElement) -> ColumnElement:
    """Two decimals, the same on SQLite and PostgreSQL (whose round() wants NUMERIC)."""
    return cast(func.round(cast(value, Numeric(14, 6)), 2), Float)


def prepare_run(policy: Policy, period: str = YEAR, *, now: datetime, zone: ZoneInfo) -> ScoringRun:
    """Resolve the policy's courses and deadlines for a period, as of ``now`` (or the period's end)."""
    if period != YEAR and not policy.quarters:
        raise ValueError("this policy does not define quarterly figures")
    _start, end = period_bounds(policy.year, period, zone)
    as_of = min(now, end)
    courses = {course.slug: course for course in db.session.execute(
        select(Course).where(Course.slug.in_([rule.course for rule in policy.mandatory]))).scalars()}
    grace = timedelta(days=policy.grace_days)
    run = ScoringRun(policy=policy, period=period, as_of=as_of, rules=[], as_of_now=as_of == now)
    for number, rule in enumerate(policy.mandatory, start=1):
        course = courses.get(rule.course)
        if course is None:
            run.unknown_courses.append(rule.course)
            continue
        deadline = _start_of_day(rule.deadline + timedelta(days=1), zone)
        if deadline > end:
            run.not_yet_due.append(rule.course)  # due after this quarter
            continue
        # A course published late in the year gives everyone at least the grace period.
        deadline = max(deadline, course.created_at + grace)
        run.rules.append(RuleRow(number=number, course_id=course.id, course_slug=rule.course,
                                 deadline_at=deadline, join_cutoff=deadline - grace,
                                 weight=rule.weight, staff_categories=rule.staff_categories,
                                 unit_kinds=rule.unit_kinds))
    return run
