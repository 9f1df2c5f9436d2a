"""A session participant who completes gets a certificate: downloaded through their own
session only, checked on /verify like an official's; purge removes the name, not the proof."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from lms.certificates.models import Certificate
from lms.classroom.models import ClassSession, SessionParticipant
from lms.db import utcnow
from lms.extensions import db
from tests.certificates.conftest import signing_files, signing_identity  # noqa: F401  (fixtures)
from tests.classroom.helpers import (
    create_session,
    join,
    pass_quiz,
    read_required_lessons,
    session_row,
)
from tests.conftest import csrf_token


def _completed_participant(app, client, phone, login_as, teacher, unit):
    login_as(teacher)
    session = session_row(app, create_session(client, unit=unit))
    code = session.join_code
    lan = phone()
    join(lan, code, "Phạm Thị Lan", "8A")
    read_required_lessons(lan, code)
    pass_quiz(app, lan, code)
    with app.app_context():
        certificate = db.session.execute(select(Certificate)).scalar_one()
        return session, lan, certificate.serial


def test_a_participant_downloads_their_certificate_and_anyone_can_verify_it(
        app, client, phone, login_as, teacher, school_tree, sample_course):
    session, lan, serial = _completed_participant(app, client, phone, login_as, teacher,
                                                  school_tree["school_a"])
    with app.app_context():
        certificate = db.session.execute(select(Certificate)).scalar_one()
        assert certificate.official_id is None
        assert certificate.holder_name == "Phạm Thị Lan"
        assert certificate.unit_id == school_tree["school_a"].id
    pdf = lan.get(f"/j/{session.join_code}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert phone().get(f"/j/{session.join_code}/certificate.pdf").status_code == 302  # no token
    status = phone().get(f"/verify/{serial}")
    assert status.status_code == 200
    assert "Phạm Thị Lan" in status.get_data(as_text=True)
    # Officials' certificate pages do not hand it out.
    assert client.get(f"/certificates/{serial}.pdf").status_code == 404


def test_purge_replaces_names_after_the_retention_period_and_keeps_counts(
        app, client, phone, login_as, teacher, school_tree, sample_course, runner):
    session, lan, serial = _completed_participant(app, client, phone, login_as, teacher,
                                                  school_tree["school_a"])
    client.post(f"/sessions/{session.id}/close",
                data={"csrf_token": csrf_token(client, f"/sessions/{session.id}")})
    before = client.get(f"/sessions/{session.id}/report").get_data(as_text=True)
    assert "Phạm Thị Lan" in before

    result = runner.invoke(args=["sessions", "purge", "--lang", "en"])
    assert "Sessions anonymised: 0" in result.output  # closed today: kept for 30 days
    assert result.output == "Sessions anonymised: 0 (closed more than 30 days ago).\n"
    with app.app_context():
        closed = db.session.get(ClassSession, session.id)
        closed.closed_at = utcnow() - timedelta(days=31)
        db.session.commit()
    result = runner.invoke(args=["sessions", "purge", "--lang", "en"])
    assert "Sessions anonymised: 1" in result.output
    assert "Sessions anonymised: 0" in runner.invoke(args=["sessions", "purge", "--lang", "en"]).output
    # By default in Vietnamese.
    assert runner.invoke(args=["sessions", "purge", "--days", "1"]).output == (
        "Số buổi học đã ẩn danh người tham gia: 0 (kết thúc cách đây hơn 1 ngày).\n")

    after = client.get(f"/sessions/{session.id}/report").get_data(as_text=True)
    assert "Phạm Thị Lan" not in after
    assert "1 joined of 30 expected" in after and "1 of 1 who took the quiz" in after
    with app.app_context():
        participant = db.session.execute(select(SessionParticipant)).scalar_one()
        assert participant.completed_at is not None and participant.group_name == "8A"
        certificate = db.session.execute(select(Certificate)).scalar_one()
        assert certificate.holder_name != "Phạm Thị Lan" and certificate.pdf is None
    status = phone().get(f"/verify/{serial}").get_data(as_text=True)
    assert "Phạm Thị Lan" not in status
