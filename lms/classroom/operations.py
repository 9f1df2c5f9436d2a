"""Writes for school sessions. Like every operation, these add to the session and leave the
commit to the caller, except where they hand over to the quiz engine (which commits).

The session-closed rule lives here, not in the views: once a session is closed, joining,
saving answers and submitting are refused with :class:`SessionRefused` /
``QuizRefused.SESSION_CLOSED``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import get_locale
from sqlalchemy import and_, func, select, update
from sqlalchemy.exc import IntegrityError

from lms.accounts.models import Official
from lms.audit.operations import record_event
from lms.certificates.models import Certificate
from lms.certificates.operations import issue_certificate
from lms.classroom.models import (
    JOIN_CODE_LENGTH,
    RESUME_CODE_LENGTH,
    Audience,
    ClassSession,
    Pacing,
    ParticipantLesson,
    SessionParticipant,
    new_code,
)
from lms.classroom.queries import done_keys, lessons_to_complete, session_lessons
from lms.db import insert_ignoring_duplicates, utcnow
from lms.extensions import db
from lms.learning.models import Course, CourseVersion
from lms.org.models import OrgUnit
from lms.quiz.models import AttemptStatus, QuizAttempt
from lms.quiz.operations import QuizRefused, submit_attempt
from lms.text import clean_text

CODE_DRAWS = 10


class SessionRefused(Exception):
    """A participant's request the session does not take; ``reason`` is a constant below."""

    CLOSED = "closed"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def create_session(*, unit: OrgUnit, course: Course, title: str, lesson_keys: list[str] | None,
                   starts_at: datetime, place: str, audience: Audience, expected_size: int,
                   pacing: Pacing, by: Official | None) -> ClassSession:
    """A new open session with a join code no other open session holds. Caller commits."""
    for _draw in range(CODE_DRAWS):
        session = ClassSession(
            unit_id=unit.id, course_id=course.id, created_by_id=by.id if by else None,
            title=clean_text(title), lesson_keys=lesson_keys or None, starts_at=starts_at,
            place=clean_text(place), audience=audience, expected_size=expected_size,
            pacing=pacing, join_code=new_code(JOIN_CODE_LENGTH), opened_lessons=0,
            quiz_open=False,
        )
        try:
            with db.session.begin_nested():
                db.session.add(session)
        except IntegrityError:
            continue  # the code is held by another open session: draw again
        record_event("session.create", target_type="class_session", target_id=session.id,
                     unit_id=unit.id, actor_id=by.id if by else None, code=session.join_code,
                     course=course.slug)
        return session
    raise RuntimeError("no free join code")


def open_next_step(session: ClassSession, version: CourseVersion) -> bool:
    """Led pacing: open the next lesson, then the quiz. False when everything is open.
    Caller commits."""
    if not session.is_open or not session.is_led:
        return False
    if session.opened_lessons < len(session_lessons(session, version)):
        session.opened_lessons += 1
        return True
    if not session.quiz_open:
        session.quiz_open = True
        return True
    return False


