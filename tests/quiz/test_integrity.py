"""The quiz integrity rules, each tried the way a cheater, a flaky network or a double click would."""

from __future__ import annotations

import re
import shutil
from datetime import timedelta

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from lms.content.sync import sync_courses
from lms.db import utcnow
from lms.extensions import db
from lms.learning.models import CourseCompletion
from lms.quiz.models import AttemptStatus, QuizAttempt
from lms.quiz.operations import as_learner
from tests.concurrency import all_at_once
from tests.conftest import FIXTURE_COURSES, csrf_token
from tests.quiz.helpers import (
    attempt_by_public_id,
    quiz_form,
    read_lessons,
    start_and_submit_blank,
    start_quiz,
)

VOLATILE = re.compile(r'name="csrf_token" value="[^"]+"|data-now="[^"]+"')  # token, clock


@pytest.fixture
def learner(client, make_official, login_as, sample_course):
    official = make_official("cb001")
    login_as(official)
    read_lessons(client, "sample")
    return official


def test_answer_keys_and_explanations_stay_on_the_server_until_submission(app, client, learner):
    public_id = start_quiz(client, "sample")
    page = client.get(f"/quiz/attempts/{public_id}").get_data(as_text=True)
    with app.app_context():
        attempt = attempt_by_public_id(public_id)
        for item in attempt.items:
            question = item.question_version
            for locale in ("vi", "en"):
                assert str(escape(question.content["explanation"][locale])) not in page
        autosave = client.post(f"/quiz/attempts/{public_id}/save",
                               data=quiz_form(app, client, public_id),
                               headers={"Accept": "application/json"})
    assert autosave.get_json() == {"saved": True}  # nothing about right or wrong
    # Every option is rendered the same way: no attribute tells the right one apart.
    assert set(re.findall(r"data-[a-z-]+", page)) <= {"data-autosave", "data-deadline", "data-now"}

    client.post(f"/quiz/attempts/{public_id}/submit", data=quiz_form(app, client, public_id))
    result = client.get(f"/quiz/attempts/{public_id}/result").get_data(as_text=True)
    with app.app_context():
        explanation = attempt_by_public_id(public_id).items[0].question_version.content["explanation"]
    assert str(escape(explanation["en"])) in result  # the sample course reveals after each attempt


def test_submitting_twice_grades_once(app, client, learner):
    public_id = start_quiz(client, "sample")
    good = quiz_form(app, client, public_id)
    bad = quiz_form(app, client, public_id, right=0)
    first = client.post(f"/quiz/attempts/{public_id}/submit", data=good)
    again = client.post(f"/quiz/attempts/{public_id}/submit", data=bad)  # a retry with other answers
    assert first.status_code == again.status_code == 302
    with app.app_context():
        attempts = list(db.session.execute(select(QuizAttempt)).scalars())
        assert len(attempts) == 1
        assert attempts[0].percent == 100.0  # the second post changed nothing


def test_concurrent_submissions_grade_once(app, client, learner):
    public_id = start_quiz(client, "sample")
    forms = [quiz_form(app, client, public_id, right=n) for n in (0, 5, 2, 5)]
    cookie = client.get_cookie("lms_session").value  # the same signed-in browser, four tabs

    def submit(index: int) -> int:
        tab = app.test_client()
        tab.set_cookie("lms_session", cookie)
        return tab.post(f"/quiz/attempts/{public_id}/submit", data=forms[index]).status_code

    outcomes = all_at_once(submit, len(forms))
    assert outcomes == [302] * 4
    with app.app_context():
        attempt = attempt_by_public_id(public_id)
        assert attempt.status is AttemptStatus.SUBMITTED
        # One submission's answers were graded, whole: the score is one of theirs.
        assert attempt.percent in {0.0, 100.0, 40.0}
        assert all(item.points is not None for item in attempt.items)
        assert db.session.execute(select(func.count()).select_from(QuizAttempt)).scalar_one() == 1


def test_attempt_limit_holds_under_concurrent_starts(app, learner):
    for _round in range(3):  # the sample course allows 3 attempts
        outcomes = all_at_once(
            lambda _index: start_and_submit_blank(app, lambda: as_learner(learner.id)), 6)
        assert not [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    with app.app_context():
        numbers = list(db.session.execute(
            select(QuizAttempt.number).where(QuizAttempt.official_id == learner.id)
            .order_by(QuizAttempt.number)).scalars())
    assert numbers == [1, 2, 3]


def test_no_fourth_attempt_after_three(app, client, learner):
    for _ in range(3):
        public_id = start_quiz(client, "sample")
        client.post(f"/quiz/attempts/{public_id}/submit", data=quiz_form(app, client, public_id, right=0))
    refused = client.post("/quiz/sample/start", data={"csrf_token": csrf_token(client, "/learn/sample")},
                          follow_redirects=True)
    assert "You have used all your attempts for this quiz." in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(QuizAttempt)).scalar_one() == 3


def test_someone_elses_attempt_is_not_found(app, client, learner, make_official, login_as):
    public_id = start_quiz(client, "sample")
    form = quiz_form(app, client, public_id)
    intruder = make_official("cb002")
    login_as(intruder)
    token = csrf_token(client, "/learn/")
    for path in (f"/quiz/attempts/{public_id}", f"/quiz/attempts/{public_id}/result"):
        assert client.get(path).status_code == 404
    form["csrf_token"] = token
    assert client.post(f"/quiz/attempts/{public_id}/submit", data=form).status_code == 404
    assert client.post(f"/quiz/attempts/{public_id}/save", data=form).status_code == 404
    with app.app_context():
        assert attempt_by_public_id(public_id).status is AttemptStatus.IN_PROGRESS
    assert len(public_id) >= 16 and not public_id.isdigit()  # not a guessable sequence


