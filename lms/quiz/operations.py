"""The quiz engine's writes. Each public function here is one unit of work and commits.

Integrity rules (each has a test in tests/quiz/test_integrity.py):

- The attempt limit holds under concurrent requests: attempts are numbered per learner and
  course, and the database refuses a second attempt with the same number.
- Submitting twice gives one graded attempt: the submission first claims the attempt with
  ``UPDATE … WHERE status = 'in_progress'``; only the request that changed the row grades it.
- The order of questions and options is drawn once, when the attempt starts, and stored.
- The time limit is enforced here, not in the browser. **Late rule:** answers saved up to the
  deadline (plus a 30-second allowance for the network) count; answers that arrive later are
  ignored, and the attempt is graded on what was saved in time and marked late. An attempt left
  open past its deadline is graded the same way the next time the learner opens the course.

The learner is an official or a session participant (``lms.classroom``). The rules above are
the same for both; what differs lives behind :class:`Learner`: whose attempt it is, which
lessons must come first, whether answers are still taken (a closed session takes none) and
what a graded attempt leads to (an official's course completion and xAPI statements; a
participant's session completion).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from lms.accounts.models import Official
from lms.db import utcnow
from lms.extensions import db
from lms.learning.models import Course, CourseVersion
from lms.learning.operations import record_completion_if_earned
from lms.learning.queries import current_version, missing_required_lessons
from lms.quiz.grading import grade_response, percent
from lms.quiz.models import (
    AttemptItem,
    AttemptStatus,
    CourseVersionQuestion,
    QuestionType,
    QuestionVersion,
    QuizAttempt,
)
from lms.xapi.operations import record_quiz_graded, record_quiz_started

LATE_ALLOWANCE = timedelta(seconds=30)


class QuizRefused(Exception):
    """The quiz cannot be started; ``reason`` is one of the constants below."""

    LESSONS_FIRST = "lessons_first"
    NO_ATTEMPTS_LEFT = "no_attempts_left"
    # A participant's session is closed, or its facilitator has not opened the quiz yet.
    SESSION_CLOSED = "session_closed"
    NOT_OPEN_YET = "not_open_yet"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Learner(Protocol):
    """Who takes a quiz, and the rules that depend on who it is."""

    @property
    def owner(self) -> dict[str, int]:
        """The attempt's learner column and value: ``{"official_id": 7}``."""

    def lessons_missing(self, version: CourseVersion) -> bool:
        """True while lessons that must come before the quiz are unread."""

    def check_may_answer(self) -> None:
        """Raise :class:`QuizRefused` when no answer may be taken now."""

    def after_started(self, attempt: QuizAttempt) -> None:
        """The attempt was just flushed."""

    def after_graded(self, attempt: QuizAttempt, at: datetime) -> None:
        """The attempt was just graded (flushed, not committed)."""


class OfficialLearner:
    """An official: lessons required by the course, course completion, xAPI statements."""

    def __init__(self, official_id: int) -> None:
        self.official_id = official_id

    @property
    def owner(self) -> dict[str, int]:
        return {"official_id": self.official_id}

    def lessons_missing(self, version: CourseVersion) -> bool:
        return version.require_lessons and bool(missing_required_lessons(self.official_id, version))

    def check_may_answer(self) -> None:
        return None

    def after_started(self, attempt: QuizAttempt) -> None:
        record_quiz_started(attempt)

    def after_graded(self, attempt: QuizAttempt, at: datetime) -> None:
        record_quiz_graded(attempt)
        record_completion_if_earned(self.official_id, attempt.course, at=at)


def as_learner(learner: Official | Learner | int) -> Learner:
    """An official (or an official's id) as a :class:`Learner`; a Learner as it is."""
    if isinstance(learner, Official):
        return OfficialLearner(learner.id)
    if isinstance(learner, int):
        return OfficialLearner(learner)
    return learner


def _learner_of(attempt: QuizAttempt) -> Learner:
    if attempt.official_id is None:
        raise ValueError("a participant's attempt needs its Learner (lms.classroom)")
    return OfficialLearner(attempt.official_id)


