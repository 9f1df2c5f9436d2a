"""Year scores as set-based SQL: the same few aggregate queries on SQLite and PostgreSQL.

Nothing here loops over officials. A run resolves the policy's mandatory courses into a few
rules (course, deadline, weight, who is asked); each rule becomes a handful of SQL expressions
about one official (:meth:`ScoringRun._terms`: is the course due from them, their deadline,
completed on time or not, best score), written once and used in three queries:

1. ``course_rows``: one row per (official, mandatory course due from them) with the status
   (on_time / late / missing / pending), the best score and the points earned, for the
   breakdown page, the exports and the freeze;
2. ``official_rows``: one row per official with the indicator (0–100), band and whether they
   meet the standard, summed over each official's completions rather than by grouping
   course_rows, so the province's year is one pass over the officials and their completions,
   side by side in the same order;
3. ``unit_rows``: one row per unit of the scope, over its whole subtree, ranked among its
   sibling units.

The rules for edge cases are documented in docs/scoring.md.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import reduce
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Boolean,
    Float,
    Integer,
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
    type_coerce,
    union_all,
)
from sqlalchemy.orm import aliased
from sqlalchemy.orm.util import AliasedClass
from sqlalchemy.sql import Subquery
from sqlalchemy.sql.elements import ColumnElement, UnaryExpression
from sqlalchemy.sql.operators import custom_op

from lms.accounts.models import Official
from lms.db import UTCDateTime
from lms.extensions import db
from lms.learning.models import Course, CourseCompletion
from lms.org.models import OrgUnit, OrgUnitClosure
from lms.quiz.models import AttemptStatus, QuizAttempt
from lms.scoring.models import YEAR
from lms.scoring.policy import MAX_MANDATORY, Policy

PERIOD_END_MONTH = {"Q1": 3, "Q2": 6, "Q3": 9, "Q4": 12, YEAR: 12}
STATUSES = ("on_time", "late", "missing", "pending")
# A rule's status for one official inside official_rows, as a count in its own group of three
# digits: adding up the codes of the courses due gives the official's three counts in one
# number, without a comparison per rule and status. A policy has at most MAX_MANDATORY rules
# (< 1,000), so no group overflows into the next.
ON_TIME, LATE, NOT_DONE = 1, 1_000, 1_000_000
assert MAX_MANDATORY < LATE
COURSE_COLUMNS = [("official_id", Integer()), ("unit_id", Integer()), ("rule_no", Integer()),
                  ("course_id", Integer()), ("deadline_at", UTCDateTime()), ("weight", Float()),
                  ("completed_at", UTCDateTime()), ("best_percent", Float()),
                  ("status", String()), ("points", Float())]
OFFICIAL_COLUMNS = [("official_id", Integer()), ("unit_id", Integer()), ("courses_due", Integer()),
                    ("on_time", Integer()), ("late", Integer()), ("missing", Integer()),
                    ("indicator", Float()), ("band", String()), ("meets_standard", Boolean())]


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


@dataclass(frozen=True)
class RuleTerms:
    """One rule's expressions for the official of a row (Official in the FROM clause)."""

    rule: RuleRow
    completion: AliasedClass[CourseCompletion]  # outer-joined on join_on
    join_on: ColumnElement[bool]
    applies: ColumnElement[bool]  # the course is due from this official
    deadline: ColumnElement  # theirs: the rule's, or later for someone who joined late
    completed_at: ColumnElement  # NULL: not completed before as_of
    on_time: ColumnElement[bool]
    best_percent: ColumnElement


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

    # -- one rule, for one official ----------------------------------------------------------

    def _terms(self, rule: RuleRow,
                completion: AliasedClass[CourseCompletion] | None = None) -> RuleTerms:
        """How ``rule`` applies to the official of the row, written once for both shapes.

        ``completion``: the completion row to read; by default one joined for this rule alone
        (``join_on``)."""
        completion = completion or aliased(CourseCompletion, name=f"done_{rule.number}")
        applies = _one_of(Official.staff_category, rule.staff_categories)
        if rule.unit_kinds:
            applies = and_(applies, _one_of(OrgUnit.kind, rule.unit_kinds))
        # Someone whose account was created fewer than grace_days before the deadline gets
        # grace_days from the day it was created.
        created_at = _as_stored(Official.created_at)
        joined_late = created_at > rule.join_cutoff
        grace_end = _plus_days(Official.created_at, self.policy.grace_days)
        deadline = type_coerce(case((joined_late, grace_end),
                                    else_=literal(rule.deadline_at, UTCDateTime())), UTCDateTime())
        completed_at = _as_stored(completion.completed_at)
        # completed_at < deadline, written so that the date arithmetic runs for late joiners only
        on_time = or_(completed_at < rule.deadline_at, and_(joined_late, completed_at < grace_end))
        return RuleTerms(
            rule=rule, completion=completion, applies=applies, deadline=deadline,
            completed_at=completion.completed_at, on_time=on_time,
            best_percent=self._best_percent(rule, completion),
            # Completions after as_of are not joined at all: for the period they did not happen.
            join_on=and_(completion.official_id == Official.id,
                         completion.course_id == rule.course_id,
                         completion.completed_at < self.as_of))

    def _best_percent(self, rule: RuleRow,
                      completion: AliasedClass[CourseCompletion]) -> ColumnElement:
        """Best quiz score up to as_of, needed only for completed courses (the bonus).

        While the period runs, every attempt counts and the completion row already holds the
        best score (each submission keeps it up to date). For a period that is over, the best
        attempt before its end is looked up: one probe of the (official, course, time) index.
        """
        if self.as_of_now:
            return completion.best_percent
        best_attempt = (
            select(func.max(QuizAttempt.percent))
            .where(QuizAttempt.official_id == Official.id,
                   QuizAttempt.course_id == rule.course_id,
                   QuizAttempt.status == AttemptStatus.SUBMITTED,
                   QuizAttempt.submitted_at < self.as_of)
            .scalar_subquery()
        )
        return case((completion.completed_at.is_not(None), best_attempt), else_=None)

    def _points_if_done(self, base: float, best_percent: ColumnElement) -> ColumnElement:
        """Points of a completed course: the status's points, plus the best-score bonus."""
        if not self.policy.best_score_bonus:
            return _number(base)
        return _number(base) + _number(self.policy.best_score_bonus / 100.0) * func.coalesce(
            best_percent, 0.0)

    def _points(self, best_percent: ColumnElement) -> dict[int, ColumnElement]:
        """A course's points by its status code (ON_TIME, LATE, NOT_DONE), as the policy gives
        them: the same for a course row and for an official's column."""
        return {ON_TIME: self._points_if_done(self.policy.on_time, best_percent),
                LATE: self._points_if_done(self.policy.late, best_percent),
                NOT_DONE: _number(self.policy.missing)}

    @staticmethod
    def _of_official(terms: list[RuleTerms], *, weighted: bool) -> ColumnElement:
        """How many of the rules' courses are due from the official, or (``weighted``) the sum
        of their weights.

        Without unit kinds, what is due depends on the staff category alone: one CASE on the
        category, with each category's figure worked out here, tests the category once
        instead of once per rule."""
        def figure(rules: list[RuleRow]) -> ColumnElement:
            return _number(sum(rule.weight for rule in rules)) if weighted else literal(len(rules))

        zero = figure([])
        if _by_unit_kind(terms):
            return _sum([case((term.applies, figure([term.rule])), else_=zero) for term in terms])
        return case({category: figure(rules) for category, rules in _by_category(terms).items()},
                    value=Official.staff_category, else_=zero)

    def _officials(self, terms: list[RuleTerms], *, scope: Select | None,
                   official_id: int | None, columns: list) -> Select:
        """Active officials with their completion of each rule's course joined (one index probe
        per rule), narrowed to ``scope`` or one official: the course rows, a rule at a time."""
        query = select(*columns).select_from(Official)
        if _by_unit_kind(terms):
            query = query.join(OrgUnit, OrgUnit.id == Official.unit_id)
        for term in terms:
            query = query.outerjoin(term.completion, term.join_on)
        return _narrowed(query, scope, official_id)

    # -- queries ---------------------------------------------------------------------------

    def course_rows(self, *, scope: Select | None = None, official_id: int | None = None) -> Select:
        """One row per (official, mandatory course due from them): a branch per rule."""
        if not self.rules:
            return _no_rows(COURSE_COLUMNS)
        as_of = literal(self.as_of, UTCDateTime())
        branches = []
        for rule in self.rules:
            term = self._terms(rule)
            done = term.completed_at.is_not(None)
            status = case((term.on_time, "on_time"), (done, "late"),
                          (term.deadline <= as_of, "missing"), else_="pending")
            by_status = self._points(term.best_percent)
            points = case((term.on_time, by_status[ON_TIME]), (done, by_status[LATE]),
                          else_=by_status[NOT_DONE])
            values = [Official.id, Official.unit_id, literal(rule.number, Integer()),
                      literal(rule.course_id, Integer()), term.deadline, _number(rule.weight),
                      term.completed_at, term.best_percent, status, points]
            branches.append(self._officials(
                [term], scope=scope, official_id=official_id,
                columns=[value.label(name)
                         for value, (name, _type) in zip(values, COURSE_COLUMNS, strict=True)],
            ).where(term.applies))
        rows = (union_all(*branches) if len(branches) > 1 else branches[0]).subquery("scoring_course")
        return select(*rows.c)

    def official_rows(self, *, scope: Select | None = None, official_id: int | None = None) -> Select:
        """One row per official with at least one course due: indicator, band, standard.

        One pass over the officials and their completions in the order of the completions'
        index, grouped per official: an official row is joined with each of their completions
        (one index seek, then the official's entries), and each completion counts for the rule
        of its course. What a rule asks of an official who has not completed its course (its
        weight, and "not done") is known from the official alone, so the sums per official
        start from that and each completion adds the difference it makes.
        """
        if not self.rules:
            return _no_rows(OFFICIAL_COLUMNS)
        policy = self.policy
        done = aliased(CourseCompletion, name="done")
        terms = [self._terms(rule, done) for rule in self.rules]
        missing = _number(policy.missing)

        def gained(points: ColumnElement) -> ColumnElement:  # over the points of "not done"
            return points - missing if policy.missing else points

        status_change, points_change = {}, {}
        for term in terms:
            by_status = self._points(term.best_percent)
            weight = _number(term.rule.weight)
            status_change[term.rule.course_id] = case(
                (~term.applies, 0), (term.on_time, ON_TIME - NOT_DONE), else_=LATE - NOT_DONE)
            points_change[term.rule.course_id] = case(
                (~term.applies, _number(0.0)),
                (term.on_time, weight * gained(by_status[ON_TIME])),
                else_=weight * gained(by_status[LATE]))
        due = self._of_official(terms, weighted=False)
        uniform = len({term.rule.weight for term in terms}) == 1
        columns = [Official.id.label("official_id"), Official.unit_id,
                   (NOT_DONE * due + func.coalesce(func.sum(
                       case(status_change, value=done.course_id, else_=0)), 0)).label("counts"),
                   func.coalesce(func.sum(case(points_change, value=done.course_id,
                                               else_=_number(0.0))), _number(0.0)).label("points")]
        if not uniform:
            columns.append(self._of_official(terms, weighted=True).label("weights"))
        query = select(*columns).select_from(Official)
        grouped_by = [Official.id]
        if _by_unit_kind(terms):
            query = query.join(OrgUnit, OrgUnit.id == Official.unit_id)
            grouped_by.append(OrgUnit.kind)  # one per official; PostgreSQL wants it named
        # Every completion of the official before as_of; those of courses no rule names add
        # nothing. Naming the courses here would make SQLite seek once per course.
        query = query.outerjoin(done, and_(done.official_id == Official.id,
                                           _as_stored(done.completed_at) < self.as_of))
        some_due = (or_(*[term.applies for term in terms]) if _by_unit_kind(terms)
                    else _one_of(Official.staff_category, tuple(_by_category(terms))))
        query = _narrowed(query.where(some_due), scope, official_id)
        sums = _fenced(query.group_by(*grouped_by), "scoring_sums")

        courses_due = sums.c.counts % LATE + sums.c.counts // LATE % LATE + sums.c.counts // NOT_DONE
        weights = (_number(terms[0].rule.weight) * courses_due) if uniform else sums.c.weights
        # (missing × weights + Σ weight × (points − missing)) / weights
        indicator = sums.c.points / weights
        if policy.missing:
            indicator = missing + indicator
        officials = _fenced(select(sums.c.official_id, sums.c.unit_id, sums.c.counts,
                                   _rounded(indicator).label("indicator")), "scoring_officials")
        on_time = officials.c.counts % LATE
        late = officials.c.counts // LATE % LATE
        missing_count = officials.c.counts // NOT_DONE
        band = case(*[(officials.c.indicator >= band.min, band.code)
                      for band in policy.bands[:-1]], else_=policy.bands[-1].code)
        meets: ColumnElement[bool] = officials.c.indicator >= policy.min_indicator
        if policy.require_all_mandatory:
            meets = and_(meets, missing_count == 0)
        return select(officials.c.official_id, officials.c.unit_id,
                      (on_time + late + missing_count).label("courses_due"), on_time.label("on_time"),
                      late.label("late"), missing_count.label("missing"), officials.c.indicator,
                      band.label("band"), case((meets, True), else_=False).label("meets_standard"))

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