def close_session(session: ClassSession, *, by: Official | None, now: datetime | None = None) -> bool:
    """No more joins or answers. Attempts still open are graded on the answers saved so far,
    so the report counts them. False when it was closed already. Commits (grading does)."""
    now = now or utcnow()
    closed = db.session.execute(
        update(ClassSession).where(ClassSession.id == session.id, ClassSession.closed_at.is_(None))
        .values(closed_at=now).execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(session, ["closed_at"])
    if closed != 1:
        return False
    record_event("session.close", target_type="class_session", target_id=session.id,
                 unit_id=session.unit_id, actor_id=by.id if by else None)
    db.session.commit()
    still_open = db.session.execute(
        select(QuizAttempt, SessionParticipant)
        .join(SessionParticipant, SessionParticipant.id == QuizAttempt.participant_id)
        .where(SessionParticipant.session_id == session.id,
               QuizAttempt.status == AttemptStatus.IN_PROGRESS)
    ).all()
    for attempt, participant in still_open:
        submit_attempt(attempt, None, now=now, learner=ParticipantLearner(participant), check=False)
    return True


# Participants -----------------------------------------------------------------------------

def join_session(session: ClassSession, *, display_name: str, group_name: str | None,
                 now: datetime | None = None) -> SessionParticipant:
    """A new participant with a personal resume code. Caller commits."""
    now = now or utcnow()
    refuse_if_closed(session)
    for _draw in range(CODE_DRAWS):
        participant = SessionParticipant(
            session_id=session.id, resume_code=new_code(RESUME_CODE_LENGTH),
            display_name=clean_text(display_name)[:80],
            group_name=clean_text(group_name)[:80] or None if group_name else None,
            joined_at=now, last_seen_at=now)
        try:
            with db.session.begin_nested():
                db.session.add(participant)
        except IntegrityError:
            continue  # resume code taken in this session: draw again
        return participant
    raise RuntimeError("no free resume code")


def refuse_if_closed(session: ClassSession) -> None:
    # Read the row again: the facilitator may have closed it a moment ago.
    closed_at = db.session.execute(
        select(ClassSession.closed_at).where(ClassSession.id == session.id)).scalar_one()
    if closed_at is not None:
        raise SessionRefused(SessionRefused.CLOSED)


def mark_lesson_read(participant: SessionParticipant, version: CourseVersion, key: str) -> bool:
    """Record a finished lesson; True the first time. Caller commits."""
    inserted = insert_ignoring_duplicates(ParticipantLesson.__table__, {
        "participant_id": participant.id, "lesson_key": key, "completed_at": utcnow()})
    if inserted:
        record_completion_if_earned(participant, version)
    return bool(inserted)


def touch(participant: SessionParticipant, now: datetime | None = None) -> None:
    """Seen now (the dashboard shows who is active). Written at most once a minute."""
    now = now or utcnow()
    if now - participant.last_seen_at > timedelta(minutes=1):
        participant.last_seen_at = now


class ParticipantLearner:
    """A participant taking the session's quiz (see ``lms.quiz.operations.Learner``).

    No xAPI statements: xAPI records officials' learning only."""

    def __init__(self, participant: SessionParticipant) -> None:
        self.participant = participant

    @property
    def owner(self) -> dict[str, int]:
        return {"participant_id": self.participant.id}

    def lessons_missing(self, version: CourseVersion) -> bool:
        if not version.require_lessons:
            return False
        done = done_keys(self.participant.id)
        return any(lesson.key not in done
                   for lesson in lessons_to_complete(self.participant.session, version))

    def check_may_answer(self) -> None:
        session = self.participant.session
        db.session.refresh(session, ["closed_at", "quiz_open"])
        if session.closed_at is not None:
            raise QuizRefused(QuizRefused.SESSION_CLOSED)
        if session.is_led and not session.quiz_open:
            raise QuizRefused(QuizRefused.NOT_OPEN_YET)

    def after_started(self, attempt: QuizAttempt) -> None:
        return None

    def after_graded(self, attempt: QuizAttempt, at: datetime) -> None:
        record_completion_if_earned(self.participant, attempt.course_version, at=at)


def record_completion_if_earned(participant: SessionParticipant, version: CourseVersion, *,
                                at: datetime | None = None) -> bool:
    """Completed = every session lesson read + a passed quiz; then a certificate is issued.
    Keeps the best percent up to date. True when it completed just now. Caller commits."""
    best = db.session.execute(
        select(func.max(QuizAttempt.percent)).where(
            QuizAttempt.participant_id == participant.id,
            QuizAttempt.status == AttemptStatus.SUBMITTED)
    ).scalar_one()
    if best is not None and (participant.best_percent is None or best > participant.best_percent):
        participant.best_percent = best
    if participant.completed_at is not None:
        return False
    session = participant.session
    done = done_keys(participant.id)
    if any(lesson.key not in done for lesson in lessons_to_complete(session, version)):
        return False
    passing = db.session.execute(
        select(QuizAttempt).where(QuizAttempt.participant_id == participant.id,
                                  QuizAttempt.passed.is_(True))
        .order_by(QuizAttempt.submitted_at, QuizAttempt.id).limit(1)
    ).scalar_one_or_none()
    if passing is None:
        return False
    completed = db.session.execute(
        update(SessionParticipant)
        .where(SessionParticipant.id == participant.id, SessionParticipant.completed_at.is_(None))
        .values(completed_at=at or utcnow()).execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(participant, ["completed_at"])
    if completed != 1:
        return False
    issue_certificate(
        participant_id=participant.id, course_id=session.course_id,
        course_version_id=passing.course_version_id, unit=session.unit,
        holder_name=participant.display_name, locale=participant_locale(),
        completed_at=participant.completed_at, percent=passing.percent)
    return True


def participant_locale() -> str:
    locale = get_locale()
    language = locale.language if locale is not None else None
    return language if language in current_app.config["LANGUAGES"] else "vi"


# Privacy ----------------------------------------------------------------------------------

ANONYMOUS_NAME = "—"


def purge_participant_names(*, days: int, now: datetime | None = None) -> int:
    """Replace the names of participants of sessions closed more than ``days`` days ago, and
    on their certificates (whose signed files naming them are deleted). Counts, groups,
    results and certificate serials remain. Idempotent. Returns how many sessions were
    purged; caller commits."""
    now = now or utcnow()
    due = list(db.session.execute(
        select(ClassSession.id).where(ClassSession.closed_at.is_not(None),
                                      ClassSession.closed_at <= now - timedelta(days=days),
                                      ClassSession.anonymised_at.is_(None))
    ).scalars())
    if not due:
        return 0
    participants = select(SessionParticipant.id).where(SessionParticipant.session_id.in_(due))
    db.session.execute(
        update(SessionParticipant).where(SessionParticipant.session_id.in_(due))
        .values(display_name=ANONYMOUS_NAME).execution_options(synchronize_session=False))
    db.session.execute(
        update(Certificate).where(Certificate.participant_id.in_(participants))
        .values(holder_name=ANONYMOUS_NAME, pdf=None).execution_options(synchronize_session=False))
    db.session.execute(
        update(ClassSession).where(and_(ClassSession.id.in_(due)))
        .values(anonymised_at=now).execution_options(synchronize_session=False))
    record_event("session.purge", target_type="class_session", target_id=None, sessions=len(due),
                 days=days)
    return len(due)
