"""Check an uploaded PDF: its signatures (with pyHanko) and, for certificates, the record.

Uploads are read into memory, checked and dropped with the request: nothing is written to
disk or the database. Anything in a file that pyHanko cannot read is reported as an
unreadable PDF, never as a server error.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from io import BytesIO

from asn1crypto import x509 as asn1_x509
from flask_babel import gettext as _
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.authority import AuthorityWithCert
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from lms.certificates.models import Certificate
from lms.extensions import db

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UPLOAD_MB = MAX_UPLOAD_BYTES // (1024 * 1024)
PDF_MAGIC = b"%PDF-"
# Readers accept the header anywhere in the first kilobyte (some producers put junk before it).
MAGIC_WINDOW = 1024
MAX_SIGNATURES = 10


class UploadProblem(Exception):
    """An upload that cannot be checked: a message for the person and an HTTP status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def read_pdf_upload(upload: FileStorage | None) -> bytes:
    """The uploaded file's bytes, if it is a PDF within the size limit."""
    if upload is None or not upload.filename:
        raise UploadProblem(_("Choose a PDF file to check."), 400)
    content = upload.stream.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        raise UploadProblem(_("The file is larger than %(size)d MB: it cannot be checked here.",
                              size=MAX_UPLOAD_MB), 413)
    if not content.strip():
        raise UploadProblem(_("The file is empty."), 400)
    if PDF_MAGIC not in content[:MAGIC_WINDOW]:
        raise UploadProblem(_("This file is not a PDF. Choose a file that ends in .pdf."), 415)
    return content


def unreadable_message() -> str:
    return _("This PDF is damaged or not a PDF its signatures can be read from. Try the original "
             "file you received.")


class Trust(StrEnum):
    PLATFORM = "platform"  # this platform's certificate-signing CA
    PRACTICE = "practice"  # the lab's practice CA
    UNKNOWN = "unknown"  # anyone else: the lab cannot tell whether to trust them


@dataclass(frozen=True)
class SignatureFinding:
    field_name: str
    signer_name: str | None
    signer_organisation: str | None
    issuer_name: str | None
    signed_at: datetime | None
    timestamped: bool
    # The signed bytes are unchanged and the signature matches the signer's key.
    intact: bool
    # Nothing was appended to the file after this signature.
    whole_file: bool
    trust: Trust
    # False when pyHanko could not evaluate the signature at all (unsupported format).
    readable: bool = True

    @property
    def unchanged(self) -> bool:
        return self.readable and self.intact and self.whole_file


@dataclass(frozen=True)
class PdfReport:
    sha256: str
    signatures: tuple[SignatureFinding, ...]

    @property
    def signed(self) -> bool:
        return bool(self.signatures)


class UnreadablePdf(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def inspect_pdf(content: bytes, *, platform_roots: tuple[asn1_x509.Certificate, ...] = (),
                practice_roots: tuple[asn1_x509.Certificate, ...] = ()) -> PdfReport:
    """What a careful reader's signature panel would say, for each signature of the file."""
    try:
        reader = PdfFileReader(BytesIO(content), strict=False)
        encrypted = reader.encrypted
        embedded = [] if encrypted else list(reader.embedded_regular_signatures)
    except Exception as error:  # any parser failure on untrusted input
        log.info("Unreadable PDF upload: %s", error)
        raise UnreadablePdf(unreadable_message()) from None
    if encrypted:
        raise UnreadablePdf(_("This PDF is protected by a password, so its signatures cannot be "
                              "checked here."))
    fingerprints = {
        Trust.PLATFORM: {root.sha256 for root in platform_roots},
        Trust.PRACTICE: {root.sha256 for root in practice_roots},
    }
    findings = tuple(_finding(signature, fingerprints, platform_roots + practice_roots)
                     for signature in embedded[:MAX_SIGNATURES])
    return PdfReport(sha256=hashlib.sha256(content).hexdigest(), signatures=findings)


def _name_part(name: asn1_x509.Name | None, key: str) -> str | None:
    if name is None:
        return None
    value = name.native.get(key)
    if isinstance(value, list):
        value = ", ".join(str(part) for part in value)
    return str(value) if value else None


def _finding(signature: EmbeddedPdfSignature, fingerprints: dict[Trust, set[bytes]],
             roots: tuple[asn1_x509.Certificate, ...]) -> SignatureFinding:
    field_name = signature.field_name or ""
    try:
        context = ValidationContext(trust_roots=list(roots), allow_fetching=False,
                                    revocation_mode="soft-fail")
        # No diff analysis: coverage alone tells whether anything was added after signing,
        # and diffing a hostile file's revisions is work an upload should not be able to cause.
        status = validate_pdf_signature(signature, context, skip_diff=True)
    except Exception as error:  # unsupported or broken signatures
        log.info("Signature %r could not be evaluated: %s", field_name, error)
        return SignatureFinding(field_name=field_name, signer_name=None, signer_organisation=None,
                                issuer_name=None, signed_at=None, timestamped=False, intact=False,
                                whole_file=False, trust=Trust.UNKNOWN, readable=False)
    certificate = status.signing_cert
    trust = Trust.UNKNOWN
    if status.trusted and status.validation_path is not None:
        authority = status.validation_path.trust_anchor.authority
        if isinstance(authority, AuthorityWithCert):
            anchor = authority.certificate.sha256
            trust = next((kind for kind, known in fingerprints.items() if anchor in known),
                         Trust.UNKNOWN)
    timestamp = status.timestamp_validity
    return SignatureFinding(
        field_name=field_name,
        signer_name=_name_part(certificate.subject, "common_name"),
        signer_organisation=_name_part(certificate.subject, "organization_name"),
        issuer_name=_name_part(certificate.issuer, "common_name"),
        signed_at=timestamp.timestamp if timestamp is not None else status.signer_reported_dt,
        timestamped=timestamp is not None and timestamp.intact and timestamp.valid,
        intact=bool(status.intact and status.valid),
        whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        trust=trust,
    )


class Verdict(StrEnum):
    GENUINE = "genuine"  # byte for byte a certificate this platform issued
    ALTERED = "altered"  # signed, but changed after signing
    UNSIGNED = "unsigned"  # no digital signature at all
    FOREIGN = "foreign"  # signed by someone other than this platform
    UNKNOWN = "unknown"  # signed by this platform, but no certificate record matches


@dataclass(frozen=True)
class CertificateCheck:
    verdict: Verdict
    certificate: Certificate | None = None


def check_certificate_pdf(content: bytes, platform_roots: tuple[asn1_x509.Certificate, ...]
                          ) -> CertificateCheck:
    """Is this upload a certificate the platform issued, unchanged? Raises UnreadablePdf."""
    report = inspect_pdf(content, platform_roots=platform_roots)
    if not report.signed:
        return CertificateCheck(Verdict.UNSIGNED)
    # A signature in a format pyHanko cannot evaluate is not ours (ours are PAdES): it makes
    # the file foreign, not altered.
    if any(finding.readable and not finding.intact for finding in report.signatures):
        return CertificateCheck(Verdict.ALTERED)
    match = db.session.execute(
        select(Certificate).where(Certificate.pdf_sha256 == report.sha256)
    ).scalar_one_or_none()
    if match is not None:
        return CertificateCheck(Verdict.GENUINE, match)
    ours = [finding for finding in report.signatures if finding.trust is Trust.PLATFORM]
    if not ours:
        return CertificateCheck(Verdict.FOREIGN)
    if not all(finding.whole_file for finding in ours):
        return CertificateCheck(Verdict.ALTERED)  # something was appended after our signature
    return CertificateCheck(Verdict.UNKNOWN)