def _by_unit_kind(terms: list[RuleTerms]) -> bool:
    """Some rule names unit kinds: whether a course is due depends on the official's unit too."""
    return any(term.rule.unit_kinds for term in terms)


def _by_category(terms: list[RuleTerms]) -> dict[str, list[RuleRow]]:
    """The rules naming each staff category, categories in the order the policy first names them."""
    rules: dict[str, list[RuleRow]] = {}
    for term in terms:
        for category in term.rule.staff_categories:
            rules.setdefault(category, []).append(term.rule)
    return rules


def _on_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _narrowed(query: Select, scope: Select | None, official_id: int | None) -> Select:
    """``query`` about officials, narrowed to the active ones of ``scope`` or to one official."""
    query = query.where(Official.active.is_(True))
    if scope is not None:
        query = query.where(Official.unit_id.in_(scope))
    if official_id is not None:
        query = query.where(Official.id == official_id)
    return query


def _plus_days(moment: ColumnElement, days: int) -> ColumnElement:
    """``moment`` + ``days`` in SQL. There is no portable date arithmetic: PostgreSQL adds an
    interval; SQLite shifts the text it stores timestamps as, keeping the same layout."""
    if _on_postgresql():
        return moment + literal_column(f"interval '{int(days)} days'")
    return func.strftime("%Y-%m-%d %H:%M:%f", moment, f"+{int(days)} days")


