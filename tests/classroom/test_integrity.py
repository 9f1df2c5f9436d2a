"""The quiz engine's integrity rules hold for participants as they do for officials."""

from __future__ import annotations

import threading

from sqlalchemy import select

from lms.classroom.models import SessionParticipant
from lms.classroom.operations import ParticipantLearner
from lms.extensions import db
from lms.learning.queries import course_by_slug
from lms.quiz.models import AttemptStatus, QuizAttempt
from lms.quiz.operations import QuizRefused, start_attempt, submit_attempt
from tests.classroom.helpers import (
    answers,
    attempt_id_from,
    create_session,
    join,
    participant_named,
    read_required_lessons,
    session_row,
    start_quiz,
)


def _start_in_thread(app, participant_id: int, results: list, barrier) -> None:
    with app.app_context():
        participant = db.session.get(SessionParticipant, participant_id)
        course = course_by_slug("sample")
        barrier.wait()
        try:
            learner = ParticipantLearner(participant)
            attempt = start_attempt(learner, course)
            submit_attempt(attempt, None, learner=learner)
            results.append(attempt.number)
        except QuizRefused as refused:
            results.append(refused.reason)
        finally:
            db.session.remove()


def test_the_attempt_limit_holds_under_concurrent_starts(app, client, phone, login_as, teacher,
                                                        school_tree, sample_course):
    login_as(teacher)
    code = session_row(app, create_session(client, unit=school_tree["school_a"])).join_code
    lan = phone()
    join(lan, code, "Lan")
    read_required_lessons(lan, code)
    participant = participant_named(app, "Lan")
    for _round in range(4):  # the sample course allows 3 attempts
        results: list = []
        barrier = threading.Barrier(6)
        threads = [threading.Thread(target=_start_in_thread,
                                    args=(app, participant.id, results, barrier))
                   for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    with app.app_context():
        numbers = list(db.session.execute(
            select(QuizAttempt.number).where(QuizAttempt.participant_id == participant.id)
            .order_by(QuizAttempt.number)).scalars())
    assert numbers == [1, 2, 3]


def test_submitting_twice_grades_once_and_answer_keys_stay_hidden(app, client, phone, login_as,
                                                                 teacher, school_tree,
                                                                 sample_course):
    login_as(teacher)
    code = session_row(app, create_session(client, unit=school_tree["school_a"])).join_code
    lan = phone()
    join(lan, code, "Lan")
    read_required_lessons(lan, code)
    public_id = attempt_id_from(start_quiz(lan, code))
    page = lan.get(f"/j/{code}/quiz/{public_id}").get_data(as_text=True)
    with app.app_context():
        attempt = db.session.execute(
            select(QuizAttempt).where(QuizAttempt.public_id == public_id)).scalar_one()
        for item in attempt.items:
            assert item.question_version.content["explanation"]["en"] not in page
    right = answers(app, lan, code, public_id)
    wrong = answers(app, lan, code, public_id, right=0)
    lan.post(f"/j/{code}/quiz/{public_id}/submit", data=right)
    lan.post(f"/j/{code}/quiz/{public_id}/submit", data=wrong)
    with app.app_context():
        attempt = db.session.execute(
            select(QuizAttempt).where(QuizAttempt.public_id == public_id)).scalar_one()
        assert attempt.status is AttemptStatus.SUBMITTED and attempt.percent == 100.0
