"""Load checked course folders into the database, in one transaction.

A course folder whose content hash is known already changes nothing; a changed folder adds a
new course version (and new versions of the questions whose wording changed) and makes it
current. Old versions stay: attempts point at the exact question versions they presented.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import click
from flask_babel import gettext as _
from sqlalchemy import select, update

from lms.content.loader import CourseSpec, Problem, QuestionSpec, load_courses
from lms.extensions import db
from lms.learning.models import Course, CourseVersion, Lesson, Reveal
from lms.quiz.models import CourseVersionQuestion, Question, QuestionType, QuestionVersion


class SyncRefused(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the course files")
        self.problems = problems


@dataclass(frozen=True)
class SyncResult:
    slug: str
    outcome: str  # "added", "new version", "unchanged", "restored"


def sync_courses(root: Path, *, progress: bool = False) -> list[SyncResult]:
    """Check every course under ``root``; load them all, or nothing when any has a problem."""
    reports = load_courses(root)
    problems = [problem for report in reports for problem in report.problems]
    if problems:
        raise SyncRefused(problems)
    specs = [report.spec for report in reports if report.spec is not None]
    results = []
    with click.progressbar(specs, label=_("Loading courses"), hidden=not progress,
                           item_show_func=lambda s: s.slug if s else "") as bar:
        for spec in bar:
            results.append(sync_course(spec))
    db.session.commit()
    return results


def sync_course(spec: CourseSpec) -> SyncResult:
    course = db.session.execute(select(Course).where(Course.slug == spec.slug)).scalar_one_or_none()
    outcome = "new version"
    if course is None:
        course = Course(slug=spec.slug)
        db.session.add(course)
        db.session.flush()
        outcome = "added"
    known = db.session.execute(
        select(CourseVersion).where(CourseVersion.course_id == course.id,
                                    CourseVersion.content_hash == spec.content_hash)
    ).scalar_one_or_none()
    if known is not None:
        if known.is_current:
            return SyncResult(spec.slug, "unchanged")
        _make_current(course, known)
        return SyncResult(spec.slug, "restored")

    version = CourseVersion(
        course=course,
        label=spec.version,
        content_hash=spec.content_hash,
        title_vi=spec.title["vi"], title_en=spec.title["en"],
        description_vi=spec.description["vi"], description_en=spec.description["en"],
        estimated_minutes=spec.estimated_minutes,
        audience=list(spec.audience),
        competences=[dict(c) for c in spec.competences],
        sources=[dict(s) for s in spec.sources],
        draw_count=spec.quiz.draw,
        pass_mark=spec.quiz.pass_mark,
        max_attempts=spec.quiz.max_attempts,
        time_limit_minutes=spec.quiz.time_limit_minutes,
        shuffle_questions=spec.quiz.shuffle_questions,
        shuffle_options=spec.quiz.shuffle_options,
        reveal=Reveal(spec.quiz.reveal),
        require_lessons=spec.quiz.require_lessons,
        is_current=False,
    )
    db.session.add(version)
    for position, lesson in enumerate(spec.lessons):
        db.session.add(Lesson(
            course_version=version, key=lesson.id, position=position, required=lesson.required,
            minutes=lesson.minutes, title_vi=lesson.title["vi"], title_en=lesson.title["en"],
            html_vi=lesson.html["vi"], html_en=lesson.html["en"],
            competences=[dict(c) for c in lesson.competences],
        ))
    db.session.flush()
    for position, question in enumerate(spec.questions):
        db.session.add(CourseVersionQuestion(
            course_version_id=version.id,
            question_version_id=_question_version(course, question).id,
            position=position,
        ))
    _make_current(course, version)
    return SyncResult(spec.slug, outcome)


def _make_current(course: Course, version: CourseVersion) -> None:
    db.session.execute(
        update(CourseVersion).where(CourseVersion.course_id == course.id,
                                    CourseVersion.is_current.is_(True)).values(is_current=False)
    )
    db.session.flush()
    version.is_current = True
    db.session.flush()


def question_hash(question: QuestionSpec) -> str:
    payload = {"type": question.type, "points": question.points, "content": question.content(),
               "answer": question.answer}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _question_version(course: Course, spec: QuestionSpec) -> QuestionVersion:
    question = db.session.execute(
        select(Question).where(Question.course_id == course.id, Question.key == spec.id)
    ).scalar_one_or_none()
    if question is None:
        question = Question(course_id=course.id, key=spec.id)
        db.session.add(question)
        db.session.flush()
    digest = question_hash(spec)
    version = db.session.execute(
        select(QuestionVersion).where(QuestionVersion.question_id == question.id,
                                      QuestionVersion.content_hash == digest)
    ).scalar_one_or_none()
    if version is None:
        version = QuestionVersion(question_id=question.id, content_hash=digest,
                                  type=QuestionType(spec.type), points=spec.points,
                                  content=spec.content(), answer=spec.answer)
        db.session.add(version)
        db.session.flush()
    return version
