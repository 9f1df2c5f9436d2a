"""Helpers that answer a quiz the way a browser would post it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from lms.extensions import db
from lms.learning.queries import course_by_slug
from lms.quiz.models import AttemptItem, QuestionType, QuizAttempt
from lms.quiz.operations import Learner, QuizRefused, start_attempt, submit_attempt
from tests.conftest import csrf_token


def attempt_by_public_id(public_id: str) -> QuizAttempt:
    return db.session.execute(
        select(QuizAttempt).where(QuizAttempt.public_id == public_id)).scalar_one()


def form_fields(item: AttemptItem, response: Any) -> list[tuple[str, str]]:
    """The form fields a learner's browser sends for ``response`` to ``item``."""
    name = f"q{item.position}"
    kind = item.question_version.type
    if response is None:
        return []
    if kind is QuestionType.SINGLE:
        return [(name, response)]
    if kind is QuestionType.TRUE_FALSE:
        return [(name, "true" if response else "false")]
    if kind is QuestionType.MULTIPLE:
        return [(name, value) for value in response]
    if kind is QuestionType.ORDERING:
        return [(f"{name}-{option}", str(rank)) for rank, option in enumerate(response, 1)]
    return [(f"{name}-{key}", value) for key, value in response.items()]


def wrong_response(item: AttemptItem) -> Any:
    """A response that earns nothing."""
    question = item.question_version
    kind, answer, options = question.type, question.answer, item.option_order
    if kind is QuestionType.SINGLE:
        return next(option for option in options if option != answer)
    if kind is QuestionType.TRUE_FALSE:
        return not answer
    if kind is QuestionType.MULTIPLE:
        return [option for option in options if option not in answer]
    if kind is QuestionType.ORDERING:
        shifted = answer[1:] + answer[:1]  # nothing in its right place
        return shifted
    wrong = {}
    for key, right in answer.items():
        wrong[key] = next(option for option in options if option != right)
    return wrong


def quiz_form(app, client, public_id: str, *, right: int | None = None) -> MultiDict:
    """Form data answering the first ``right`` questions correctly (all when None), the rest wrongly."""
    with app.app_context():
        attempt = attempt_by_public_id(public_id)
        fields: list[tuple[str, str]] = []
        for item in attempt.items:
            correct = right is None or item.position < right
            response = item.question_version.answer if correct else wrong_response(item)
            fields.extend(form_fields(item, response))
    return MultiDict([("csrf_token", csrf_token(client, f"/quiz/attempts/{public_id}"))] + fields)


def start_quiz(client, slug: str) -> str:
    response = client.post(f"/quiz/{slug}/start",
                           data={"csrf_token": csrf_token(client, f"/learn/{slug}")})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert "/quiz/attempts/" in response.location, response.location
    return response.location.rsplit("/", 1)[-1]


def read_lessons(client, slug: str, keys=("welcome", "safety")) -> None:
    for key in keys:
        token = csrf_token(client, f"/learn/{slug}/lessons/{key}")
        client.post(f"/learn/{slug}/lessons/{key}/done", data={"csrf_token": token})


def start_and_submit_blank(app, learner_of: Callable[[], Learner]) -> int | str:
    """A new attempt at the sample course, started and submitted blank in an app context of its
    own (for races between threads, see tests.concurrency): its number, or why it was refused."""
    with app.app_context():
        try:
            learner = learner_of()
            attempt = start_attempt(learner, course_by_slug("sample"))
            submit_attempt(attempt, None, learner=learner)
            return attempt.number
        except QuizRefused as refused:
            return refused.reason
        finally:
            db.session.remove()
