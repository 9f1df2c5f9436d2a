"""Reads for school sessions: lookups, the live dashboard and the report (set-based)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Select, case, func, select

from lms.classroom.models import ClassSession, ParticipantLesson, SessionParticipant
from lms.extensions import db
from lms.learning.models import CourseVersion, Lesson
from lms.quiz.models import AttemptItem, AttemptStatus, QuestionVersion, QuizAttempt


def session_lessons(session: ClassSession, version: CourseVersion) -> list[Lesson]:
    """The session's lessons in course order: the chosen ones, or all of them."""
    if not session.lesson_keys:
        return list(version.lessons)
    chosen = set(session.lesson_keys)
    return [lesson for lesson in version.lessons if lesson.key in chosen]


def lessons_to_complete(session: ClassSession, version: CourseVersion) -> list[Lesson]:
    """Lessons a participant must read: every chosen one, or the course's required ones."""
    if session.lesson_keys:
        return session_lessons(session, version)
    return [lesson for lesson in version.lessons if lesson.required]


def open_lessons(session: ClassSession, version: CourseVersion) -> list[Lesson]:
    """What participants may read now: everything when self-paced, else what was opened."""
    lessons = session_lessons(session, version)
    return lessons if not session.is_led else lessons[:session.opened_lessons]


def quiz_is_open(session: ClassSession) -> bool:
    return session.is_open and (not session.is_led or session.quiz_open)


def done_keys(participant_id: int) -> set[str]:
    return set(db.session.execute(
        select(ParticipantLesson.lesson_key).where(ParticipantLesson.participant_id == participant_id)
    ).scalars())


def open_session_by_code(code: str) -> ClassSession | None:
    return db.session.execute(
        select(ClassSession).where(ClassSession.join_code == code, ClassSession.closed_at.is_(None))
    ).scalar_one_or_none()


def participant_by_token(token: str | None) -> SessionParticipant | None:
    if not token:
        return None
    return db.session.execute(
        select(SessionParticipant).where(SessionParticipant.token == token)
    ).scalar_one_or_none()


def participant_by_resume_code(session: ClassSession, code: str) -> SessionParticipant | None:
    return db.session.execute(
        select(SessionParticipant).where(SessionParticipant.session_id == session.id,
                                         SessionParticipant.resume_code == code)
    ).scalar_one_or_none()


def sessions_in_scope(scope: Select[tuple[int]]) -> Select[tuple[ClassSession, int]]:
    """Sessions of the units in scope, newest first, each with its number of participants."""
    joined = (select(func.count()).where(SessionParticipant.session_id == ClassSession.id)
              .correlate(ClassSession).scalar_subquery())
    return (select(ClassSession, joined.label("participants"))
            .where(ClassSession.unit_id.in_(scope))
            .order_by(ClassSession.starts_at.desc(), ClassSession.id.desc()))


@dataclass(frozen=True)
class ParticipantRow:
    id: int
    display_name: str
    group_name: str | None
    joined_at: object
    last_seen_at: object
    lessons_done: int
    attempts: int
    submitted: int
    best_percent: float | None
    passed: bool
    in_quiz: bool
    completed_at: object

    @property
    def completed(self) -> bool:
        return self.completed_at is not None


@dataclass(frozen=True)
class QuestionRow:
    position: int
    question_version_id: int
    content: dict
    answered: int
    correct: int

    @property
    def share_correct(self) -> float | None:
        return self.correct / self.answered if self.answered else None


@dataclass
class SessionFigures:
    """Everything the dashboard and the report show, from a handful of aggregate queries."""

    lessons: list[Lesson]
    participants: list[ParticipantRow]
    questions: list[QuestionRow] = field(default_factory=list)

    @property
    def joined(self) -> int:
        return len(self.participants)

    @property
    def took_quiz(self) -> int:
        return sum(1 for row in self.participants if row.submitted)

    @property
    def passed(self) -> int:
        return sum(1 for row in self.participants if row.passed)

    @property
    def completed(self) -> int:
        return sum(1 for row in self.participants if row.completed)

    @property
    def pass_rate(self) -> float | None:
        """Share of those who submitted the quiz who passed it."""
        return self.passed / self.took_quiz if self.took_quiz else None

    @property
    def completion_rate(self) -> float | None:
        return self.completed / self.joined if self.joined else None

    def attendance_rate(self, expected: int) -> float | None:
        return self.joined / expected if expected else None


