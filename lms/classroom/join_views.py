"""The participants' side: join by code on a phone, read the lessons, take the quiz, get the
result and certificate. No account: the browser session holds the participant's random token;
another device continues with the personal resume code.

Every view is public, and every participant page checks that the token in the browser
session belongs to the session named by the code; anything else answers 404.
"""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask_babel import format_time
from flask_babel import gettext as _
from sqlalchemy import select

from lms.accounts.access import public
from lms.certificates.models import Certificate
from lms.certificates.views import send_certificate_pdf
from lms.classroom.forms import CodeForm, JoinForm, ResumeForm, normalise_code
from lms.classroom.models import Audience, ClassSession, SessionParticipant
from lms.classroom.operations import (
    ParticipantLearner,
    SessionRefused,
    join_session,
    mark_lesson_read,
    touch,
)
from lms.classroom.queries import (
    done_keys,
    open_lessons,
    open_session_by_code,
    participant_by_resume_code,
    participant_by_token,
    quiz_is_open,
    session_lessons,
)
from lms.db import utcnow
from lms.extensions import db, limiter
from lms.learning.models import Reveal
from lms.learning.queries import current_version
from lms.quiz.models import QuizAttempt
from lms.quiz.operations import (
    QuizRefused,
    attempt_for,
    attempts_left,
    attempts_used,
    finalize_expired_attempts,
    save_responses,
    start_attempt,
    submit_attempt,
)
from lms.quiz.responses import parse_responses

bp = Blueprint("classroom_join", __name__)

TOKEN_KEY = "participant_token"


def resume_rate_limit() -> str:
    return current_app.config["SESSION_RESUME_RATE_LIMIT"]


def code_rate_limit() -> str:
    return current_app.config["SESSION_CODE_RATE_LIMIT"]


def _code_missed(response) -> bool:
    """Only codes that lead nowhere count against an address: forty phones of one class, on
    one school Wi-Fi, join with the right code without touching the limit."""
    return response.status_code == 404


# One budget for every page that looks a code up, so guesses cannot be spread over them.
guard_codes = limiter.shared_limit(code_rate_limit, scope="session-code", deduct_when=_code_missed)


def _refusal_message(reason: str) -> str:
    return {
        QuizRefused.SESSION_CLOSED: _("This session is closed: answers are no longer taken."),
        QuizRefused.NOT_OPEN_YET: _("The facilitator has not opened the quiz yet."),
        QuizRefused.LESSONS_FIRST: _("Read the lessons first."),
        QuizRefused.NO_ATTEMPTS_LEFT: _("You have used all your attempts for this quiz."),
        SessionRefused.CLOSED: _("This session is closed: nobody can join it any more."),
    }[reason]


def _current_participant(code: str) -> SessionParticipant | None:
    participant = participant_by_token(session.get(TOKEN_KEY))
    if participant is None or participant.session.join_code != code:
        return None
    return participant


def _participant_or_join(code: str) -> SessionParticipant:
    """The participant of this browser in the session with this code, or off to joining."""
    participant = _current_participant(code)
    if participant is None:
        abort(redirect(url_for("classroom_join.join", code=code)))
    touch(participant)
    return participant


def _remember(participant: SessionParticipant) -> None:
    session[TOKEN_KEY] = participant.token
    session.permanent = True


@bp.route("/")
@public
def enter_code():
    # A GET form that only leads to the join page: nothing changes, so no CSRF token.
    form = CodeForm(request.args, meta={"csrf": False})
    if "code" in request.args and form.validate():
        return redirect(url_for("classroom_join.join", code=form.code.data))
    return render_template("classroom/join/code.html", form=form)


@bp.route("/<code>", methods=["GET"])
@public
@guard_codes
def join(code: str):
    canonical = normalise_code(code)
    if canonical != code:
        return redirect(url_for("classroom_join.join", code=canonical))
    participant = _current_participant(code)
    class_session = open_session_by_code(code)
    # (A closed session's code may later go to a new session: then this is a new join.)
    if participant is not None and (class_session is None
                                    or class_session.id == participant.session_id):
        return redirect(url_for("classroom_join.home", code=code))
    if class_session is None:
        return _no_session(code)
    return _join_page(class_session, JoinForm(), ResumeForm())


def _no_session(code: str):
    """No open session has this code: say plainly when it is one that was closed."""
    closed = db.session.execute(
        select(ClassSession.id).where(ClassSession.join_code == code).limit(1)).first() is not None
    return render_template("classroom/join/no_session.html", code=code, closed=closed), 404


def _join_page(class_session: ClassSession, form: JoinForm, resume_form: ResumeForm,
               status: int = 200):
    if class_session.audience is Audience.STUDENTS:
        form.display_name.label.text = _("First name")
    return render_template("classroom/join/join.html", class_session=class_session, form=form,
                           resume_form=resume_form,
                           students=class_session.audience is Audience.STUDENTS), status


