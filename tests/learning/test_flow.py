"""An official reads lessons, fails, retakes and passes, in both languages."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.learning.models import CourseCompletion
from tests.conftest import csrf_token
from tests.quiz.helpers import quiz_form, read_lessons, start_quiz


@pytest.mark.parametrize("language, words", [
    ("vi", {"course": "Khóa học mẫu", "passed": "Đạt", "failed": "Chưa đạt"}),
    ("en", {"course": "Sample course", "passed": "Passed", "failed": "Not passed"}),
])
def test_read_fail_retake_pass(app, client, make_official, login_as, sample_course, language, words):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    official = make_official("cb001")
    login_as(official)
    catalogue = client.get("/learn/").get_data(as_text=True)
    assert words["course"] in catalogue

    # The quiz stays closed until the required lessons are read.
    course_page = client.get("/learn/sample").get_data(as_text=True)
    assert f'<html lang="{language}">' in course_page
    blocked = client.post("/quiz/sample/start", data={"csrf_token": csrf_token(client, "/learn/sample")})
    assert blocked.location == "/learn/sample"

    lesson = client.get("/learn/sample/lessons/welcome").get_data(as_text=True)
    assert 'href="safety"' in lesson  # the lesson:safety link, made relative
    read_lessons(client, "sample")

    first = start_quiz(client, "sample")
    result = client.post(f"/quiz/attempts/{first}/submit", data=quiz_form(app, client, first, right=1),
                         follow_redirects=True).get_data(as_text=True)
    assert words["failed"] in result
    with app.app_context():
        assert db.session.execute(select(CourseCompletion)).first() is None

    second = start_quiz(client, "sample")
    assert second != first
    result = client.post(f"/quiz/attempts/{second}/submit", data=quiz_form(app, client, second),
                         follow_redirects=True).get_data(as_text=True)
    assert words["passed"] in result and "100" in result

    results = client.get("/learn/results").get_data(as_text=True)
    assert results.count("/quiz/attempts/") == 2
    with app.app_context():
        completion = db.session.execute(select(CourseCompletion)).scalar_one()
        assert completion.percent == 100.0

