"""Catalogue, course page, lessons and "My results"."""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.accounts.access import requires
from lms.accounts.models import Role
from lms.db import utcnow
from lms.extensions import db
from lms.learning.models import Course, CourseVersion
from lms.learning.operations import mark_lesson_done
from lms.learning.queries import (
    course_by_slug,
    course_statuses,
    current_version,
    done_lesson_keys,
    required_lessons_not_in,
)
from lms.quiz.models import AttemptStatus, QuizAttempt
from lms.quiz.operations import attempts_left, finalize_expired_attempts
from lms.scoring.operations import ScoringError, live_run, zone
from lms.web import paginate, safe_next

bp = Blueprint("learning", __name__)


def _course_or_404(slug: str) -> tuple[Course, CourseVersion]:
    course = course_by_slug(slug)
    if course is None:
        abort(404)
    return course, current_version(course)


@bp.route("/")
@requires(Role.LEARNER)
def catalogue():
    finalize_expired_attempts(current_user.id)
    statuses = course_statuses(current_user.id)
    due = mandatory_for(current_user.id)
    category = current_user.staff_category.value
    rest = [s for s in statuses if s.version.course_id not in due]
    sections = {
        "mandatory": sorted((s for s in statuses if s.version.course_id in due),
                            key=lambda s: due[s.version.course_id]["deadline_at"]),
        "in_progress": [s for s in rest if s.started and not s.completed],
        "completed": [s for s in rest if s.completed],
        "for_you": [s for s in rest if not s.started and not s.completed
                    and category in s.version.audience],
        "others": [s for s in rest if not s.started and not s.completed
                   and category not in s.version.audience],
    }
    return render_template("learning/catalogue.html", sections=sections, due=due)


def mandatory_for(official_id: int) -> dict[int, dict]:
    """This year's mandatory courses of the official, by course id, with deadline and status."""
    try:
        run = live_run(utcnow().astimezone(zone()).year)
    except ScoringError:
        return {}  # no policy this year: nothing is mandatory
    return {row["course_id"]: dict(row) for row in
            db.session.execute(run.course_rows(official_id=official_id)).mappings()}


@bp.route("/<slug>")
@requires(Role.LEARNER)
def course(slug: str):
    course, version = _course_or_404(slug)
    finalize_expired_attempts(current_user.id, course.id)
    (status,) = course_statuses(current_user.id, course.id)
    attempts = list(db.session.execute(
        select(QuizAttempt).where(QuizAttempt.official_id == current_user.id,
                                  QuizAttempt.course_id == course.id)
        .order_by(QuizAttempt.number.desc())
    ).scalars())
    done = done_lesson_keys(current_user.id, course.id)
    return render_template(
        "learning/course.html", version=version, status=status, done=done, attempts=attempts,
        attempts_left=attempts_left(version, len(attempts)),
        open_attempt=next((attempt for attempt in attempts if attempt.is_open), None),
        lessons_block_quiz=version.require_lessons and bool(required_lessons_not_in(version, done)),
    )


@bp.route("/<slug>/lessons/<key>")
@requires(Role.LEARNER)
def lesson(slug: str, key: str):
    course, version = _course_or_404(slug)
    lessons = version.lessons
    index = next((i for i, lesson in enumerate(lessons) if lesson.key == key), None)
    if index is None:
        abort(404)
    return render_template(
        "learning/lesson.html", version=version, lesson=lessons[index],
        previous=lessons[index - 1] if index > 0 else None,
        next=lessons[index + 1] if index + 1 < len(lessons) else None,
        position=index + 1, total=len(lessons),
        done=key in done_lesson_keys(current_user.id, course.id),
    )


@bp.route("/<slug>/lessons/<key>/done", methods=["POST"])
@requires(Role.LEARNER)
def lesson_done(slug: str, key: str):
    course, version = _course_or_404(slug)
    if not any(lesson.key == key for lesson in version.lessons):
        abort(404)
    mark_lesson_done(current_user.id, course, key)
    db.session.commit()
    if request.accept_mimetypes.best == "application/json":
        return jsonify(done=True)
    return redirect(safe_next(request.form.get("next")) or url_for("learning.course", slug=slug))


@bp.route("/<slug>/media/images/<path:filename>")
@requires(Role.LEARNER)
def media(slug: str, filename: str):
    """Images of a course's lessons. Rooted at the images folder itself, so that no path
    (``../course.yaml`` included) reaches the course's other files."""
    if course_by_slug(slug) is None:
        abort(404)
    images = Path(current_app.config["COURSES_PATH"]) / slug / "images"
    return send_from_directory(images, filename, max_age=7 * 24 * 3600)


@bp.route("/results")
@requires(Role.LEARNER)
def results():
    finalize_expired_attempts(current_user.id)
    query = (
        select(QuizAttempt)
        .options(joinedload(QuizAttempt.course_version))
        .where(QuizAttempt.official_id == current_user.id,
               QuizAttempt.status == AttemptStatus.SUBMITTED)
        .order_by(QuizAttempt.submitted_at.desc(), QuizAttempt.id.desc())
    )
    return render_template("learning/results.html", page=paginate(query))