def _as_stored(column: ColumnElement) -> ColumnElement:
    """A timestamp column to compare with a timestamp value. SQLite stores timestamps as text in
    columns of NUMERIC affinity, and before comparing such a column with text it tries to read
    the text as a number, at every row; a unary + drops the affinity, so the texts are compared
    as they are (the same order). PostgreSQL compares timestamps."""
    if _on_postgresql():
        return column
    return UnaryExpression(column, operator=custom_op("+"), type_=column.type)


def _typed(value: Any, type_: Any) -> ColumnElement:
    """A literal PostgreSQL will not read as text. psycopg's dialect casts integer, text and
    timestamp parameters itself but not floats; and on SQLite a CAST to a date type would turn
    the stored text into a number, so only floats get an explicit cast."""
    return cast(literal(value, type_), Float) if isinstance(type_, Float) else literal(value, type_)


def _no_rows(columns: list[tuple[str, Any]]) -> Select:
    """A query with ``columns`` (name, type) and no row: a policy with no course due yet."""
    return select(*[_typed(None, type_).label(name) for name, type_ in columns]).where(false())


def _one_of(column: ColumnElement, values: tuple[str, ...]) -> ColumnElement[bool]:
    """``column IN values``, written as equalities. In the middle of an expression SQLite tests
    an IN list of three or more values by searching an index it builds of them, here once per
    official and course; a few comparisons cost less (6% fewer instructions for the province's
    year, measured with callgrind on 100,000 officials; the same time on PostgreSQL)."""
    return or_(*[column == value for value in values])


