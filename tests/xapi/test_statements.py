"""Which statements a learner's quiz and course produce, and what they say (and don't)."""

from __future__ import annotations

import json

from sqlalchemy import select, update

from lms.extensions import db
from lms.learning.models import CourseVersion
from lms.xapi.models import XapiStatement
from lms.xapi.statements import ADL_VERBS, ASSESSMENT_TYPE, COURSE_TYPE, INTERACTION_TYPE, duration
from tests.quiz.helpers import attempt_by_public_id, quiz_form, read_lessons, start_quiz


def queued(app) -> list[dict]:
    with app.app_context():
        return [row.payload for row in db.session.execute(
            select(XapiStatement).order_by(XapiStatement.id)).scalars()]


def verbs(statements: list[dict]) -> list[str]:
    return [statement["verb"]["id"].removeprefix(ADL_VERBS) for statement in statements]


def take_quiz(app, client, *, right: int | None = None) -> str:
    public_id = start_quiz(client, "sample")
    response = client.post(f"/quiz/attempts/{public_id}/submit",
                           data=quiz_form(app, client, public_id, right=right))
    assert response.status_code == 302
    return public_id


def test_xapi_is_off_by_default_and_queues_nothing(app, client, learner):
    assert not app.config["XAPI_ENDPOINT"]
    take_quiz(app, client)
    assert client.get("/learn/results").status_code == 200
    assert queued(app) == []


def test_a_passed_quiz_queues_attempted_answered_passed_completed(app, client, platform, learner):
    public_id = take_quiz(app, client)

    statements = queued(app)
    assert verbs(statements) == ["attempted"] + ["answered"] * 5 + ["passed", "completed"]
    attempted, *answered, passed, completed = statements

    quiz_id = platform.activity_id("courses", "sample", "quiz")
    course_id = platform.activity_id("courses", "sample")
    assert attempted["object"]["id"] == passed["object"]["id"] == quiz_id
    assert attempted["object"]["definition"]["type"] == ASSESSMENT_TYPE
    assert completed["object"] == {"objectType": "Activity", "id": course_id, "definition": {
        "type": COURSE_TYPE, "name": {"vi-VN": "Khóa học mẫu", "en-US": "Sample course"}}}
    # One registration ties the statements of the attempt together, under the course.
    registrations = {s["context"]["registration"] for s in [attempted, *answered, passed]}
    assert registrations == {platform.registration(_attempt(app, public_id))}
    assert attempted["context"]["contextActivities"]["parent"] == [
        {"objectType": "Activity", "id": course_id}]
    assert answered[0]["context"]["contextActivities"] == {
        "parent": [{"objectType": "Activity", "id": quiz_id}],
        "grouping": [{"objectType": "Activity", "id": course_id}]}

    assert passed["result"]["success"] is True and passed["result"]["completion"] is True
    assert passed["result"]["score"] == {"scaled": 1.0, "raw": 5.0, "min": 0.0, "max": 5.0}
    assert passed["result"]["duration"].startswith("PT")
    assert all(s["result"]["success"] is True for s in answered)
    assert all(s["object"]["definition"]["type"] == INTERACTION_TYPE for s in answered)
    # The completion points at the statement of the attempt that earned it.
    assert completed["context"]["statement"] == {"objectType": "StatementRef", "id": passed["id"]}
    assert all(s["timestamp"].endswith("Z") for s in statements)


def test_a_failed_quiz_says_failed_with_its_score(app, client, platform, learner):
    take_quiz(app, client, right=1)
    statements = queued(app)
    assert verbs(statements) == ["attempted"] + ["answered"] * 5 + ["failed"]  # no completion
    failed = statements[-1]
    assert failed["result"]["success"] is False
    assert failed["result"]["score"]["scaled"] == 0.2 and failed["result"]["score"]["raw"] == 1.0
    assert [s["result"]["success"] for s in statements[1:-1]] == [True, False, False, False, False]


def test_the_lrs_learns_no_name_login_or_email(app, client, platform, learner):
    take_quiz(app, client)
    text = json.dumps(queued(app), ensure_ascii=False)
    for personal in (learner.full_name, learner.login, "Bình"):
        assert personal not in text
    actors = {json.dumps(s["actor"], sort_keys=True) for s in queued(app)}
    assert actors == {json.dumps({"objectType": "Agent", "account": {
        "homePage": platform.base_url, "name": f"official-{learner.id}"}}, sort_keys=True)}


def test_every_statement_id_is_unique_and_submitting_twice_queues_nothing_more(
        app, client, platform, learner):
    public_id = start_quiz(client, "sample")
    good, bad = quiz_form(app, client, public_id), quiz_form(app, client, public_id, right=0)
    client.post(f"/quiz/attempts/{public_id}/submit", data=good)
    before = queued(app)
    again = client.post(f"/quiz/attempts/{public_id}/submit", data=bad)  # a retry, other answers
    assert again.status_code == 302
    assert queued(app) == before
    assert len({s["id"] for s in before}) == len(before)


def test_a_second_attempt_is_a_new_registration_and_completion_is_said_once(
        app, client, platform, learner):
    take_quiz(app, client)
    take_quiz(app, client, right=4)
    statements = queued(app)
    assert verbs(statements).count("completed") == 1
    assert verbs(statements).count("passed") == 2
    first, second = (s for s in statements if s["verb"]["id"].endswith("/attempted"))
    assert first["context"]["registration"] != second["context"]["registration"]
    assert second["context"]["extensions"][platform.extension("attempt-number")] == 2


def test_completion_earned_by_the_last_lesson_is_recorded_then(app, client, platform,
                                                                make_official, login_as, sample_course):
    with app.app_context():
        db.session.execute(update(CourseVersion).values(require_lessons=False))
        db.session.commit()
    login_as(make_official("cb002"))
    take_quiz(app, client)
    assert "completed" not in verbs(queued(app))  # lessons still missing
    read_lessons(client, "sample")
    assert verbs(queued(app))[-1] == "completed"


def test_unanswered_questions_are_not_reported_as_answered(app, client, platform, learner):
    public_id = start_quiz(client, "sample")
    form = quiz_form(app, client, public_id)
    with app.app_context():
        first = attempt_by_public_id(public_id).items[0]
        skipped = f"q{first.position}"
    for key in [key for key in form if key == skipped or key.startswith(skipped + "-")]:
        form.poplist(key)
    client.post(f"/quiz/attempts/{public_id}/submit", data=form)
    assert verbs(queued(app)).count("answered") == 4


def test_durations_are_iso_8601():
    from datetime import timedelta
    assert duration(timedelta(seconds=3.5)) == "PT3.5S"
    assert duration(timedelta(minutes=5, seconds=3)) == "PT5M3S"
    assert duration(timedelta(hours=1, seconds=0.25)) == "PT1H0.25S"
    assert duration(timedelta(0)) == "PT0S"


def _attempt(app, public_id):
    with app.app_context():
        attempt = attempt_by_public_id(public_id)
        db.session.expunge(attempt)
        return attempt
