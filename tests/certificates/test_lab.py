"""The e-signature lab: a signed practice document, plain-words checks of any PDF, in both
languages; the course lesson leads to it."""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import urljoin

import pytest
from fpdf import FPDF

from lms.certificates.identity import practice_identity
from lms.certificates.signing import sign_pdf
from lms.certificates.verify import MAX_UPLOAD_BYTES
from lms.config import REPO_ROOT
from lms.content.sync import sync_courses
from tests.certificates.conftest import pdfsig, signer_common_name
from tests.conftest import csrf_token

LEARNER = "Hoàng Thị Thu Thủy"


@pytest.fixture
def learner(make_unit, make_official):
    return make_official("learner", unit=make_unit("Phường Hòa Bình"), full_name=LEARNER)


def check(client, content: bytes, name: str = "document.pdf"):
    return client.post("/learn/lab/e-signature/check", data={
        "csrf_token": csrf_token(client, "/learn/lab/e-signature/check"),
        "document": (io.BytesIO(content), name),
    }, content_type="multipart/form-data")


# What the lab says, in each language, about the practice file, the altered copy and a
# platform certificate.
SAYS = {
    "en": {"practice_trust": "Only inside this lab", "intact": "Not one byte has changed",
           "claimed_time": "as stated by the signer&#39;s own computer",
           "no_legal_value": "It would not be accepted: a practice certificate has no legal value",
           "altered": "The file was changed after it was signed", "refuse": "Do not accept it",
           "meaningless": "says nothing about who approved this content",
           "platform": "Yes, by this platform"},
    "vi": {"practice_trust": "Chỉ trong phòng thực hành này", "intact": "Không một byte nào thay đổi",
           "claimed_time": "do máy tính của bên ký tự ghi",
           "no_legal_value": "chứng thư thực hành không có giá trị pháp lý",
           "altered": "Tệp đã bị thay đổi sau khi ký", "refuse": "Không tiếp nhận",
           "meaningless": "không cho biết ai đã chấp thuận nội dung này",
           "platform": "Có, đối với nền tảng này"},
}


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_three_steps(client, login_as, learner, make_certificate, tmp_path, language):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    login_as(learner)
    step1 = client.get("/learn/lab/e-signature")
    assert step1.status_code == 200 and f'<html lang="{language}">' in step1.get_data(as_text=True)
    assert "/learn/lab/e-signature/practice-signed.pdf" in step1.get_data(as_text=True)

    # Step 1: a practice document, signed, that any PDF tool can check.
    practice = client.get("/learn/lab/e-signature/practice-signed.pdf")
    assert practice.status_code == 200 and practice.mimetype == "application/pdf"
    path = tmp_path / "practice.pdf"
    path.write_bytes(practice.data)
    report = pdfsig(path)
    assert "Signature is Valid." in report
    assert "PRACTICE ONLY" in signer_common_name(report)

    # Step 2: the lab explains it...
    page = check(client, practice.data).get_data(as_text=True)
    assert f'<html lang="{language}">' in page
    assert "PRACTICE ONLY" in page
    says = SAYS[language]
    assert says["practice_trust"] in page  # trusted by the practice authority alone
    assert says["intact"] in page
    assert says["claimed_time"] in page  # no trusted timestamp
    assert says["no_legal_value"] in page

    # ...and the copy altered after signing.
    altered = client.get("/learn/lab/e-signature/practice-altered.pdf")
    page = check(client, altered.data).get_data(as_text=True)
    assert says["altered"] in page
    assert says["refuse"] in page
    assert says["meaningless"] in page
    assert says["intact"] not in page

    # A completion certificate of the platform is recognised as the platform's.
    page = check(client, client.get(f"/certificates/{make_certificate(learner)}.pdf").data
                 ).get_data(as_text=True)
    assert says["platform"] in page

    # Step 3: the quiz of the course.
    assert "/learn/e-signatures" in page


def test_a_pdf_without_a_signature(client, login_as, learner):
    login_as(learner)
    document = FPDF()
    document.add_page()
    page = check(client, bytes(document.output())).get_data(as_text=True)
    assert "No digital signature" in page
    assert "A picture of a signature or a seal on the page is not a digital signature" in page


def test_a_second_signature_shows_the_first_one_was_followed_by_more(app, client, login_as,
                                                                     learner):
    login_as(learner)
    signed = client.get("/learn/lab/e-signature/practice-signed.pdf").data
    with app.app_context():
        twice = sign_pdf(signed, practice_identity(), reason="Second", location="Lab",
                         field_name="Second")
    page = check(client, twice).get_data(as_text=True)
    assert "The file carries 2 signatures." in page
    assert "something was added to the file after this signature" in page  # the first one
    assert "Not one byte has changed" in page  # the second one


@pytest.mark.parametrize("content, status, message", [
    (b"GIF89a not a pdf", 415, "This file is not a PDF"),
    (b"%PDF-1.7\n%%EOF garbage", 422, "damaged"),
    (b"%PDF-1.4\n" + b" " * MAX_UPLOAD_BYTES, 413, "larger than 5 MB"),
])
def test_bad_uploads_get_a_clear_message(client, login_as, learner, content, status, message):
    login_as(learner)
    response = check(client, content)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)


def test_the_course_lesson_leads_to_the_lab(app, client, login_as, learner, tmp_path):
    courses = tmp_path / "courses"
    courses.mkdir()
    (courses / "e-signatures").symlink_to(REPO_ROOT / "courses" / "e-signatures")
    with app.app_context():
        sync_courses(Path(courses))
    login_as(learner)
    lesson_url = "/learn/e-signatures/lessons/lab"
    lesson = client.get(lesson_url).get_data(as_text=True)
    assert 'href="../../lab/e-signature"' in lesson
    assert client.get(urljoin(lesson_url, "../../lab/e-signature")).status_code == 200