def session_figures(session: ClassSession, version: CourseVersion) -> SessionFigures:
    lessons = session_lessons(session, version)
    keys = [lesson.key for lesson in lessons]
    read = (select(ParticipantLesson.participant_id, func.count().label("done"))
            .where(ParticipantLesson.lesson_key.in_(keys))
            .group_by(ParticipantLesson.participant_id).subquery())
    attempts = (
        select(QuizAttempt.participant_id,
               func.count().label("attempts"),
               func.sum(case((QuizAttempt.status == AttemptStatus.SUBMITTED, 1), else_=0))
               .label("submitted"),
               func.sum(case((QuizAttempt.status == AttemptStatus.IN_PROGRESS, 1), else_=0))
               .label("open"),
               func.max(QuizAttempt.percent).label("best"),
               func.max(case((QuizAttempt.passed.is_(True), 1), else_=0)).label("passed"))
        .join(SessionParticipant, SessionParticipant.id == QuizAttempt.participant_id)
        .where(SessionParticipant.session_id == session.id)
        .group_by(QuizAttempt.participant_id).subquery())
    rows = db.session.execute(
        select(SessionParticipant.id, SessionParticipant.display_name,
               SessionParticipant.group_name, SessionParticipant.joined_at,
               SessionParticipant.last_seen_at, SessionParticipant.completed_at,
               func.coalesce(read.c.done, 0).label("done"),
               func.coalesce(attempts.c.attempts, 0).label("attempts"),
               func.coalesce(attempts.c.submitted, 0).label("submitted"),
               func.coalesce(attempts.c.open, 0).label("open"),
               attempts.c.best, func.coalesce(attempts.c.passed, 0).label("passed"))
        .outerjoin(read, read.c.participant_id == SessionParticipant.id)
        .outerjoin(attempts, attempts.c.participant_id == SessionParticipant.id)
        .where(SessionParticipant.session_id == session.id)
        .order_by(SessionParticipant.group_name, SessionParticipant.display_name,
                  SessionParticipant.id)
    ).all()
    participants = [
        ParticipantRow(id=row.id, display_name=row.display_name, group_name=row.group_name,
                       joined_at=row.joined_at, last_seen_at=row.last_seen_at,
                       lessons_done=row.done, attempts=row.attempts, submitted=row.submitted,
                       best_percent=row.best, passed=bool(row.passed), in_quiz=bool(row.open),
                       completed_at=row.completed_at)
        for row in rows
    ]
    return SessionFigures(lessons=lessons, participants=participants,
                          questions=question_analysis(session))


def question_analysis(session: ClassSession) -> list[QuestionRow]:
    """Per question (each wording), how many submitted answers and how many fully right,
    over every submitted attempt of the session, most missed first."""
    rows = db.session.execute(
        select(AttemptItem.question_version_id,
               func.min(AttemptItem.position).label("position"),
               func.count().label("answered"),
               func.sum(case((AttemptItem.points >= AttemptItem.max_points, 1), else_=0))
               .label("correct"))
        .join(QuizAttempt, QuizAttempt.id == AttemptItem.attempt_id)
        .join(SessionParticipant, SessionParticipant.id == QuizAttempt.participant_id)
        .where(SessionParticipant.session_id == session.id,
               QuizAttempt.status == AttemptStatus.SUBMITTED)
        .group_by(AttemptItem.question_version_id)
    ).all()
    contents = dict(db.session.execute(
        select(QuestionVersion.id, QuestionVersion.content)
        .where(QuestionVersion.id.in_([row.question_version_id for row in rows]))
    ).all()) if rows else {}
    questions = [QuestionRow(position=row.position, question_version_id=row.question_version_id,
                             content=contents[row.question_version_id], answered=row.answered,
                             correct=int(row.correct or 0)) for row in rows]
    return sorted(questions, key=lambda q: (q.share_correct if q.share_correct is not None else 1,
                                            q.question_version_id))
