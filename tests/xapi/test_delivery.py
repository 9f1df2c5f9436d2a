"""Delivery to a real LRS (Ralph, started by the tests): accepted, refused, down, back."""

from __future__ import annotations

import os
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, text, update

from lms.db import utcnow
from lms.extensions import db
from lms.learning.models import CourseVersion
from lms.xapi.delivery import LrsClient, retry_delay, run_sender
from lms.xapi.models import XapiStatement
from tests.quiz.helpers import quiz_form, start_quiz
from tests.xapi.lrs import Lrs


def take_quiz(app, client, *, right: int | None = None) -> str:
    public_id = start_quiz(client, "sample")
    response = client.post(f"/quiz/attempts/{public_id}/submit",
                           data=quiz_form(app, client, public_id, right=right))
    assert response.status_code == 302
    assert client.get(response.location).status_code == 200  # the learner sees the result
    return public_id


def outbox(app) -> list[XapiStatement]:
    with app.app_context():
        rows = list(db.session.execute(select(XapiStatement).order_by(XapiStatement.id)).scalars())
        db.session.expunge_all()
        return rows


def ours(lrs: Lrs, platform) -> list[dict]:
    """What the LRS returns for this test's platform (the LRS is shared by the session)."""
    return [s for s in lrs.statements() if s["actor"]["account"]["homePage"] == platform.base_url]


def send(runner, *args: str, lang: str = "en"):
    return runner.invoke(args=["xapi", "send", "--lang", lang, *args])


def test_the_lrs_accepts_the_statements_and_returns_them(app, client, runner, lrs, platform,
                                                         learner):
    take_quiz(app, client)
    take_quiz(app, client, right=1)
    queued = outbox(app)
    assert len(queued) == 15  # 8 for the passed attempt, 7 for the failed one

    result = send(runner)
    assert result.exit_code == 0, result.output
    assert "15 delivered" in result.output
    assert all(row.sent_at is not None and row.attempts == 1 and row.last_error is None
               for row in outbox(app))

    stored = {s["id"]: s for s in ours(lrs, platform)}
    assert set(stored) == {row.statement_id for row in queued}
    for row in queued:
        mine, theirs = row.payload, stored[row.statement_id]
        assert theirs["verb"]["id"] == mine["verb"]["id"]
        assert theirs["object"]["id"] == mine["object"]["id"]
        assert theirs.get("result") == mine.get("result")
    verbs = sorted(s["verb"]["display"]["en-US"] for s in stored.values())
    assert verbs.count("failed") == verbs.count("passed") == verbs.count("completed") == 1

    again = send(runner, "--now")
    assert "0 delivered" in again.output
    assert len(ours(lrs, platform)) == 15


def test_every_question_type_is_valid_xapi(app, client, runner, lrs, platform, learner):
    with app.app_context():  # draw the whole bank: every question type, right and wrong
        db.session.execute(update(CourseVersion).values(draw_count=100))
        db.session.commit()
    take_quiz(app, client, right=3)
    assert send(runner).exit_code == 0
    interactions = {s["object"]["definition"]["interactionType"] for s in ours(lrs, platform)
                    if s["verb"]["id"].endswith("/answered")}
    assert interactions == {"choice", "true-false", "sequencing", "matching"}


def test_lrs_outage_keeps_statements_queued_then_delivers_each_once(
        app, client, runner, platform, learner, tmp_path):
    lrs = Lrs(tmp_path / "lrs")  # an LRS of its own: this test takes it down
    app.config.update(lrs.settings)
    take_quiz(app, client)  # the LRS is not running: the learner notices nothing
    queued = outbox(app)
    assert len(queued) == 8

    down = send(runner)
    assert down.exit_code == 1
    assert "cannot take statements now" in down.output
    before = utcnow()
    for row in outbox(app):
        assert row.sent_at is None and row.attempts == 1
        assert "ConnectionError" in row.last_error
        assert before < row.next_attempt_at <= before + retry_delay(1)
    status = runner.invoke(args=["xapi", "status", "--lang", "en"])
    assert "Failing: 8" in status.output and "ConnectionError" in status.output
    # By default in Vietnamese; the connection error is shown as it came.
    status = runner.invoke(args=["xapi", "status"]).output.splitlines()
    assert status[:4] == [f"xAPI: đang bật, LRS {app.config['XAPI_ENDPOINT']}", "Đã gửi: 0",
                          "Đang chờ: 0 (chưa gửi tới LRS lần nào)",
                          "Đang lỗi: 8 (đã gửi nhưng chưa thành công; sẽ tự động gửi lại)"]
    assert status[4].startswith("Bản ghi cũ nhất chưa gửi được: ")
    assert ": đã gửi 1 lần, lần tiếp theo lúc " in status[5] and "ConnectionError" in status[5]

    lrs.start()
    try:
        waiting = send(runner)  # back, but the rows wait for their retry time
        assert "0 delivered" in waiting.output
        with app.app_context():  # ... which comes
            db.session.execute(update(XapiStatement).values(
                next_attempt_at=utcnow() - timedelta(seconds=1)))
            db.session.commit()
        back = send(runner)
        assert back.exit_code == 0, back.output
        assert "8 delivered" in back.output
        assert all(row.sent_at is not None and row.attempts == 2 for row in outbox(app))
        assert send(runner, "--now").output.count("0 delivered") == 1
        assert send(runner, lang="vi").output == "xAPI: đã gửi 0.\n"
        stored = lrs.statements()
        assert sorted(s["id"] for s in stored) == sorted(row.statement_id for row in queued)
    finally:
        lrs.stop()