def _number(value: float) -> ColumnElement:
    return _typed(value, Float())


def _sum(terms: list[ColumnElement]) -> ColumnElement:
    """terms[0] + terms[1] + ... within a row (SUM() adds across rows)."""
    return reduce(operator.add, terms)


def _fenced(query: Select, name: str) -> Subquery:
    """``query`` as a subquery the planner computes once per row instead of merging it into
    the query around it. Merged, every reference to one of its columns would repeat that
    column's whole expression (SQLite and PostgreSQL both substitute it), and the counts and
    the indicator are referenced several times above them. OFFSET 0 is the usual fence on
    both databases: it changes no result."""
    return query.offset(0).subquery(name)


# Added to a value times 100 before the whole part is taken: a half rounds up, and so does a
# value that is a half but for the binary error of its sum (0.285 is stored as 0.28499999...).
HALF_UP = 0.5 + 1e-9


def _rounded(value: ColumnElement) -> ColumnElement:
    """A non-negative ``value`` to two decimals, half up, bit for bit the same on SQLite and
    PostgreSQL: the same double arithmetic on both, then the whole part (there is no floor()
    in every SQLite, and a CAST to INTEGER on PostgreSQL rounds instead of truncating).

    Each database's own round() does not agree with the other's: PostgreSQL's wants NUMERIC,
    and a cast to NUMERIC(14, 6) first rounds to six decimals, so 0.004999996 gave 0.01 there
    and 0.0 on SQLite. Rounding this way also costs less than either round()."""
    hundredths = value * _number(100.0) + _number(HALF_UP)
    if _on_postgresql():
        return func.floor(hundredths) / _number(100.0)
    return cast(hundredths, Integer) / _number(100.0)


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