def _owned_by(owner: dict[str, int]) -> ColumnElement[bool]:
    ((column, value),) = owner.items()
    return getattr(QuizAttempt, column) == value


def attempts_used(learner: Official | Learner | int, course_id: int) -> int:
    return db.session.execute(
        select(func.count()).select_from(QuizAttempt).where(
            _owned_by(as_learner(learner).owner), QuizAttempt.course_id == course_id)
    ).scalar_one()


def open_attempt(learner: Official | Learner | int, course_id: int) -> QuizAttempt | None:
    return db.session.execute(
        select(QuizAttempt).where(
            _owned_by(as_learner(learner).owner), QuizAttempt.course_id == course_id,
            QuizAttempt.status == AttemptStatus.IN_PROGRESS)
        .order_by(QuizAttempt.number.desc()).limit(1)
    ).scalar_one_or_none()


def attempt_for(learner: Official | Learner | int, public_id: str) -> QuizAttempt | None:
    """The learner's attempt with this public id, its items and questions loaded. None for an
    unknown id and for anyone else's attempt alike: callers answer both with 404."""
    return db.session.execute(
        select(QuizAttempt)
        .options(selectinload(QuizAttempt.items).joinedload(AttemptItem.question_version))
        .where(QuizAttempt.public_id == public_id, _owned_by(as_learner(learner).owner))
    ).scalar_one_or_none()


def attempts_left(version: CourseVersion, used: int) -> int | None:
    """None means unlimited."""
    return None if version.max_attempts is None else max(0, version.max_attempts - used)


def start_attempt(learner: Official | Learner, course: Course, *,
                  now: datetime | None = None) -> QuizAttempt:
    """Resume the open attempt, or start a new one with freshly drawn questions. Commits."""
    now = now or utcnow()
    learner = as_learner(learner)
    finalize_expired_attempts(learner, course.id, now=now)
    learner.check_may_answer()
    existing = open_attempt(learner, course.id)
    if existing is not None:
        return existing
    version = current_version(course)
    if learner.lessons_missing(version):
        raise QuizRefused(QuizRefused.LESSONS_FIRST)
    used = attempts_used(learner, course.id)
    if attempts_left(version, used) == 0:
        raise QuizRefused(QuizRefused.NO_ATTEMPTS_LEFT)

    attempt = QuizAttempt(
        **learner.owner, course_id=course.id, course_version_id=version.id,
        number=used + 1, started_at=now,
        deadline_at=now + timedelta(minutes=version.time_limit_minutes)
        if version.time_limit_minutes else None,
        max_points=0.0,
    )
    attempt.items = _draw_items(version)
    attempt.max_points = sum(item.max_points for item in attempt.items)
    db.session.add(attempt)
    try:
        db.session.flush()
        learner.after_started(attempt)
        db.session.commit()
    except IntegrityError:
        # Another request took this attempt number a moment ago (double click, two tabs).
        db.session.rollback()
        existing = open_attempt(learner, course.id)
        if existing is not None:
            return existing
        raise QuizRefused(QuizRefused.NO_ATTEMPTS_LEFT) from None
    return attempt


def _draw_items(version: CourseVersion) -> list[AttemptItem]:
    bank = list(db.session.execute(
        select(QuestionVersion)
        .join(CourseVersionQuestion, CourseVersionQuestion.question_version_id == QuestionVersion.id)
        .where(CourseVersionQuestion.course_version_id == version.id)
        .order_by(CourseVersionQuestion.position)
    ).scalars())
    chance = secrets.SystemRandom()
    drawn = chance.sample(bank, min(version.draw_count, len(bank)))
    if not version.shuffle_questions:
        drawn.sort(key=bank.index)
    items = []
    for position, question in enumerate(drawn):
        options = [option["id"] for option in question.content["options"]]
        # An ordering question shown in its right order would answer itself: always shuffle it.
        if options and (version.shuffle_options or question.type is QuestionType.ORDERING):
            options = _shuffled(options, chance, avoid=question.answer
                                if question.type is QuestionType.ORDERING else None)
        matching_items = [item["id"] for item in question.content["items"]]
        if version.shuffle_options:
            matching_items = _shuffled(matching_items, chance)
        items.append(AttemptItem(position=position, question_version_id=question.id,
                                 option_order=options, item_order=matching_items,
                                 max_points=question.points))
    return items


