from __future__ import annotations

import re
from datetime import UTC, datetime

from freezegun import freeze_time
from sqlalchemy import update

from lms.accounts.models import Official
from lms.extensions import db
from lms.learning.models import Course
from lms.scoring.operations import activate_policy
from tests.conftest import csrf_token
from tests.quiz.helpers import read_lessons
from tests.scoring.conftest import POLICY


def test_catalogue_shows_progress_per_course(client, make_official, login_as, sample_course):
    login_as(make_official("cb001"))
    page = client.get("/learn/").get_data(as_text=True)
    assert "Recommended for you" in page and 'value="0"' in page
    read_lessons(client, "sample", keys=("welcome",))
    page = client.get("/learn/").get_data(as_text=True)
    assert "In progress" in page
    # 1 of 2 required lessons + the quiz = one step of three.
    assert re.search(r'<progress max="100" value="33"', page)


def test_students_see_the_course_among_other_courses(client, make_official, login_as, sample_course):
    from lms.accounts.models import StaffCategory

    login_as(make_official("hs001", staff_category=StaffCategory.HOC_SINH))
    page = client.get("/learn/").get_data(as_text=True)
    assert "Other courses" in page and "Recommended for you" not in page


def test_lesson_page_navigation_and_done_mark(client, make_official, login_as, sample_course):
    login_as(make_official("cb001"))
    page = client.get("/learn/sample/lessons/safety").get_data(as_text=True)
    assert 'rel="prev" href="/learn/sample/lessons/welcome"' in page
    assert 'rel="next" href="/learn/sample/lessons/glossary"' in page
    assert '<img src="../media/images/padlock.svg"' in page
    response = client.post("/learn/sample/lessons/safety/done",
                           data={"csrf_token": csrf_token(client, "/learn/sample/lessons/safety"),
                                 "next": "/learn/sample/lessons/glossary"})
    assert response.location == "/learn/sample/lessons/glossary"
    course = client.get("/learn/sample").get_data(as_text=True)
    assert course.count("Done</span>") == 1
    # JavaScript marks the lesson done when its end is read: same endpoint, JSON answer.
    auto = client.post("/learn/sample/lessons/welcome/done",
                       data={"csrf_token": csrf_token(client, "/learn/sample/lessons/welcome")},
                       headers={"Accept": "application/json"})
    assert auto.get_json() == {"done": True}


def test_media_serves_course_images_only(client, make_official, login_as, sample_course):
    login_as(make_official("cb001"))
    image = client.get("/learn/sample/media/images/padlock.svg")
    assert image.status_code == 200 and image.mimetype == "image/svg+xml"
    assert client.get("/learn/sample/media/course.yaml").status_code == 404
    assert client.get("/learn/sample/media/images/../course.yaml").status_code == 404
    assert client.get("/learn/sample/media/images/%2e%2e/questions.yaml").status_code == 404
    assert client.get("/learn/nope/media/images/padlock.svg").status_code == 404


def test_unknown_course_and_lesson_are_not_found(client, make_official, login_as, sample_course):
    login_as(make_official("cb001"))
    assert client.get("/learn/nope").status_code == 404
    assert client.get("/learn/sample/lessons/nope").status_code == 404
    token = csrf_token(client, "/learn/sample")
    assert client.post("/learn/sample/lessons/nope/done", data={"csrf_token": token}).status_code == 404


def test_mandatory_courses_come_first_with_their_deadline(app, client, make_official, login_as,
                                                          sample_course):
    official = make_official("cb001")
    with app.app_context():
        activate_policy(POLICY)
        january = datetime(2026, 1, 2, tzinfo=UTC)
        db.session.execute(update(Course).values(created_at=january))
        db.session.execute(update(Official).values(created_at=january))
        db.session.commit()
    with freeze_time("2026-05-01 09:00:00"):
        login_as(official)
        page = client.get("/learn/").get_data(as_text=True)
    assert "Mandatory for you this year" in page
    assert "Deadline: 6/30/26" in page
    assert page.index("Mandatory for you this year") < page.index("Sample course")
