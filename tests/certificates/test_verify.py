"""The public verification page: valid, revoked or unknown, with the holder, course and date and
nothing more; uploads checked against the signature and the records; admins revoke."""

from __future__ import annotations

import io

import pytest
from fpdf import FPDF
from sqlalchemy import select

from lms.accounts.models import Role
from lms.audit.models import AuditEvent
from lms.certificates.models import Certificate
from lms.certificates.verify import MAX_UPLOAD_BYTES
from lms.extensions import db
from tests.conftest import csrf_token, post_form

HOLDER = "Võ Thị Sáu Nguyệt"


@pytest.fixture
def province(make_unit):
    return make_unit("Tỉnh Sơn Hà")


@pytest.fixture
def holder(make_unit, make_official, province):
    return make_official("holder", unit=make_unit("Xã An Phú", parent=province), full_name=HOLDER)


def upload(client, content: bytes, name: str = "certificate.pdf"):
    return client.post("/verify", data={
        "csrf_token": csrf_token(client, "/verify"),
        "document": (io.BytesIO(content), name),
    }, content_type="multipart/form-data")


def test_a_valid_certificate_shows_holder_course_and_date_only(client, holder, make_certificate):
    serial = make_certificate(holder, percent=91.25)
    response = client.get(f"/verify/{serial}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Valid" in page and HOLDER in page and "Sample course" in page
    assert "March 12, 2026" in page
    assert "Xã An Phú" not in page and "91" not in page  # unit and score are not public


def test_unknown_and_malformed_serials_are_unknown(client):
    for serial in ("ABCD-EFGH-JKMN", "not-a-serial"):
        response = client.get(f"/verify/{serial}")
        assert response.status_code == 404
        assert "Unknown" in response.get_data(as_text=True)


def test_a_serial_typed_loosely_leads_to_its_page(client, holder, make_certificate):
    serial = make_certificate(holder)
    response = client.get("/verify", query_string={"serial": serial.lower().replace("-", " ")})
    assert response.status_code == 302 and response.location == f"/verify/{serial}"
    assert client.get(f"/verify/{serial.lower()}").location == f"/verify/{serial}"
    bad = client.get("/verify", query_string={"serial": "12345"})
    assert bad.status_code == 400 and "12 letters and digits" in bad.get_data(as_text=True)


def test_admin_revokes_with_a_reason_and_the_page_says_revoked(app, client, login_as, holder,
                                                              province, make_official,
                                                              make_certificate):
    serial = make_certificate(holder)
    admin = make_official("admin", unit=province, roles=[(Role.ADMIN, province)])
    login_as(admin)
    listing = client.get("/certificates/manage", query_string={"q": serial}).get_data(as_text=True)
    assert serial in listing and HOLDER in listing

    refused = post_form(client, f"/certificates/{serial}/revoke", {"reason": "  "})
    assert refused.status_code == 422 and "Give the reason" in refused.get_data(as_text=True)

    done = post_form(client, f"/certificates/{serial}/revoke",
                     {"reason": "Quiz taken by someone else"}, follow_redirects=True)
    assert "revoked" in done.get_data(as_text=True)
    with app.app_context():
        certificate = db.session.execute(
            select(Certificate).where(Certificate.serial == serial)).scalar_one()
        assert certificate.revoked_at is not None and certificate.revoked_by_id == admin.id
        event = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "certificate.revoke")).scalar_one()
        assert event.actor_id == admin.id and event.target_id == certificate.id
        assert event.details == {"serial": serial, "reason": "Quiz taken by someone else"}

    public = client.get(f"/verify/{serial}").get_data(as_text=True)
    assert "Revoked" in public and "no longer valid" in public
    assert "Quiz taken by someone else" not in public  # the reason stays internal
    login_as(holder)
    assert client.get(f"/certificates/{serial}.pdf").status_code == 404


def test_only_admins_over_the_holder_revoke(client, login_as, holder, province, make_unit,
                                          make_official, make_certificate):
    serial = make_certificate(holder)
    elsewhere = make_unit("Tỉnh khác")
    login_as(make_official("admin2", unit=elsewhere, roles=[(Role.ADMIN, elsewhere)]))
    assert client.get(f"/certificates/{serial}/revoke").status_code == 404
    listing = client.get("/certificates/manage", query_string={"q": serial}).get_data(as_text=True)
    assert "No certificate matches." in listing and HOLDER not in listing
    login_as(make_official("hr", unit=province, roles=[(Role.HR, province)]))
    assert client.get(f"/certificates/{serial}/revoke").status_code == 403


def test_an_unsigned_pdf_or_another_signers_pdf_is_not_a_certificate(client, login_as, holder):
    document = FPDF()
    document.add_page()
    unsigned = bytes(document.output())
    page = upload(client, unsigned).get_data(as_text=True)
    assert "Not signed" in page

    login_as(holder)
    practice = client.get("/learn/lab/e-signature/practice-signed.pdf").data
    page = upload(client, practice).get_data(as_text=True)
    assert "Not from this platform" in page


@pytest.mark.parametrize("content, name, status, message", [
    (b"PK\x03\x04 a spreadsheet, not a PDF", "roster.xlsx", 415, "This file is not a PDF"),
    (b"", "empty.pdf", 400, "The file is empty"),
    (b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\nthis is not really a PDF", "broken.pdf", 422,
     "damaged"),
    (b"%PDF-1.4\n" + b"0" * MAX_UPLOAD_BYTES, "huge.pdf", 413, "larger than 5 MB"),
])
def test_bad_uploads_get_a_clear_message(client, content, name, status, message):
    response = upload(client, content, name)
    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert message in page and "Traceback" not in page
    assert 'name="serial"' in page  # the form is still there to try again


def test_no_file_chosen(client):
    response = client.post("/verify", data={"csrf_token": csrf_token(client, "/verify")},
                           content_type="multipart/form-data")
    assert response.status_code == 400 and "Choose a PDF file" in response.get_data(as_text=True)


def test_verification_is_rate_limited(app, client, holder, make_certificate):
    serial = make_certificate(holder)
    app.config["VERIFY_RATE_LIMIT"] = "3 per minute"
    statuses = [client.get(f"/verify/{serial}").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