def _shuffled(values: list[str], chance: secrets.SystemRandom, avoid: Any = None) -> list[str]:
    result = list(values)
    for _ in range(10):
        chance.shuffle(result)
        if result != avoid:
            break
    return result


def _is_overdue(attempt: QuizAttempt, now: datetime) -> bool:
    return attempt.deadline_at is not None and now > attempt.deadline_at + LATE_ALLOWANCE


def save_responses(attempt: QuizAttempt, responses: dict[int, Any], *,
                   now: datetime | None = None, learner: Learner | None = None) -> bool:
    """Autosave: store the answers given so far. False when the attempt no longer takes any;
    :class:`QuizRefused` when the learner may not answer at all (a closed session)."""
    now = now or utcnow()
    (learner or _learner_of(attempt)).check_may_answer()
    if not attempt.is_open or _is_overdue(attempt, now):
        return False
    _store(attempt, responses, now)
    db.session.commit()
    return True


def _store(attempt: QuizAttempt, responses: dict[int, Any], now: datetime) -> None:
    for item in attempt.items:
        if item.position in responses:
            item.response = responses[item.position]
            item.saved_at = now


def submit_attempt(attempt: QuizAttempt, responses: dict[int, Any] | None, *,
                   now: datetime | None = None, learner: Learner | None = None,
                   check: bool = True) -> QuizAttempt:
    """Grade the attempt once. A second submission returns the first one's result. Commits.

    :class:`QuizRefused` when the learner may not answer (a closed session). ``check=False``
    is for grading an attempt whose time ran out, on the answers saved in time.
    """
    now = now or utcnow()
    learner = learner or _learner_of(attempt)
    if not attempt.is_open:
        return attempt
    if check:
        learner.check_may_answer()
    late = _is_overdue(attempt, now)
    if responses is not None and not late:
        _store(attempt, responses, now)
    claimed = db.session.execute(
        update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.status == AttemptStatus.IN_PROGRESS)
        .values(status=AttemptStatus.SUBMITTED, submitted_at=now, late=late)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        # A concurrent request submitted it first: keep its result, drop ours.
        db.session.rollback()
        db.session.refresh(attempt)
        return attempt

    points = 0.0
    for item in attempt.items:
        question = item.question_version
        item.points = grade_response(question.type, question.answer, item.max_points, item.response)
        points += item.points
    version = db.session.get(CourseVersion, attempt.course_version_id)
    attempt.points = round(points, 3)
    attempt.percent = percent(points, attempt.max_points)
    attempt.passed = attempt.percent >= version.pass_mark
    db.session.flush()
    db.session.refresh(attempt, ["status", "submitted_at", "late"])
    learner.after_graded(attempt, now)
    db.session.commit()
    return attempt


def finalize_expired_attempts(learner: Official | Learner | int, course_id: int | None = None, *,
                              now: datetime | None = None) -> int:
    """Grade open attempts whose time ran out, on the answers saved in time."""
    now = now or utcnow()
    learner = as_learner(learner)
    query = (
        select(QuizAttempt)
        .options(selectinload(QuizAttempt.items))
        .where(_owned_by(learner.owner),
               QuizAttempt.status == AttemptStatus.IN_PROGRESS,
               QuizAttempt.deadline_at.is_not(None),
               QuizAttempt.deadline_at < now - LATE_ALLOWANCE)
    )
    if course_id is not None:
        query = query.where(QuizAttempt.course_id == course_id)
    expired = list(db.session.execute(query).scalars())
    for attempt in expired:
        submit_attempt(attempt, None, now=now, learner=learner, check=False)
    return len(expired)
