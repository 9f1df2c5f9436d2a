from __future__ import annotations

import shutil

import pytest
from sqlalchemy import func, select

from lms.content.sync import SyncRefused, sync_courses
from lms.extensions import db
from lms.learning.models import Course, CourseVersion
from lms.quiz.models import QuestionVersion
from tests.conftest import FIXTURE_COURSES
from tests.quiz.helpers import attempt_by_public_id, read_lessons, start_quiz


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.fixture
def courses(tmp_path):
    target = tmp_path / "courses"
    shutil.copytree(FIXTURE_COURSES, target)
    return target


def test_sync_is_idempotent(app, courses):
    with app.app_context():
        assert [r.outcome for r in sync_courses(courses)] == ["added"]
        snapshot = (count(Course), count(CourseVersion), count(QuestionVersion))
        assert [r.outcome for r in sync_courses(courses)] == ["unchanged"]
        assert (count(Course), count(CourseVersion), count(QuestionVersion)) == snapshot


def test_editing_a_question_keeps_what_earlier_attempts_showed(app, client, courses, make_official,
                                                              login_as):
    with app.app_context():
        sync_courses(courses)
    login_as(make_official("cb001"))
    read_lessons(client, "sample")
    public_id = start_quiz(client, "sample")
    with app.app_context():
        shown = {item.question_version_id: item.question_version.content["text"]["en"]
                 for item in attempt_by_public_id(public_id).items}

    questions = courses / "sample" / "questions.yaml"
    text = questions.read_text(encoding="utf-8")
    questions.write_text(text.replace("    en: ", "    en: (edited) ", 1), encoding="utf-8")
    with app.app_context():
        assert [r.outcome for r in sync_courses(courses)] == ["new version"]
        assert count(CourseVersion) == 2
        assert count(QuestionVersion) == 7  # one new wording, the old one kept
        attempt = attempt_by_public_id(public_id)
        assert {item.question_version_id: item.question_version.content["text"]["en"]
                for item in attempt.items} == shown

    # Going back to the old files makes the old version current again: no duplicate.
    questions.write_text(text, encoding="utf-8")
    with app.app_context():
        assert [r.outcome for r in sync_courses(courses)] == ["restored"]
        assert count(CourseVersion) == 2


def test_a_broken_course_loads_nothing(app, courses):
    shutil.copytree(courses / "sample", courses / "second")
    second = courses / "second" / "course.yaml"
    second.write_text(second.read_text(encoding="utf-8").replace("slug: sample", "slug: second")
                      .replace("pass_mark: 60", "pass_mark: 160"), encoding="utf-8")
    with app.app_context():
        with pytest.raises(SyncRefused) as refused:
            sync_courses(courses)
        # Outside a request, problems read in the default language.
        assert any("điểm đạt 160 nằm ngoài khoảng cho phép" in str(problem)
                   for problem in refused.value.problems)
        assert count(Course) == 0  # the valid course was not loaded either


def test_init_loads_the_courses_folder(app, runner):
    result = runner.invoke(args=["init", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "Course sample: added" in result.output
    again = runner.invoke(args=["init", "--lang", "en"])
    assert "Course sample: unchanged" in again.output
