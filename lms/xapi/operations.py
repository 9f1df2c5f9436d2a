"""Queue xAPI statements in the outbox, inside the transaction of the event they record.

A learning event and its statements are committed together or not at all: a statement is
never lost (it is in the database as soon as the event is) and never sent for an event
that was rolled back. Nothing here talks to the LRS; ``lms xapi send`` does, later, so a
learner never waits for it. When ``LMS_XAPI_ENDPOINT`` is unset, nothing is queued.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import select

from lms.db import insert_ignoring_duplicates, utcnow
from lms.extensions import db
from lms.learning.models import Course, CourseCompletion, CourseVersion
from lms.quiz.models import Question, QuestionVersion, QuizAttempt
from lms.xapi.models import XapiStatement
from lms.xapi.statements import Platform


def xapi_platform() -> Platform | None:
    """The platform's xAPI naming when statements are recorded, else None."""
    if not current_app.config.get("XAPI_ENDPOINT"):
        return None
    return Platform(current_app.config["XAPI_BASE_URL"])


def queue_statements(statements: list[dict[str, Any]]) -> int:
    """Add statements to the outbox in the current transaction; returns how many were new.

    A statement whose id is queued already is left alone, so recording an event twice
    queues it once.
    """
    if not statements:
        return 0
    now = utcnow()
    return insert_ignoring_duplicates(XapiStatement.__table__, [
        {"statement_id": statement["id"], "payload": statement, "created_at": now,
         "next_attempt_at": now, "attempts": 0}
        for statement in statements
    ])


def record_quiz_started(attempt: QuizAttempt) -> None:
    """``attempted``: a new attempt was started (flushed, so it has its public id)."""
    platform = xapi_platform()
    if platform is not None:
        queue_statements([platform.attempted(attempt)])


def record_quiz_graded(attempt: QuizAttempt) -> None:
    """``answered`` for every answered question, then ``passed`` or ``failed``."""
    platform = xapi_platform()
    if platform is None:
        return
    version_ids = {item.question_version_id for item in attempt.items}
    question_keys: dict[int, str] = dict(db.session.execute(
        select(QuestionVersion.id, Question.key)
        .join(Question, Question.id == QuestionVersion.question_id)
        .where(QuestionVersion.id.in_(version_ids))
    ).all())
    queue_statements([*platform.answered(attempt, question_keys), platform.graded(attempt)])


def record_course_completed(completion: CourseCompletion, course: Course) -> None:
    """``completed``: the course's completion was just written."""
    platform = xapi_platform()
    if platform is None:
        return
    version = db.session.get(CourseVersion, completion.course_version_id)
    passing = db.session.get(QuizAttempt, completion.attempt_id)
    assert version is not None and passing is not None
    queue_statements([platform.completed(completion, course, version, passing)])
