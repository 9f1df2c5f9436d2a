"""The certificate PDF: signed (PAdES) so that an independent tool accepts it, tamper-evident,
in its holder's language, with Vietnamese names in an embedded font."""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from sqlalchemy import select, update

from lms.accounts.models import Role
from lms.certificates.identity import SigningUnavailable, certificate_identity
from lms.certificates.models import Certificate
from lms.extensions import db
from tests.certificates.conftest import flip_byte_in_signed_part, pdfsig, signer_common_name
from tests.conftest import csrf_token

HOLDER = "Nguyễn Thị Hương Trà"
UNIT = "Phường Hòa Bình"


def _download(client, serial: str) -> bytes:
    response = client.get(f"/certificates/{serial}.pdf")
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/pdf"
    return response.data


def _poppler(tool: str, *args: str) -> str:
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is missing: install Debian's poppler-utils (.ci/run does)")
    return subprocess.run([tool, *args], capture_output=True, text=True, timeout=30,
                          check=True).stdout


@pytest.fixture
def holder(make_unit, make_official):
    unit = make_unit(UNIT)
    return make_official("huongtra", unit=unit, full_name=HOLDER)


def test_pdfsig_accepts_the_signed_certificate_and_rejects_a_changed_byte(
        app, client, login_as, holder, make_certificate, tmp_path):
    serial = make_certificate(holder)
    login_as(holder)
    signed = _download(client, serial)
    original = tmp_path / "certificate.pdf"
    original.write_bytes(signed)

    report = pdfsig(original)
    assert "Signature Validation: Signature is Valid." in report
    assert "Total document signed" in report
    assert "ETSI.CAdES.detached" in report  # PAdES
    assert "DEMO" in signer_common_name(report) and "NOT VALID" in signer_common_name(report)

    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(flip_byte_in_signed_part(signed, b"lms-certificate "))
    report = pdfsig(tampered)
    assert "Signature is Valid." not in report
    assert "Digest Mismatch" in report or "Signature is Invalid" in report


def test_the_signed_file_is_made_once_and_its_hash_kept(app, client, login_as, holder,
                                                          make_certificate):
    serial = make_certificate(holder)
    login_as(holder)
    first = _download(client, serial)
    second = _download(client, serial)
    assert first == second
    with app.app_context():
        certificate = db.session.execute(
            select(Certificate).where(Certificate.serial == serial)).scalar_one()
        assert certificate.pdf_sha256 == hashlib.sha256(first).hexdigest()
        assert certificate.signed_at is not None


def test_vietnamese_text_is_in_an_embedded_font_and_round_trips(app, client, login_as, holder,
                                                                  make_certificate, tmp_path):
    serial = make_certificate(holder, percent=93.33)
    login_as(holder)
    path = tmp_path / "certificate.pdf"
    path.write_bytes(_download(client, serial))

    fonts = _poppler("pdffonts", str(path))
    dejavu = [line for line in fonts.splitlines() if "DejaVuSans" in line]
    assert dejavu, fonts
    assert all(" yes yes " in line for line in dejavu), fonts  # embedded, subset

    text = _poppler("pdftotext", "-layout", str(path), "-")
    assert HOLDER in text
    assert UNIT in text
    assert "Khóa học mẫu" in text  # the sample course's Vietnamese title: the holder's language
    assert serial in text
    assert "93,33" in text  # Vietnamese number format


def test_an_english_speaking_holder_gets_an_english_certificate(app, client, login_as, make_unit,
                                                                make_official, make_certificate,
                                                                tmp_path):
    holder = make_official("en.holder", unit=make_unit("Xã An Phú"), full_name="Lê Văn Đức",
                           preferred_locale="en")
    serial = make_certificate(holder, percent=87.5)
    login_as(holder)
    path = tmp_path / "certificate.pdf"
    path.write_bytes(_download(client, serial))
    text = _poppler("pdftotext", "-layout", str(path), "-")
    assert "Sample course" in text and "Lê Văn Đức" in text
    assert "CERTIFICATE" in text and "87.5" in text


def test_the_qr_code_and_link_point_at_the_public_verification_page(app, client, login_as, holder,
                                                                      make_certificate):
    app.config["PUBLIC_URL"] = "https://lms.example.gov.vn/"
    serial = make_certificate(holder)
    login_as(holder)
    content = _download(client, serial)
    reader = PdfFileReader(io.BytesIO(content))
    assert reader.embedded_signatures
    text = subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True,
                          timeout=30).stdout.decode()
    assert f"https://lms.example.gov.vn/verify/{serial}" in text
    # Whatever the address, it answers with this certificate.
    page = client.get(f"/verify/{serial}").get_data(as_text=True)
    assert HOLDER in page


def test_uploading_the_signed_file_and_a_tampered_copy_to_the_verification_page(
        app, client, login_as, holder, make_certificate):
    serial = make_certificate(holder)
    login_as(holder)
    signed = _download(client, serial)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    def upload(content: bytes):
        return client.post("/verify", data={
            "csrf_token": csrf_token(client, "/verify"),
            "document": (io.BytesIO(content), "certificate.pdf"),
        }, content_type="multipart/form-data")

    genuine = upload(signed)
    page = genuine.get_data(as_text=True)
    assert genuine.status_code == 200
    assert "unchanged since it was signed" in page and HOLDER in page and serial in page

    altered = upload(flip_byte_in_signed_part(signed, b"lms-certificate "))
    page = altered.get_data(as_text=True)
    assert altered.status_code == 200
    assert "Altered" in page and "changed after it was signed" in page
    assert HOLDER not in page


def test_a_manager_sees_the_same_file_as_the_holder(app, client, login_as, make_unit, make_official,
                                                   make_certificate):
    unit = make_unit("Xã Bình Sơn")
    holder = make_official("holder", unit=unit, full_name=HOLDER)
    manager = make_official("manager", unit=unit, roles=[(Role.UNIT_MANAGER, unit)])
    serial = make_certificate(holder)
    login_as(manager)
    from_manager = _download(client, serial)
    login_as(holder)
    assert _download(client, serial) == from_manager


def test_a_broken_signing_configuration_is_reported_not_crashed(app, client, login_as, holder,
                                                               make_certificate, tmp_path):
    issued_before = make_certificate(holder)
    login_as(holder)
    signed = _download(client, issued_before)

    app.config["SIGNING_P12"] = str(tmp_path / "missing.p12")
    app.extensions.pop("lms_signing", None)
    with app.app_context():
        with pytest.raises(SigningUnavailable, match="missing.p12"):
            certificate_identity()

    # Files already signed still verify: they are recognised by their hash.
    page = client.post("/verify", data={
        "csrf_token": csrf_token(client, "/verify"),
        "document": (io.BytesIO(signed), "certificate.pdf"),
    }, content_type="multipart/form-data").get_data(as_text=True)
    assert "unchanged since it was signed" in page

    # A new one cannot be signed: the holder is told so, nothing half-made is stored.
    with app.app_context():
        db.session.execute(update(Certificate).values(pdf=None, pdf_sha256=None))
        db.session.commit()
    response = client.get(f"/certificates/{issued_before}.pdf", follow_redirects=True)
    assert "cannot be made right now" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(Certificate.pdf_sha256)).scalar_one() is None
