"""Certificates are issued with the completion that earns them, once, and stay as issued."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lms.accounts.models import Official, Role, StaffCategory
from lms.accounts.privacy import anonymise, personal_data
from lms.certificates.models import Certificate
from lms.certificates.operations import (
    SERIAL_ALPHABET,
    issue_certificate,
    issue_missing_certificates,
    normalise_serial,
    revoke_certificate,
)
from lms.certificates.queries import serial_column
from lms.classroom.models import Audience, Pacing
from lms.classroom.operations import create_session, join_session
from lms.extensions import db
from lms.learning.models import Course, CourseCompletion
from lms.learning.queries import course_by_slug, current_version
from lms.quiz.models import AttemptStatus, QuizAttempt
from tests.quiz.helpers import quiz_form, read_lessons, start_quiz

SERIAL_PATTERN = re.compile(rf"^[{SERIAL_ALPHABET}]{{4}}-[{SERIAL_ALPHABET}]{{4}}-[{SERIAL_ALPHABET}]{{4}}$")


def _certificates(official_id: int) -> list[Certificate]:
    return list(db.session.execute(
        select(Certificate).where(Certificate.official_id == official_id)).scalars())


def test_passing_the_quiz_issues_one_certificate_with_what_was_true_then(
        app, client, make_unit, make_official, login_as, sample_course):
    official = make_official("cb001", unit=make_unit("Phường Hòa Bình"), full_name="Trần Thị Mai")
    login_as(official)
    read_lessons(client, "sample")

    failed = start_quiz(client, "sample")
    client.post(f"/quiz/attempts/{failed}/submit", data=quiz_form(app, client, failed, right=0))
    with app.app_context():
        assert _certificates(official.id) == []

    passed = start_quiz(client, "sample")
    result = client.post(f"/quiz/attempts/{passed}/submit", data=quiz_form(app, client, passed),
                         follow_redirects=True).get_data(as_text=True)
    assert "your certificate" in result and "/certificates/" in result
    with app.app_context():
        (certificate,) = _certificates(official.id)
        completion = db.session.execute(select(CourseCompletion)).scalar_one()
        assert SERIAL_PATTERN.match(certificate.serial)
        assert certificate.holder_name == "Trần Thị Mai"
        assert certificate.unit_name == "Phường Hòa Bình"
        assert certificate.locale == "vi"
        assert certificate.course_version_id == completion.course_version_id
        assert certificate.completed_at == completion.completed_at
        assert certificate.percent == completion.percent == 100.0
        assert certificate.pdf is None  # signed on first download

        # A rename later does not change what the certificate states.
        db.session.get(Official, official.id).full_name = "Trần Thị Mai Anh"
        db.session.commit()

    # A retake after completing issues nothing new.
    retake = start_quiz(client, "sample")
    client.post(f"/quiz/attempts/{retake}/submit", data=quiz_form(app, client, retake))
    with app.app_context():
        (certificate,) = _certificates(official.id)
        assert certificate.holder_name == "Trần Thị Mai"

    listing = client.get("/certificates/").get_data(as_text=True)
    assert certificate.serial in listing and "Sample course" in listing


def test_completions_without_a_certificate_get_one_from_init(app, runner, make_official,
                                                            sample_course):
    officials = [make_official(f"cb{i:03d}", preferred_locale="en" if i else None)
                 for i in range(3)]
    with app.app_context():
        course = course_by_slug(sample_course)
        version = current_version(course)
        for official in officials:
            attempt = QuizAttempt(official_id=official.id, course_id=course.id,
                                  course_version_id=version.id, number=1,
                                  status=AttemptStatus.SUBMITTED, max_points=5.0, points=4.0,
                                  percent=80.0, passed=True)
            db.session.add(attempt)
            db.session.flush()
            db.session.add(CourseCompletion(official_id=official.id, course_id=course.id,
                                            course_version_id=version.id, attempt_id=attempt.id,
                                            completed_at=attempt.started_at, percent=80.0,
                                            best_percent=80.0))
        db.session.commit()

    result = runner.invoke(args=["certificates", "prepare", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "Issued 3 certificates" in result.output
    assert "DEMO certificate" in result.output
    with app.app_context():
        certificates = db.session.execute(select(Certificate).order_by(Certificate.official_id)).scalars().all()
        assert [c.locale for c in certificates] == ["vi", "en", "en"]
        assert all(c.percent == 80.0 for c in certificates)
        assert len({c.serial for c in certificates}) == 3
        assert issue_missing_certificates() == 0


def test_typed_serials_are_normalised_and_foreign_ones_refused():
    assert normalise_serial(" abcd efgh jkmn ") == "ABCD-EFGH-JKMN"
    assert normalise_serial("ABCDEFGHJKMN") == "ABCD-EFGH-JKMN"
    assert normalise_serial("ABCD-EFGH-JKM0") is None  # 0 is not in the alphabet
    assert normalise_serial("ABCD-EFGH") is None
    assert normalise_serial("") is None and normalise_serial(None) is None


def test_exports_get_the_serial_of_a_certificate_that_still_holds(app, make_official, make_unit,
                                                                  make_certificate):
    unit = make_unit()
    holder = make_official("holder", unit=unit)
    make_official("other", unit=unit)  # completed nothing
    admin = make_official("admin", unit=unit)
    serial = make_certificate(holder)
    with app.app_context():
        query = (select(Official.login, serial_column(Official.id, Course.id).label("serial"))
                 .join(Course, Course.slug == "sample").order_by(Official.login))
        assert dict(db.session.execute(query).all()) == {"admin": None, "holder": serial,
                                                          "other": None}
        certificate = db.session.execute(
            select(Certificate).where(Certificate.serial == serial)).scalar_one()
        revoke_certificate(certificate, reason="Issued by mistake",
                           by=db.session.get(Official, admin.id))
        db.session.commit()
        assert dict(db.session.execute(query).all())["holder"] is None


def test_anonymising_a_departed_official_unnames_their_certificates(app, client, make_official,
                                                                   make_unit, make_certificate,
                                                                   login_as):
    unit = make_unit()
    holder = make_official("holder", unit=unit, full_name="Phạm Văn Bình",
                           staff_category=StaffCategory.VIEN_CHUC)
    serial = make_certificate(holder)
    login_as(holder)
    assert client.get(f"/certificates/{serial}.pdf").status_code == 200
    with app.app_context():
        official = db.session.get(Official, holder.id)
        assert personal_data(official)["certificates"][0]["serial"] == serial
        official.active = False
        anonymise(official)
        db.session.commit()
        certificate = db.session.execute(
            select(Certificate).where(Certificate.serial == serial)).scalar_one()
        assert "Phạm" not in certificate.holder_name and certificate.pdf is None
        assert certificate.pdf_sha256 is not None  # the holder's own copy still verifies
    page = client.get(f"/verify/{serial}").get_data(as_text=True)
    assert "Phạm Văn Bình" not in page and "Valid" in page
    # The deleted file is not made again (with the placeholder and a new hash).
    login_as(make_official("hr", unit=unit, roles=[(Role.HR, unit)]))
    assert client.get(f"/certificates/{serial}.pdf").status_code == 404


def test_a_certificate_has_exactly_one_holder(app, make_official, sample_course):
    official = make_official()
    with app.app_context():
        course = course_by_slug(sample_course)
        holder = db.session.get(Official, official.id)
        details = dict(course_id=course.id, course_version_id=current_version(course).id,
                       unit=holder.unit, holder_name="Lê Thị Hoa", locale="vi",
                       completed_at=holder.created_at, percent=90.0)
        with pytest.raises(ValueError):
            issue_certificate(**details)
        session = create_session(unit=holder.unit, course=course, title="Buổi học",
                                 lesson_keys=None, starts_at=holder.created_at, place="Hội trường",
                                 audience=Audience.RESIDENTS, expected_size=20,
                                 pacing=Pacing.SELF_PACED, by=None)
        someone = join_session(session, display_name="Lê Thị Hoa", group_name=None)
        with pytest.raises(ValueError):
            issue_certificate(official_id=holder.id, participant_id=someone.id, **details)
        # A session participant (the classroom feature) holds one without an account.
        participant = issue_certificate(participant_id=someone.id, **details)
        db.session.commit()
        assert participant.official_id is None and participant.participant_id == someone.id


def test_prepare_speaks_vietnamese_by_default(app, runner, tmp_path):
    result = runner.invoke(args=["certificates", "prepare"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Giấy chứng nhận hoàn thành khóa học được ký bởi “DEMO")
    assert lines[1].startswith("Văn bản thực hành của phòng thực hành chữ ký số được ký bởi “")
    assert lines[-1].startswith("Giấy chứng nhận đang được ký bằng chứng thư DEMO (thử nghiệm)")

    app.config["SIGNING_P12"] = str(tmp_path / "missing.p12")
    app.extensions.pop("lms_signing", None)
    refused = runner.invoke(args=["certificates", "prepare"])
    assert refused.exit_code == 1
    assert ("Error: Không thể ký giấy chứng nhận: không đọc được chứng thư ký số "
            f"{tmp_path / 'missing.p12'}: ") in refused.output