def test_shuffled_order_is_fixed_for_the_attempt(app, client, learner):
    public_id = start_quiz(client, "sample")
    pages = {VOLATILE.sub("", client.get(f"/quiz/attempts/{public_id}").get_data(as_text=True))
             for _ in range(5)}
    assert len(pages) == 1  # same questions, same order, same option order
    # Pressing "start" again resumes the same attempt instead of drawing a new one.
    assert start_quiz(client, "sample") == public_id


def test_time_limit_is_enforced_on_the_server(app, client, learner):
    public_id = start_quiz(client, "sample")
    # Half the questions answered right and saved in time...
    client.post(f"/quiz/attempts/{public_id}/save", data=quiz_form(app, client, public_id, right=2))
    all_right = quiz_form(app, client, public_id)  # the page stays open in the browser
    with app.app_context():
        attempt = attempt_by_public_id(public_id)
        attempt.deadline_at = utcnow() - timedelta(minutes=2)
        db.session.commit()
    # ...then all right, but after the deadline: only what was saved in time counts.
    client.post(f"/quiz/attempts/{public_id}/submit", data=all_right)
    with app.app_context():
        attempt = attempt_by_public_id(public_id)
        assert attempt.late is True
        assert attempt.percent == 40.0
    result = client.get(f"/quiz/attempts/{public_id}/result").get_data(as_text=True)
    assert "only the answers saved in time were counted" in result


def test_an_abandoned_attempt_is_graded_when_its_time_is_up(app, client, learner):
    public_id = start_quiz(client, "sample")
    form = quiz_form(app, client, public_id)
    client.post(f"/quiz/attempts/{public_id}/save", data=form)
    with app.app_context():
        attempt = attempt_by_public_id(public_id)
        attempt.deadline_at = utcnow() - timedelta(minutes=5)
        db.session.commit()
    assert client.get("/learn/sample").status_code == 200
    with app.app_context():
        attempt = attempt_by_public_id(public_id)
        assert attempt.status is AttemptStatus.SUBMITTED and attempt.late
        assert attempt.percent == 100.0
    # No more autosaves are taken for it.
    late_save = client.post(f"/quiz/attempts/{public_id}/save", data=form,
                            headers={"Accept": "application/json"})
    assert late_save.status_code == 409


def test_completion_is_kept_after_a_failed_retake_and_a_content_change(app, client, learner,
                                                                     tmp_path):
    public_id = start_quiz(client, "sample")
    client.post(f"/quiz/attempts/{public_id}/submit", data=quiz_form(app, client, public_id, right=4))
    with app.app_context():
        completion = db.session.execute(select(CourseCompletion)).scalar_one()
        completed_at, first_percent = completion.completed_at, completion.percent
    assert first_percent == 80.0

    retake = start_quiz(client, "sample")
    client.post(f"/quiz/attempts/{retake}/submit", data=quiz_form(app, client, retake, right=0))

    # A new version adds a required lesson: the completion stays as it was.
    changed = tmp_path / "courses"
    shutil.copytree(FIXTURE_COURSES, changed)
    course_file = changed / "sample" / "course.yaml"
    course_file.write_text(course_file.read_text(encoding="utf-8").replace(
        "  - id: glossary\n    required: false", "  - id: glossary\n    required: true"),
        encoding="utf-8")
    with app.app_context():
        assert [r.outcome for r in sync_courses(changed)] == ["new version"]
        completion = db.session.execute(select(CourseCompletion)).scalar_one()
        assert (completion.completed_at, completion.percent) == (completed_at, first_percent)
        assert completion.best_percent == 80.0
    catalogue = client.get("/learn/").get_data(as_text=True)
    assert "Completed on" in catalogue


def test_best_score_is_kept(app, client, learner):
    for right in (4, 5, 3):
        public_id = start_quiz(client, "sample")
        client.post(f"/quiz/attempts/{public_id}/submit",
                    data=quiz_form(app, client, public_id, right=right))
    with app.app_context():
        completion = db.session.execute(select(CourseCompletion)).scalar_one()
        assert completion.percent == 80.0  # the passing score that completed the course
        assert completion.best_percent == 100.0


def test_forged_answers_are_ignored_not_stored(app, client, learner):
    public_id = start_quiz(client, "sample")
    garbage = {"csrf_token": csrf_token(client, f"/quiz/attempts/{public_id}")}
    for position in range(5):
        garbage.update({f"q{position}": "<script>x</script>", f"q{position}-a": "99",
                        f"q{position}-notice": "0", f"q{position}-otp": "nonexistent"})
    response = client.post(f"/quiz/attempts/{public_id}/submit", data=garbage)
    assert response.status_code == 302
    with app.app_context():
        attempt = attempt_by_public_id(public_id)
        assert attempt.percent == 0.0
        assert all(item.response is None for item in attempt.items)
    result = client.get(f"/quiz/attempts/{public_id}/result").get_data(as_text=True)
    assert "<script>x</script>" not in result and "no answer" in result
