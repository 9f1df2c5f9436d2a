"""Reads for the learning flow."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload

from lms.extensions import db
from lms.learning.models import Course, CourseCompletion, CourseVersion, Lesson, LessonProgress
from lms.quiz.models import AttemptStatus, QuizAttempt


def current_version(course: Course) -> CourseVersion:
    return db.session.execute(
        select(CourseVersion).where(CourseVersion.course_id == course.id,
                                    CourseVersion.is_current.is_(True))
    ).scalar_one()


def course_by_slug(slug: str) -> Course | None:
    return db.session.execute(select(Course).where(Course.slug == slug)).scalar_one_or_none()


def done_lesson_keys(official_id: int, course_id: int) -> set[str]:
    return set(db.session.execute(
        select(LessonProgress.lesson_key).where(LessonProgress.official_id == official_id,
                                                LessonProgress.course_id == course_id)
    ).scalars())


def required_lessons_not_in(version: CourseVersion, done: set[str]) -> list[Lesson]:
    return [lesson for lesson in version.lessons if lesson.required and lesson.key not in done]


def missing_required_lessons(official_id: int, version: CourseVersion) -> list[Lesson]:
    return required_lessons_not_in(version, done_lesson_keys(official_id, version.course_id))


@dataclass(frozen=True)
class CourseStatus:
    """What the catalogue and course page show about one course for one official."""

    version: CourseVersion
    required_lessons: int
    required_done: int
    attempts: int
    best_percent: float | None
    has_open_attempt: bool
    passed: bool
    completion: CourseCompletion | None

    @property
    def completed(self) -> bool:
        return self.completion is not None

    @property
    def started(self) -> bool:
        return self.required_done > 0 or self.attempts > 0

    @property
    def progress_percent(self) -> int:
        """Required lessons plus the quiz, as steps of one bar."""
        if self.completed:
            return 100
        steps = self.required_lessons + 1
        done = self.required_done + (1 if self.passed else 0)
        return int(done * 100 / steps)


def course_statuses(official_id: int, course_id: int | None = None) -> list[CourseStatus]:
    """Every current course (or just one) with the official's progress, in five set-based
    queries."""
    current = (select(CourseVersion).join(Course).options(joinedload(CourseVersion.course))
               .where(CourseVersion.is_current.is_(True)).order_by(CourseVersion.title_vi))
    if course_id is not None:
        current = current.where(CourseVersion.course_id == course_id)
    versions = list(db.session.execute(current).scalars())
    required = dict(db.session.execute(
        select(Lesson.course_version_id, func.count())
        .join(CourseVersion, CourseVersion.id == Lesson.course_version_id)
        .where(CourseVersion.is_current.is_(True), Lesson.required.is_(True))
        .group_by(Lesson.course_version_id)
    ).all())
    done = dict(db.session.execute(
        select(Lesson.course_version_id, func.count())
        .join(CourseVersion, CourseVersion.id == Lesson.course_version_id)
        .join(LessonProgress, (LessonProgress.course_id == CourseVersion.course_id)
              & (LessonProgress.lesson_key == Lesson.key))
        .where(CourseVersion.is_current.is_(True), Lesson.required.is_(True),
               LessonProgress.official_id == official_id)
        .group_by(Lesson.course_version_id)
    ).all())
    attempts = {
        row.course_id: row for row in db.session.execute(
            select(QuizAttempt.course_id, func.count().label("count"),
                   func.max(QuizAttempt.percent).label("best"),
                   func.sum(case((QuizAttempt.status == AttemptStatus.IN_PROGRESS, 1), else_=0))
                   .label("open"),
                   func.sum(case((QuizAttempt.passed.is_(True), 1), else_=0)).label("passed"))
            .where(QuizAttempt.official_id == official_id).group_by(QuizAttempt.course_id)
        )
    }
    completions = {
        completion.course_id: completion for completion in db.session.execute(
            select(CourseCompletion).where(CourseCompletion.official_id == official_id)
        ).scalars()
    }
    statuses = []
    for version in versions:
        row = attempts.get(version.course_id)
        statuses.append(CourseStatus(
            version=version,
            required_lessons=required.get(version.id, 0),
            required_done=done.get(version.id, 0),
            attempts=row.count if row else 0,
            best_percent=row.best if row else None,
            has_open_attempt=bool(row and row.open),
            passed=bool(row and row.passed),
            completion=completions.get(version.course_id),
        ))
    return statuses
