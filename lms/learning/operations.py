"""Writes for the learning flow: lesson progress and course completion."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from lms.certificates.operations import issue_course_certificate
from lms.db import insert_ignoring_duplicates, utcnow
from lms.extensions import db
from lms.learning.models import Course, CourseCompletion, CourseVersion, LessonProgress
from lms.learning.queries import current_version, missing_required_lessons
from lms.quiz.models import AttemptStatus, QuizAttempt
from lms.xapi.operations import record_course_completed


def mark_lesson_done(official_id: int, course: Course, lesson_key: str) -> bool:
    """Record that the official finished a lesson; True the first time. Callers commit."""
    inserted = insert_ignoring_duplicates(
        LessonProgress.__table__,
        {"official_id": official_id, "course_id": course.id, "lesson_key": lesson_key,
         "completed_at": utcnow()},
    )
    if inserted:
        record_completion_if_earned(official_id, course)
    return bool(inserted)


def record_completion_if_earned(official_id: int, course: Course,
                                at: datetime | None = None) -> CourseCompletion | None:
    """Completion = every required lesson done + a passed attempt. Written once, never revoked.

    Returns the completion (new or existing). Callers commit.
    """
    existing = db.session.execute(
        select(CourseCompletion).where(CourseCompletion.official_id == official_id,
                                       CourseCompletion.course_id == course.id)
    ).scalar_one_or_none()
    best = db.session.execute(
        select(func.max(QuizAttempt.percent)).where(
            QuizAttempt.official_id == official_id, QuizAttempt.course_id == course.id,
            QuizAttempt.status == AttemptStatus.SUBMITTED)
    ).scalar_one()
    if existing is not None:
        if best is not None and best > existing.best_percent:
            existing.best_percent = best
        return existing

    version: CourseVersion = current_version(course)
    if missing_required_lessons(official_id, version):
        return None
    passing = db.session.execute(
        select(QuizAttempt).where(
            QuizAttempt.official_id == official_id, QuizAttempt.course_id == course.id,
            QuizAttempt.passed.is_(True))
        .order_by(QuizAttempt.submitted_at, QuizAttempt.id).limit(1)
    ).scalar_one_or_none()
    if passing is None:
        return None
    inserted = insert_ignoring_duplicates(CourseCompletion.__table__, {
        "official_id": official_id, "course_id": course.id,
        "course_version_id": passing.course_version_id, "attempt_id": passing.id,
        "completed_at": at or utcnow(), "percent": passing.percent, "best_percent": best,
    })
    completion = db.session.execute(
        select(CourseCompletion).where(CourseCompletion.official_id == official_id,
                                       CourseCompletion.course_id == course.id)
    ).scalar_one_or_none()
    if inserted and completion is not None:
        record_course_completed(completion, course)
        # The certificate lands in the same transaction as the completion that earned it.
        issue_course_certificate(completion)
    return completion

