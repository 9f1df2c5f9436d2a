"""Taking a quiz: start, answer (autosaved), submit, see the result."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_time
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms.accounts.access import requires
from lms.accounts.models import Role
from lms.certificates.queries import certificate_for
from lms.db import utcnow
from lms.extensions import db
from lms.learning.models import Reveal
from lms.learning.queries import course_by_slug
from lms.quiz.models import QuizAttempt
from lms.quiz.operations import (
    QuizRefused,
    attempt_for,
    finalize_expired_attempts,
    save_responses,
    start_attempt,
    submit_attempt,
)
from lms.quiz.responses import parse_responses

bp = Blueprint("quiz", __name__)


def _own_attempt(public_id: str) -> QuizAttempt:
    """The signed-in official's attempt; anyone else's answers 404, like a wrong id."""
    attempt = attempt_for(current_user.id, public_id)
    if attempt is None:
        abort(404)
    return attempt


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.route("/<slug>/start", methods=["POST"])
@requires(Role.LEARNER)
def start(slug: str):
    course = course_by_slug(slug)
    if course is None:
        abort(404)
    try:
        attempt = start_attempt(current_user, course)
    except QuizRefused as refused:
        flash(_("Finish the required lessons first.") if refused.reason == QuizRefused.LESSONS_FIRST
              else _("You have used all your attempts for this quiz."), "error")
        return redirect(url_for("learning.course", slug=slug))
    return redirect(url_for("quiz.attempt", public_id=attempt.public_id))


@bp.route("/attempts/<public_id>")
@requires(Role.LEARNER)
def attempt(public_id: str):
    attempt = _own_attempt(public_id)
    if attempt.is_open and finalize_expired_attempts(current_user.id, attempt.course_id):
        flash(_("The time was up. Your attempt was graded on the answers saved in time."), "info")
    if not attempt.is_open:
        return redirect(url_for("quiz.result", public_id=public_id))
    return render_template("quiz/attempt.html", attempt=attempt, version=attempt.course_version,
                           now=utcnow())


@bp.route("/attempts/<public_id>/save", methods=["POST"])
@requires(Role.LEARNER)
def save(public_id: str):
    attempt = _own_attempt(public_id)
    saved = save_responses(attempt, parse_responses(attempt.items, request.form))
    if _wants_json():
        return jsonify(saved=saved), (200 if saved else 409)
    if saved:
        flash(_("Your answers were saved at %(time)s.", time=format_time(utcnow(), "short")),
              "success")
    return redirect(url_for("quiz.attempt", public_id=public_id))


@bp.route("/attempts/<public_id>/submit", methods=["POST"])
@requires(Role.LEARNER)
def submit(public_id: str):
    attempt = _own_attempt(public_id)
    submit_attempt(attempt, parse_responses(attempt.items, request.form))
    return redirect(url_for("quiz.result", public_id=public_id))


@bp.route("/attempts/<public_id>/result")
@requires(Role.LEARNER)
def result(public_id: str):
    attempt = _own_attempt(public_id)
    if attempt.is_open:
        return redirect(url_for("quiz.attempt", public_id=public_id))
    version = attempt.course_version
    reveal = {
        Reveal.AFTER_EACH_ATTEMPT: True,
        Reveal.AFTER_PASSING: _has_passed(attempt),
        Reveal.NEVER: False,
    }[version.reveal]
    certificate = certificate_for(attempt.official_id, attempt.course_id) if attempt.passed else None
    return render_template("quiz/result.html", attempt=attempt, version=version, reveal=reveal,
                           certificate=certificate)


def _has_passed(attempt: QuizAttempt) -> bool:
    return db.session.execute(
        select(QuizAttempt.id).where(QuizAttempt.official_id == attempt.official_id,
                                     QuizAttempt.course_id == attempt.course_id,
                                     QuizAttempt.passed.is_(True)).limit(1)
    ).first() is not None
