"""The quiz engine's integrity rules hold for participants as they do for officials."""

from __future__ import annotations

from sqlalchemy import select

from lms.classroom.models import SessionParticipant
from lms.classroom.operations import ParticipantLearner
from lms.extensions import db
from lms.quiz.models import AttemptStatus, QuizAttempt
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
from tests.concurrency import all_at_once
from tests.quiz.helpers import start_and_submit_blank


def test_the_attempt_limit_holds_under_concurrent_starts(app, client, phone, login_as, teacher,
                                                        school_tree, sample_course):
    login_as(teacher)
    code = session_row(app, create_session(client, unit=school_tree["school_a"])).join_code
    lan = phone()
    join(lan, code, "Lan")
    read_required_lessons(lan, code)
    participant = participant_named(app, "Lan")

    def as_participant() -> ParticipantLearner:
        return ParticipantLearner(db.session.get(SessionParticipant, participant.id))

    for _round in range(4):  # the sample course allows 3 attempts
        outcomes = all_at_once(lambda _index: start_and_submit_blank(app, as_participant), 6)
        assert not [outcome for outcome in outcomes if isinstance(outcome, Exception)]
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
