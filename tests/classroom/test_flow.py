"""The whole flow: create → join by code → resume on a second device → paced lessons → quiz →
live dashboard numbers → close → report numbers."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from sqlalchemy import func, select

from lms.classroom import operations
from lms.classroom.models import CODE_ALPHABET, Audience, ClassSession, Pacing, SessionParticipant
from lms.classroom.operations import SessionRefused, close_session, join_session
from lms.db import utcnow
from lms.extensions import db
from lms.learning.queries import course_by_slug
from lms.org.models import OrgUnit
from lms.quiz.models import QuizAttempt
from lms.xapi.models import XapiStatement
from tests.classroom.helpers import (
    answers,
    attempt_id_from,
    create_session,
    join,
    participant_named,
    pass_quiz,
    read_lesson,
    read_required_lessons,
    resume_code_on,
    session_row,
    start_quiz,
)
from tests.conftest import csrf_token


@pytest.fixture
def led_session(app, client, login_as, teacher, school_tree, sample_course):
    login_as(teacher)
    session_id = create_session(client, unit=school_tree["school_a"], pacing="led",
                                lessons=("welcome", "safety"), audience="parents")
    return session_row(app, session_id)


def test_a_new_session_gets_a_code_that_reads_aloud_and_a_projector_page(client, led_session):
    code = led_session.join_code
    assert len(code) == 6 and set(code) <= set(CODE_ALPHABET)
    assert not set(code) & set("01OILU")
    page = client.get(f"/sessions/{led_session.id}").get_data(as_text=True)
    assert code in page and "/j/" + code in page
    projector = client.get(f"/sessions/{led_session.id}/projector")
    assert projector.status_code == 200
    text = projector.get_data(as_text=True)
    assert "<svg" in text and code in text
    assert "<script" not in text.split("</header>")[1]


def test_the_whole_session_from_joining_to_the_report(app, client, phone, led_session):
    code = led_session.join_code
    lan, binh = phone(), phone()

    # The short address takes the code in any case, with spaces.
    assert lan.get(f"/j/?code={code[:3].lower()} {code[3:]}").location.endswith(f"/j/{code}")
    joined = join(lan, code, "Lan", "Thôn 1")
    assert joined.status_code == 302 and joined.location.endswith(f"/j/{code}/me")
    join(binh, code, "Bình", "Thôn 2")
    # Same phone later: the code leads straight back to her own page.
    assert lan.get(f"/j/{code}").location.endswith(f"/j/{code}/me")
    home = lan.get(f"/j/{code}/me").get_data(as_text=True)
    resume = resume_code_on(home)

    # Paced: nothing is open until the facilitator opens it.
    assert "not open yet" in home
    assert lan.get(f"/j/{code}/lessons/welcome").status_code == 404
    assert start_quiz(lan, code).location.endswith(f"/j/{code}/me")
    for _step in range(2):
        client.post(f"/sessions/{led_session.id}/next",
                    data={"csrf_token": csrf_token(client, f"/sessions/{led_session.id}")})
    assert lan.get(f"/j/{code}/lessons/welcome").status_code == 200
    assert read_lesson(lan, code, "welcome").location.endswith(f"/j/{code}/lessons/safety")

    # Lan's phone runs out of battery: she continues on a friend's phone with her code.
    second = phone()
    assert second.get(f"/j/{code}/me").location.endswith(f"/j/{code}")
    token = csrf_token(second, f"/j/{code}")
    resumed = second.post(f"/j/{code}/resume", data={"csrf_token": token, "resume_code": resume.lower()})
    assert resumed.status_code == 302 and resumed.location.endswith(f"/j/{code}/me")
    read_lesson(second, code, "safety")
    # The quiz stays shut until the facilitator opens it.
    refused = start_quiz(second, code)
    assert refused.location.endswith(f"/j/{code}/me")
    assert "has not opened the quiz yet" in second.get(f"/j/{code}/me").get_data(as_text=True)
    client.post(f"/sessions/{led_session.id}/next",
                data={"csrf_token": csrf_token(client, f"/sessions/{led_session.id}")})

    public_id = attempt_id_from(start_quiz(second, code))
    page = second.get(f"/j/{code}/quiz/{public_id}").get_data(as_text=True)
    assert "Submit my answers" in page
    submitted = second.post(f"/j/{code}/quiz/{public_id}/submit",
                            data=answers(app, second, code, public_id))
    assert submitted.location.endswith(f"/j/{code}/quiz/{public_id}/result")
    result = second.get(submitted.location).get_data(as_text=True)
    assert "100%" in result and "Passed" in result and "You completed this session" in result
    home = second.get(f"/j/{code}/me").get_data(as_text=True)
    assert "Download my certificate" in home

    # Bình reads both lessons and fails the quiz (1 of 5 right).
    read_lesson(binh, code, "welcome")
    read_lesson(binh, code, "safety")
    bid = attempt_id_from(start_quiz(binh, code))
    binh.post(f"/j/{code}/quiz/{bid}/submit", data=answers(app, binh, code, bid, right=1))

    # The live dashboard (and its fragment) count what happened.
    live = client.get(f"/sessions/{led_session.id}/live").get_data(as_text=True)
    assert "Lan" in live and "Bình" in live
    assert '<span class="stat-value">2</span> <span class="stat-label">joined of 30 expected' in live
    assert '<span class="stat-value">1</span> <span class="stat-label">passed' in live
    assert "Questions, most missed first" in live and "50%" in live

    # Close: the report's numbers.
    closed = client.post(f"/sessions/{led_session.id}/close",
                         data={"csrf_token": csrf_token(client, f"/sessions/{led_session.id}")})
    assert closed.location.endswith(f"/sessions/{led_session.id}/report")
    report = client.get(closed.location).get_data(as_text=True)
    assert "2 joined of 30 expected" in report
    assert "1 of 2 who took the quiz" in report
    assert "1 of 2" in report

    raw = client.get(f"/sessions/{led_session.id}/report.csv")
    assert raw.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.data.decode("utf-8-sig"), newline="")))
    summary = {row[0]: row[1] for row in rows if len(row) == 2}
    assert summary["Joined"] == "2" and summary["Passed"] == "1"
    assert summary["Pass rate (passed / took the quiz)"] == "0.5"
    assert b"\r\n" in raw.data

    book = openpyxl.load_workbook(io.BytesIO(
        client.get(f"/sessions/{led_session.id}/report.xlsx").data))
    assert book.sheetnames == ["Summary", "Participants", "Questions"]
    values = {row[0]: row[1] for row in book["Summary"].iter_rows(values_only=True)}
    assert values["Joined"] == 2 and values["Pass rate (passed / took the quiz)"] == 0.5
    people = list(book["Participants"].iter_rows(values_only=True))
    assert people[0][0] == "Name"
    lan_row = next(row for row in people if row[0] == "Lan")
    assert lan_row[2] == 2 and lan_row[5] == 100 and lan_row[6] is True and lan_row[7] is True
    shares = [row[3] for row in list(book["Questions"].iter_rows(values_only=True))[1:]]
    assert shares and all(isinstance(share, (int, float)) and 0 <= share <= 1 for share in shares)


def test_a_closed_session_refuses_joins_answers_and_submissions(app, client, phone, led_session):
    code = led_session.join_code
    lan = phone()
    join(lan, code, "Lan")
    for _step in range(3):
        client.post(f"/sessions/{led_session.id}/next",
                    data={"csrf_token": csrf_token(client, f"/sessions/{led_session.id}")})
    read_lesson(lan, code, "welcome")
    read_lesson(lan, code, "safety")
    public_id = attempt_id_from(start_quiz(lan, code))
    form = answers(app, lan, code, public_id)
    late_comer = phone()
    late_token = csrf_token(late_comer, f"/j/{code}")

    client.post(f"/sessions/{led_session.id}/close",
                data={"csrf_token": csrf_token(client, f"/sessions/{led_session.id}")})

    refused = late_comer.post(f"/j/{code}/join", data={"csrf_token": late_token,
                                                       "display_name": "Muộn"})
    # Refused, and told why: the code was right, the session is over.
    assert refused.status_code == 404
    assert "is closed: nobody can join it any more" in refused.get_data(as_text=True)
    again = late_comer.get(f"/j/{code}")
    assert again.status_code == 404 and "Session closed" in again.get_data(as_text=True)
    unknown = late_comer.get("/j/ZZZZZZ")
    assert unknown.status_code == 404 and "No open session has the code" in unknown.get_data(as_text=True)
    saved = lan.post(f"/j/{code}/quiz/{public_id}/save", data=form,
                     headers={"Accept": "application/json"})
    assert saved.status_code == 409 and saved.get_json()["reason"] == "session_closed"
    lan.post(f"/j/{code}/quiz/{public_id}/submit", data=form)
    assert "This session is closed" in lan.get(f"/j/{code}/me").get_data(as_text=True)
    with app.app_context():
        attempt = db.session.execute(
            select(QuizAttempt).where(QuizAttempt.public_id == public_id)).scalar_one()
        # Closing graded the open attempt on what was saved (nothing): the late answers did not count.
        assert attempt.points == 0 and attempt.passed is False
        assert db.session.execute(select(func.count()).select_from(SessionParticipant)).scalar_one() == 1


def test_the_operations_refuse_after_closing_too(app, led_session, teacher):
    with app.app_context():
        session = db.session.get(ClassSession, led_session.id)
        close_session(session, by=None)
        with pytest.raises(SessionRefused):
            join_session(session, display_name="X", group_name=None)


def test_students_are_asked_for_a_first_name_only(app, client, phone, login_as, teacher,
                                                  school_tree, sample_course):
    login_as(teacher)
    session = session_row(app, create_session(client, unit=school_tree["school_a"],
                                              audience="students"))
    page = phone().get(f"/j/{session.join_code}").get_data(as_text=True)
    assert "Your first name is enough." in page
    assert 'name="display_name"' in page and 'name="group_name"' not in page
    for asked in ("mail", "password", "Password", "ID number"):
        assert asked not in page.split("<main")[1]
    join(phone(), session.join_code, "Nam", group="8A")  # a crafted form: still not stored
    assert participant_named(app, "Nam").group_name is None


def test_a_participant_cannot_see_anothers_attempt(app, client, phone, login_as, teacher,
                                                   school_tree, sample_course):
    login_as(teacher)
    session = session_row(app, create_session(client, unit=school_tree["school_a"]))
    code = session.join_code
    lan, binh = phone(), phone()
    join(lan, code, "Lan")
    join(binh, code, "Bình")
    read_required_lessons(lan, code)
    public_id = pass_quiz(app, lan, code)

    for path in (f"/j/{code}/quiz/{public_id}", f"/j/{code}/quiz/{public_id}/result"):
        assert binh.get(path).status_code == 404
    token = csrf_token(binh, f"/j/{code}/me")
    assert binh.post(f"/j/{code}/quiz/{public_id}/submit", data={"csrf_token": token}).status_code == 404
    # Nor can an official reach it through the officials' quiz pages.
    assert client.get(f"/quiz/attempts/{public_id}/result").status_code == 404
    # Nor somebody without the participant's token, nor one of another session.
    assert phone().get(f"/j/{code}/quiz/{public_id}/result").status_code == 302
    assert binh.get(f"/j/{code}/certificate.pdf").status_code == 404


def test_a_session_of_chosen_lessons_completes_without_the_others(app, client, phone, login_as,
                                                                  teacher, school_tree,
                                                                  sample_course):
    login_as(teacher)
    session = session_row(app, create_session(client, unit=school_tree["school_a"],
                                              lessons=("safety",)))
    code = session.join_code
    lan = phone()
    join(lan, code, "Lan")
    assert lan.get(f"/j/{code}/lessons/welcome").status_code == 404
    read_lesson(lan, code, "safety")
    pass_quiz(app, lan, code)
    assert participant_named(app, "Lan").completed_at is not None


def test_participants_leave_no_xapi_statements(app, client, phone, login_as, teacher,
                                               school_tree, sample_course):
    app.config.update(XAPI_ENDPOINT="https://lrs.example.org/xapi",
                      XAPI_BASE_URL="https://lms.example.org")
    login_as(teacher)
    code = session_row(app, create_session(client, unit=school_tree["school_a"])).join_code
    lan = phone()
    join(lan, code, "Lan")
    read_required_lessons(lan, code)
    pass_quiz(app, lan, code)
    with app.app_context():
        assert participant_named(app, "Lan").completed_at is not None
        assert db.session.execute(select(func.count()).select_from(XapiStatement)).scalar_one() == 0


def test_a_join_code_is_drawn_again_when_an_open_session_holds_it(app, teacher, school_tree,
                                                                  sample_course, monkeypatch):
    draws = iter(["ABCDEF", "ABCDEF", "GHJKMN"])
    monkeypatch.setattr(operations, "new_code", lambda length: next(draws))
    with app.app_context():
        details = dict(unit=db.session.get(OrgUnit, school_tree["school_a"].id),
                       course=course_by_slug("sample"), title="T", lesson_keys=None,
                       starts_at=utcnow(), place="P", audience=Audience.RESIDENTS,
                       expected_size=10, pacing=Pacing.SELF_PACED, by=None)
        first = operations.create_session(**details)
        second = operations.create_session(**details)
        db.session.commit()
        assert (first.join_code, second.join_code) == ("ABCDEF", "GHJKMN")


def test_a_waiting_phone_learns_that_the_next_step_is_open(client, phone, led_session):
    code = led_session.join_code
    lan = phone()
    join(lan, code, "Lan")
    home = lan.get(f"/j/{code}/me").get_data(as_text=True)
    assert f'data-state-url="/j/{code}/state"' in home and "session-wait.js" in home
    before = lan.get(f"/j/{code}/state").get_json()["state"]
    assert f'data-state="{before}"' in home
    client.post(f"/sessions/{led_session.id}/next",
                data={"csrf_token": csrf_token(client, f"/sessions/{led_session.id}")})
    assert lan.get(f"/j/{code}/state").get_json()["state"] != before
    assert phone().get(f"/j/{code}/state").status_code == 404


@pytest.mark.parametrize(("name", "message"), [("   ", "Enter the name to show."),
                                               ("Lan" * 30, "Field cannot be longer than 80 characters.")])
def test_a_join_without_a_usable_name_is_refused_and_writes_nothing(app, phone, led_session, name,
                                                                    message):
    response = join(phone(), led_session.join_code, name)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(
            select(func.count()).select_from(SessionParticipant)).scalar_one() == 0
