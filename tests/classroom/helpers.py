"""Helpers that act as a facilitator or a participant's phone, the way a browser would."""

from __future__ import annotations

import re

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from lms.classroom.models import ClassSession, SessionParticipant
from lms.extensions import db
from tests.conftest import csrf_token
from tests.quiz.helpers import attempt_by_public_id, form_fields, wrong_response

# The sample course's required lessons (its third, "glossary", is optional).
REQUIRED_LESSONS = ("welcome", "safety")


def create_session(client, *, unit, title="Kỹ năng số cho phụ huynh", course="sample",
                   lessons=(), audience="parents", pacing="self_paced", expected=30) -> int:
    data = MultiDict({
        "csrf_token": csrf_token(client, "/sessions/new"), "title": title, "unit_id": unit.id,
        "course": course, "starts_at": "2026-11-23T08:30", "place": "Phòng 8A",
        "audience": audience, "expected_size": expected, "pacing": pacing,
    })
    for key in lessons:
        data.add("lessons", f"{course}:{key}")
    response = client.post("/sessions/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(response.location.rstrip("/").rsplit("/", 1)[-1])


def session_row(app, session_id: int) -> ClassSession:
    with app.app_context():
        session = db.session.get(ClassSession, session_id)
        db.session.expunge(session)
        return session


def join(client, code: str, name: str = "Lan", group: str | None = "8A"):
    token = csrf_token(client, f"/j/{code}")
    return client.post(f"/j/{code}/join", data={"csrf_token": token, "display_name": name,
                                                "group_name": group or ""})


def participant_named(app, name: str) -> SessionParticipant:
    with app.app_context():
        participant = db.session.execute(
            select(SessionParticipant).where(SessionParticipant.display_name == name)).scalar_one()
        db.session.expunge(participant)
        return participant


def read_lesson(client, code: str, key: str):
    token = csrf_token(client, f"/j/{code}/lessons/{key}")
    return client.post(f"/j/{code}/lessons/{key}/done", data={"csrf_token": token})


def start_quiz(client, code: str):
    return client.post(f"/j/{code}/quiz/start", data={"csrf_token": csrf_token(client, f"/j/{code}/me")})


def read_required_lessons(client, code: str) -> None:
    for key in REQUIRED_LESSONS:
        read_lesson(client, code, key)


def pass_quiz(app, client, code: str) -> str:
    """Start the session's quiz and submit every answer right; the attempt's public id."""
    public_id = attempt_id_from(start_quiz(client, code))
    client.post(f"/j/{code}/quiz/{public_id}/submit", data=answers(app, client, code, public_id))
    return public_id


def attempt_id_from(response) -> str:
    assert response.status_code == 302, response.status_code
    assert "/quiz/" in response.location, response.location
    return response.location.rstrip("/").rsplit("/", 1)[-1]


def answers(app, client, code: str, public_id: str, *, right: int | None = None) -> MultiDict:
    """Form data answering the first ``right`` questions correctly (all when None)."""
    with app.app_context():
        attempt = attempt_by_public_id(public_id)
        fields: list[tuple[str, str]] = []
        for item in attempt.items:
            correct = right is None or item.position < right
            fields.extend(form_fields(item, item.question_version.answer if correct
                                      else wrong_response(item)))
    return MultiDict([("csrf_token", csrf_token(client, f"/j/{code}/me"))] + fields)


RESUME_CODE = re.compile(r"Your personal code is ([A-Z0-9]{6})")


def resume_code_on(page: str) -> str:
    match = RESUME_CODE.search(page)
    assert match, page[:3000]
    return match.group(1)