def test_a_sender_that_died_before_marking_its_rows_does_not_duplicate(
        app, client, runner, lrs, platform, learner):
    take_quiz(app, client)
    assert send(runner).exit_code == 0
    with app.app_context():  # as if the process died between the LRS's answer and COMMIT
        db.session.execute(update(XapiStatement).values(sent_at=None))
        db.session.commit()
    result = send(runner)
    assert result.exit_code == 0 and "8 delivered" in result.output
    stored = ours(lrs, platform)
    assert len(stored) == len({s["id"] for s in stored}) == 8


def test_a_refused_statement_holds_back_nothing_else(app, client, runner, lrs, platform, learner):
    take_quiz(app, client)
    rows = outbox(app)
    broken = rows[3]
    with app.app_context():  # a statement the LRS refuses (no actor)
        payload = {key: value for key, value in broken.payload.items() if key != "actor"}
        db.session.execute(update(XapiStatement).where(XapiStatement.id == broken.id)
                           .values(payload=payload))
        db.session.commit()

    result = send(runner)
    assert result.exit_code == 1
    assert f"Refused: statement {broken.statement_id}: HTTP 4" in result.output
    assert "7 delivered" in result.output and "1 refused" in result.output
    after = {row.id: row for row in outbox(app)}
    assert after[broken.id].sent_at is None
    assert after[broken.id].last_error.startswith("HTTP 4")
    assert after[broken.id].next_attempt_at > utcnow() + timedelta(hours=23)
    assert all(row.sent_at is not None for row in after.values() if row.id != broken.id)
    assert {s["id"] for s in ours(lrs, platform)} == {r.statement_id for r in rows} - {broken.statement_id}

    status = runner.invoke(args=["xapi", "status", "--json"])
    assert '"sent": 7' in status.output and '"failing": 1' in status.output
    assert broken.statement_id in status.output


def test_a_conflicting_statement_in_the_lrs_is_reported_not_overwritten(
        app, client, runner, lrs, platform, learner):
    take_quiz(app, client, right=1)
    failed = outbox(app)[-1]
    forged = {**failed.payload, "verb": {"id": "http://adlnet.gov/expapi/verbs/passed"}}
    assert lrs.post([forged]).status_code == 200  # someone else's statement under our id

    result = send(runner)
    assert result.exit_code == 1
    assert "HTTP 409" in result.output and "another statement" in result.output
    row = next(r for r in outbox(app) if r.id == failed.id)
    assert row.sent_at is None
    assert [s["verb"]["id"] for s in ours(lrs, platform) if s["id"] == failed.statement_id] == [
        "http://adlnet.gov/expapi/verbs/passed"]


def test_a_409_for_our_own_statement_counts_as_delivered(app, client, runner, lrs, platform,
                                                        learner):
    take_quiz(app, client)
    first = outbox(app)[0]
    # The LRS holds our statement with another display text: it answers 409, yet the
    # statement it holds says what ours says.
    stored = {**first.payload, "verb": {**first.payload["verb"], "display": {"en-US": "tried"}}}
    assert lrs.post([stored]).status_code == 200
    result = send(runner)
    assert result.exit_code == 0, result.output
    assert "8 delivered" in result.output


def test_wrong_credentials_wait_for_a_retry_like_an_outage(app, client, runner, lrs, platform,
                                                          learner):
    app.config["XAPI_PASSWORD"] = "not-the-password"
    take_quiz(app, client)
    result = send(runner)
    assert result.exit_code == 1 and "HTTP 401" in result.output
    assert all(row.sent_at is None and row.last_error.startswith("HTTP 401") for row in outbox(app))


def test_send_refuses_to_run_when_xapi_is_off(runner):
    result = send(runner)
    assert result.exit_code != 0 and "LMS_XAPI_ENDPOINT" in result.output
    result = runner.invoke(args=["xapi", "send"])
    assert result.exit_code == 1 and "Error: xAPI đang tắt: hãy đặt LMS_XAPI_ENDPOINT" in result.output
    status = runner.invoke(args=["xapi", "status", "--lang", "en"])
    assert status.output.splitlines()[0] == "xAPI: off (LMS_XAPI_ENDPOINT is not set)"


def test_the_loop_sends_until_stopped(app, client, lrs, platform, learner):
    take_quiz(app, client)
    stop = threading.Event()
    reports = []

    def after_run(report) -> None:
        reports.append(report)
        stop.set()

    with app.app_context():
        run_sender(LrsClient.from_config(app.config), batch_size=3, interval=0.01, stop=stop,
                   on_run=after_run)
    assert [report.delivered for report in reports] == [8]
    assert len(ours(lrs, platform)) == 8


def test_retry_delays_double_up_to_an_hour():
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert retry_delay(9) == retry_delay(500) == timedelta(hours=1)


@pytest.mark.skipif("postgresql" not in (os.environ.get("LMS_TEST_DATABASE_URL") or ""),
                    reason="row locks need PostgreSQL; SQLite has a single writer")
def test_a_second_sender_skips_rows_another_is_sending(app, client, runner, lrs, platform, learner):
    take_quiz(app, client)
    results = []
    with app.app_context(), db.engine.connect() as other_sender:
        # Another sender is busy with the first three rows.
        other_sender.execute(text("SELECT id FROM xapi_statement ORDER BY id LIMIT 3 FOR UPDATE"))
        sender = threading.Thread(target=lambda: results.append(send(runner)))
        sender.start()
        sender.join(timeout=20)
        finished_while_locked = not sender.is_alive()
        other_sender.rollback()  # lets a sender that waited on the locks finish
        sender.join()
    assert finished_while_locked, "the sender waited for rows another sender holds"
    assert "5 delivered" in results[0].output
    assert [row.sent_at is not None for row in outbox(app)] == [False] * 3 + [True] * 5
