"""Benchmark: 200 participants join a session and submit its quiz from their own phones,
against the same number of requests to a trivial endpoint (``/healthz``, one ``SELECT 1``).

Run on demand (tests/bench is not part of the normal suite):

    .venv/bin/pytest tests/bench/test_session_load.py -s
    LMS_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/lms_bench_sessions \\
      .venv/bin/pytest tests/bench/test_session_load.py -s

Each participant makes the requests a phone makes: the join page, the join form, the session
page, one lesson marked read, the quiz started, the quiz page, the submission and the result
(8 requests). ``LMS_BENCH_PHONES`` (default 20) requests run at once, like phones on one
Wi-Fi. The floor sends the same number of requests, with the same concurrency, to
``/healthz``. Figures go in docs/benchmarks.md.
"""

from __future__ import annotations

import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from lms import create_app
from lms.classroom.models import Audience, Pacing, SessionParticipant
from lms.classroom.operations import create_session
from lms.content.sync import sync_courses
from lms.db import MIGRATIONS_DIR, utcnow
from lms.extensions import db
from lms.learning.queries import course_by_slug
from lms.org.models import UnitKind
from lms.org.operations import create_unit
from lms.quiz.models import AttemptStatus, QuizAttempt
from tests.bench.databases import fresh_database
from tests.conftest import FIXTURE_COURSES
from tests.quiz.helpers import attempt_by_public_id, form_fields

pytestmark = pytest.mark.bench

PARTICIPANTS = int(os.environ.get("LMS_BENCH_PARTICIPANTS", "200"))
CONCURRENCY = int(os.environ.get("LMS_BENCH_PHONES", "20"))
DATABASE_URL = os.environ.get("LMS_BENCH_DATABASE_URL")
REQUESTS_EACH = 8
TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def _token(response) -> str:
    return TOKEN.search(response.get_data(as_text=True)).group(1)


def _phone(app, code: str, number: int) -> None:
    phone = app.test_client()
    token = _token(phone.get(f"/j/{code}"))
    joined = phone.post(f"/j/{code}/join", data={"csrf_token": token,
                                                  "display_name": f"Người {number}",
                                                  "group_name": f"Lớp {number % 5 + 6}A"})
    assert joined.status_code == 302, joined.status_code
    token = _token(phone.get(f"/j/{code}/me"))
    phone.post(f"/j/{code}/lessons/welcome/done", data={"csrf_token": token})
    started = phone.post(f"/j/{code}/quiz/start", data={"csrf_token": token})
    public_id = started.location.rsplit("/", 1)[-1]
    page = phone.get(started.location)
    assert page.status_code == 200
    with app.app_context():
        attempt = attempt_by_public_id(public_id)
        fields = [field for item in attempt.items
                  for field in form_fields(item, item.question_version.answer)]
        db.session.remove()
    submitted = phone.post(f"/j/{code}/quiz/{public_id}/submit",
                           data=MultiDict([("csrf_token", _token(page))] + fields))
    assert submitted.location.endswith("/result"), submitted.location
    assert phone.get(submitted.location).status_code == 200


def _floor(app) -> None:
    client = app.test_client()
    for _ in range(REQUESTS_EACH):
        assert client.get("/healthz").status_code == 200


def _timed_pool(work, count: int) -> float:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        for future in [pool.submit(work, number) for number in range(count)]:
            future.result()
    return time.perf_counter() - started


def test_two_hundred_participants_join_and_submit(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": fresh_database(DATABASE_URL, tmp_path, "sessions-bench"),
                      "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "bench",
                      "SESSION_COOKIE_SECURE": False, "COURSES_PATH": str(FIXTURE_COURSES)})
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR)
        sync_courses(FIXTURE_COURSES)
        province = create_unit(code="BL", name_vi="Tỉnh Bến Lâm", name_en="Ben Lam Province",
                               kind=UnitKind.PROVINCE, parent=None)
        school = create_unit(code="BL-T1", name_vi="Trường THCS Bến Lâm",
                             name_en="Ben Lam Lower Secondary School", kind=UnitKind.SCHOOL,
                             parent=province)
        session = create_session(
            unit=school, course=course_by_slug("sample"), title="Bench", lesson_keys=["welcome"],
            starts_at=utcnow() - timedelta(minutes=5), place="Hội trường",
            audience=Audience.RESIDENTS, expected_size=PARTICIPANTS, pacing=Pacing.SELF_PACED,
            by=None)
        db.session.commit()
        code = session.join_code
        db.session.remove()

    floor = _timed_pool(lambda _number: _floor(app), PARTICIPANTS)
    sessions = _timed_pool(lambda number: _phone(app, code, number), PARTICIPANTS)

    with app.app_context():
        joined = db.session.execute(select(func.count()).select_from(SessionParticipant)).scalar_one()
        passed = db.session.execute(select(func.count()).select_from(QuizAttempt).where(
            QuizAttempt.status == AttemptStatus.SUBMITTED, QuizAttempt.passed.is_(True))).scalar_one()
        db.session.remove()
        db.engine.dispose()
    assert joined == PARTICIPANTS and passed == PARTICIPANTS
    requests = PARTICIPANTS * REQUESTS_EACH
    dialect = "PostgreSQL" if DATABASE_URL else "SQLite"
    print(f"\nSession load, {PARTICIPANTS} participants, {CONCURRENCY} at once, {dialect}")
    print(f"  floor: {requests} requests to /healthz: {floor:6.2f} s "
          f"({requests / floor:6.0f} requests/s)")
    print(f"  join, lesson, quiz, submit, result ({requests} requests): {sessions:6.2f} s "
          f"({requests / sessions:6.0f} requests/s)  ratio {sessions / floor:5.1f}x")
    print(f"  per participant: {sessions / PARTICIPANTS * 1000:6.1f} ms of the run")