@bp.route("/<code>/join", methods=["POST"])
@public
@guard_codes
def join_submit(code: str):
    class_session = open_session_by_code(code)
    if class_session is None:
        return _no_session(code)
    form = JoinForm()
    if class_session.audience is Audience.STUDENTS:
        form.group_name.data = None  # never asked of students, so never stored
    if not form.validate_on_submit():
        return _join_page(class_session, form, ResumeForm(formdata=None), 422)
    try:
        participant = join_session(class_session, display_name=form.display_name.data,
                                   group_name=form.group_name.data)
    except SessionRefused as refused:
        db.session.rollback()
        flash(_refusal_message(refused.reason), "error")
        return redirect(url_for("classroom_join.enter_code"))
    db.session.commit()
    _remember(participant)
    return redirect(url_for("classroom_join.home", code=code))


@bp.route("/<code>/resume", methods=["POST"])
@public
@limiter.limit(resume_rate_limit)
def resume(code: str):
    class_session = db.session.execute(
        select(ClassSession).where(ClassSession.join_code == code)
        .order_by(ClassSession.closed_at.is_(None).desc(), ClassSession.id.desc())
    ).scalars().first()
    if class_session is None:
        abort(404)
    form = ResumeForm()
    participant = (participant_by_resume_code(class_session, form.resume_code.data)
                   if form.validate_on_submit() else None)
    if participant is None:
        if form.resume_code.data:
            form.resume_code.errors.append(_("No participant of this session has that code."))
        if not class_session.is_open:
            abort(404)
        return _join_page(class_session, JoinForm(formdata=None), form, 422)
    _remember(participant)
    flash(_("Welcome back, %(name)s.", name=participant.display_name), "success")
    return redirect(url_for("classroom_join.home", code=code))


@bp.route("/<code>/me")
@public
def home(code: str):
    participant = _participant_or_join(code)
    class_session = participant.session
    version = current_version(class_session.course)
    finalize_expired_attempts(ParticipantLearner(participant), class_session.course_id)
    attempts = list(db.session.execute(
        select(QuizAttempt).where(QuizAttempt.participant_id == participant.id)
        .order_by(QuizAttempt.number.desc())).scalars())
    db.session.commit()
    certificate = db.session.execute(
        select(Certificate).where(Certificate.participant_id == participant.id)
    ).scalar_one_or_none()
    return render_template(
        "classroom/join/home.html", participant=participant, class_session=class_session,
        version=version, lessons=session_lessons(class_session, version),
        readable={lesson.key for lesson in open_lessons(class_session, version)},
        done=done_keys(participant.id), attempts=attempts,
        attempts_left=attempts_left(version, len(attempts)),
        open_attempt=next((a for a in attempts if a.is_open), None),
        quiz_open=quiz_is_open(class_session), state=pace_state(class_session),
        lessons_block_quiz=ParticipantLearner(participant).lessons_missing(version),
        certificate=certificate)


def pace_state(class_session: ClassSession) -> str:
    """What a participant's page depends on: it reloads itself when this changes."""
    return f"{class_session.opened_lessons}:{int(class_session.quiz_open)}:{int(not class_session.is_open)}"


@bp.route("/<code>/state")
@public
def state(code: str):
    """Polled by static/js/session-wait.js on a participant's page (light: one row read)."""
    participant = _current_participant(code)
    if participant is None:
        abort(404)
    response = jsonify(state=pace_state(participant.session))
    response.headers["Cache-Control"] = "no-store"
    return response


def _lesson_or_404(participant: SessionParticipant, key: str):
    class_session = participant.session
    version = current_version(class_session.course)
    lessons = open_lessons(class_session, version)
    index = next((i for i, lesson in enumerate(lessons) if lesson.key == key), None)
    if index is None:
        abort(404)
    return version, lessons, index


@bp.route("/<code>/lessons/<key>")
@public
def lesson(code: str, key: str):
    participant = _participant_or_join(code)
    version, lessons, index = _lesson_or_404(participant, key)
    db.session.commit()
    return render_template(
        "classroom/join/lesson.html", participant=participant, version=version,
        lesson=lessons[index], position=index + 1,
        total=len(session_lessons(participant.session, version)),
        previous=lessons[index - 1] if index > 0 else None,
        next=lessons[index + 1] if index + 1 < len(lessons) else None,
        done=key in done_keys(participant.id))


@bp.route("/<code>/lessons/<key>/done", methods=["POST"])
@public
def lesson_done(code: str, key: str):
    participant = _participant_or_join(code)
    version, lessons, index = _lesson_or_404(participant, key)
    mark_lesson_read(participant, version, key)
    db.session.commit()
    if request.accept_mimetypes.best == "application/json":
        return jsonify(done=True)
    following = lessons[index + 1] if index + 1 < len(lessons) else None
    if following is not None:
        return redirect(url_for("classroom_join.lesson", code=code, key=following.key))
    return redirect(url_for("classroom_join.home", code=code))


