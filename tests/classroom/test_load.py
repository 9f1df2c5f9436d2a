"""Forty phones join within the same moment, then submit the quiz within the same moment:
every one succeeds (SQLite with WAL and a busy timeout; PostgreSQL when configured)."""

from __future__ import annotations

from sqlalchemy import func, select

from lms.classroom.models import SessionParticipant
from lms.extensions import db
from lms.quiz.models import AttemptStatus, QuizAttempt
from tests.classroom.helpers import (
    answers,
    attempt_id_from,
    create_session,
    read_lesson,
    session_row,
    start_quiz,
)
from tests.concurrency import all_at_once
from tests.conftest import csrf_token

PHONES = 40


def test_forty_phones_join_and_submit_at_the_same_time(app, client, phone, login_as, teacher,
                                                       school_tree, sample_course):
    login_as(teacher)
    code = session_row(app, create_session(client, unit=school_tree["school_a"],
                                           lessons=("welcome",), expected=PHONES)).join_code
    phones = [phone() for _ in range(PHONES)]
    tokens = [csrf_token(device, f"/j/{code}") for device in phones]

    def join(index: int) -> int:
        return phones[index].post(f"/j/{code}/join", data={
            "csrf_token": tokens[index], "display_name": f"Người {index}", "group_name": "Thôn 3",
        }).status_code

    assert all_at_once(join, PHONES) == [302] * PHONES

    attempts = []
    for device in phones:
        read_lesson(device, code, "welcome")
        public_id = attempt_id_from(start_quiz(device, code))
        attempts.append((public_id, answers(app, device, code, public_id)))

    def submit(index: int) -> str:
        public_id, form = attempts[index]
        return phones[index].post(f"/j/{code}/quiz/{public_id}/submit", data=form).location

    locations = all_at_once(submit, PHONES)
    assert all(isinstance(location, str) and location.endswith("/result")
               for location in locations), locations

    with app.app_context():
        assert db.session.execute(
            select(func.count()).select_from(SessionParticipant)).scalar_one() == PHONES
        graded = db.session.execute(
            select(func.count()).select_from(QuizAttempt)
            .where(QuizAttempt.status == AttemptStatus.SUBMITTED, QuizAttempt.passed.is_(True))
        ).scalar_one()
        assert graded == PHONES
        completed = db.session.execute(
            select(func.count()).select_from(SessionParticipant)
            .where(SessionParticipant.completed_at.is_not(None))).scalar_one()
        assert completed == PHONES
