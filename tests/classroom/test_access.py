"""Who may open which session pages: a teacher of school A never sees school B's sessions."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms.accounts.models import Role
from lms.classroom.models import ClassSession
from lms.extensions import db
from tests.classroom.helpers import create_session, join, session_row
from tests.conftest import csrf_token


@pytest.fixture
def session_b(app, client, login_as, make_official, school_tree, sample_course):
    school_b = school_tree["school_b"]
    teacher_b = make_official("giaovien.b", unit=school_b, roles=[(Role.FACILITATOR, school_b)])
    login_as(teacher_b)
    session = session_row(app, create_session(client, unit=school_b, title="Buổi của trường B"))
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    return session


PAGES = ("", "/live", "/projector", "/report", "/report.csv", "/report.xlsx")


def test_a_teacher_of_school_a_gets_404_on_school_b_sessions(client, login_as, teacher, session_b):
    login_as(teacher)
    for page in PAGES:
        assert client.get(f"/sessions/{session_b.id}{page}").status_code == 404, page
    token = csrf_token(client, "/sessions/")
    for action in ("next", "close"):
        assert client.post(f"/sessions/{session_b.id}/{action}",
                           data={"csrf_token": token}).status_code == 404
    listing = client.get("/sessions/").get_data(as_text=True)
    assert "Buổi của trường B" not in listing


def test_a_teacher_can_only_create_sessions_for_their_own_units(client, login_as, teacher,
                                                                 school_tree, sample_course):
    login_as(teacher)
    page = client.get("/sessions/new").get_data(as_text=True)
    assert school_tree["school_a"].name_en in page or "Trường THCS An Phú" in page
    assert "Trường Tiểu học An Phú" not in page
    response = client.post("/sessions/new", data={
        "csrf_token": csrf_token(client, "/sessions/new"), "title": "X",
        "unit_id": school_tree["school_b"].id, "course": "sample",
        "starts_at": "2026-11-23T08:30", "place": "P", "audience": "parents",
        "expected_size": 10, "pacing": "self_paced"})
    assert response.status_code == 422


def test_hr_of_the_commune_may_look_but_not_run_the_session(client, login_as, make_official,
                                                           school_tree, session_b):
    hr = make_official("hr.xa", unit=school_tree["commune"],
                       roles=[(Role.HR, school_tree["commune"])])
    login_as(hr)
    assert client.get(f"/sessions/{session_b.id}").status_code == 200
    assert client.get(f"/sessions/{session_b.id}/report.csv").status_code == 200
    assert client.post(f"/sessions/{session_b.id}/close",
                       data={"csrf_token": csrf_token(client, "/sessions/")}).status_code == 403


def test_hr_of_another_commune_gets_404(client, login_as, make_official, school_tree, session_b):
    hr = make_official("hr.khac", unit=school_tree["other_commune"],
                       roles=[(Role.HR, school_tree["other_commune"])])
    login_as(hr)
    assert client.get(f"/sessions/{session_b.id}").status_code == 404


def test_a_plain_learner_has_no_session_pages(client, login_as, make_official, school_tree):
    login_as(make_official(unit=school_tree["school_a"]))
    assert client.get("/sessions/").status_code == 403
    assert client.get("/sessions/new").status_code == 403
    assert "Sessions" not in client.get("/").get_data(as_text=True).split("<main")[0]


def test_facilitators_see_sessions_in_the_menu_and_the_sign_in_page_links_to_joining(
        client, login_as, teacher):
    assert 'href="/j/"' in client.get("/login").get_data(as_text=True)
    login_as(teacher)
    header = client.get("/").get_data(as_text=True).split("<main")[0]
    assert 'href="/sessions/"' in header


def test_guessing_codes_is_refused_but_a_class_on_one_address_joins(app, client, login_as, teacher,
                                                                       school_tree, sample_course,
                                                                       phone):
    login_as(teacher)
    code = session_row(app, create_session(client, unit=school_tree["school_a"])).join_code
    # Forty phones of one classroom share the school Wi-Fi's address: right codes never count.
    for seat in range(40):
        classmate = phone()
        assert classmate.get(f"/j/{code}").status_code == 200
        assert join(classmate, code, name=f"Học sinh {seat}").status_code == 302

    guesser = phone()
    guesser.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    token = csrf_token(guesser, "/j/")
    # Sixty codes that match no session answer "no session", on the page and the form alike ...
    for attempt in range(60):
        wrong = f"W{attempt:05d}".replace("0", "X").replace("1", "Y")
        assert (guesser.get(f"/j/{wrong}") if attempt % 2
                else guesser.post(f"/j/{wrong}/join", data={"csrf_token": token})).status_code == 404
    # ... then that address is refused, even with the right code, until the window passes,
    assert guesser.get("/j/WXXXXX").status_code == 429
    assert guesser.get(f"/j/{code}").status_code == 429
    # while the classroom's address still joins.
    assert join(phone(), code, name="Học sinh muộn").status_code == 302


@pytest.mark.parametrize("ticked", ["welcome", "sample:no-such-lesson", "other-course:welcome"])
def test_a_forged_lesson_choice_is_refused_and_creates_nothing(app, client, login_as, teacher,
                                                                school_tree, sample_course, ticked):
    login_as(teacher)
    response = client.post("/sessions/new", data={
        "csrf_token": csrf_token(client, "/sessions/new"), "title": "Buổi thử",
        "unit_id": school_tree["school_a"].id, "course": "sample", "lessons": ["sample:safety", ticked],
        "starts_at": "2026-11-23T08:30", "place": "Phòng 8A", "audience": "parents",
        "expected_size": 10, "pacing": "self_paced"})
    assert response.status_code == 422
    assert "Tick only lessons of the chosen course." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(ClassSession)).scalar_one() == 0