@bp.route("/<code>/media/images/<path:filename>")
@public
def media(code: str, filename: str):
    participant = _participant_or_join(code)
    slug = participant.session.course.slug
    images = Path(current_app.config["COURSES_PATH"]) / slug / "images"
    return send_from_directory(images, filename, max_age=7 * 24 * 3600)


# Quiz -------------------------------------------------------------------------------------

def _own_attempt(participant: SessionParticipant, public_id: str) -> QuizAttempt:
    """The participant's own attempt; anyone else's answers 404, like a wrong id."""
    attempt = attempt_for(ParticipantLearner(participant), public_id)
    if attempt is None:
        abort(404)
    return attempt


@bp.route("/<code>/quiz/start", methods=["POST"])
@public
def start(code: str):
    participant = _participant_or_join(code)
    try:
        attempt = start_attempt(ParticipantLearner(participant), participant.session.course)
    except QuizRefused as refused:
        db.session.rollback()
        flash(_refusal_message(refused.reason), "error")
        return redirect(url_for("classroom_join.home", code=code))
    return redirect(url_for("classroom_join.attempt", code=code, public_id=attempt.public_id))


@bp.route("/<code>/quiz/<public_id>")
@public
def attempt(code: str, public_id: str):
    participant = _participant_or_join(code)
    attempt = _own_attempt(participant, public_id)
    learner = ParticipantLearner(participant)
    if attempt.is_open and finalize_expired_attempts(learner, attempt.course_id):
        flash(_("The time was up. Your attempt was graded on the answers saved in time."), "info")
    db.session.commit()
    if not attempt.is_open:
        return redirect(url_for("classroom_join.result", code=code, public_id=public_id))
    return render_template("classroom/join/attempt.html", participant=participant,
                           attempt=attempt, version=attempt.course_version, now=utcnow())


@bp.route("/<code>/quiz/<public_id>/save", methods=["POST"])
@public
def save(code: str, public_id: str):
    participant = _participant_or_join(code)
    attempt = _own_attempt(participant, public_id)
    try:
        saved = save_responses(attempt, parse_responses(attempt.items, request.form),
                               learner=ParticipantLearner(participant))
    except QuizRefused as refused:
        db.session.rollback()
        if request.accept_mimetypes.best == "application/json":
            return jsonify(saved=False, reason=refused.reason), 409
        flash(_refusal_message(refused.reason), "error")
        return redirect(url_for("classroom_join.home", code=code))
    if request.accept_mimetypes.best == "application/json":
        return jsonify(saved=saved), (200 if saved else 409)
    if saved:
        flash(_("Your answers were saved at %(time)s.", time=format_time(utcnow(), "short")),
              "success")
    return redirect(url_for("classroom_join.attempt", code=code, public_id=public_id))


@bp.route("/<code>/quiz/<public_id>/submit", methods=["POST"])
@public
def submit(code: str, public_id: str):
    participant = _participant_or_join(code)
    attempt = _own_attempt(participant, public_id)
    try:
        submit_attempt(attempt, parse_responses(attempt.items, request.form),
                       learner=ParticipantLearner(participant))
    except QuizRefused as refused:
        db.session.rollback()
        flash(_refusal_message(refused.reason), "error")
        return redirect(url_for("classroom_join.home", code=code))
    return redirect(url_for("classroom_join.result", code=code, public_id=public_id))


@bp.route("/<code>/quiz/<public_id>/result")
@public
def result(code: str, public_id: str):
    participant = _participant_or_join(code)
    attempt = _own_attempt(participant, public_id)
    db.session.commit()
    if attempt.is_open:
        return redirect(url_for("classroom_join.attempt", code=code, public_id=public_id))
    version = attempt.course_version
    passed_once = db.session.execute(
        select(QuizAttempt.id).where(QuizAttempt.participant_id == participant.id,
                                     QuizAttempt.passed.is_(True)).limit(1)).first() is not None
    reveal = {Reveal.AFTER_EACH_ATTEMPT: True, Reveal.AFTER_PASSING: passed_once,
              Reveal.NEVER: False}[version.reveal]
    return render_template("classroom/join/result.html", participant=participant,
                           attempt=attempt, version=version, reveal=reveal,
                           attempts_left=attempts_left(
                               version, attempts_used(ParticipantLearner(participant),
                                                      attempt.course_id)))


@bp.route("/<code>/certificate.pdf")
@public
def certificate(code: str):
    participant = _participant_or_join(code)
    certificate = db.session.execute(
        select(Certificate).where(Certificate.participant_id == participant.id)
    ).scalar_one_or_none()
    if certificate is None:
        abort(404)
    return send_certificate_pdf(
        certificate, back_to=url_for("classroom_join.home", code=code),
        unavailable=_("The certificate's PDF cannot be made right now. Please try again later."))
