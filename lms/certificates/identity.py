"""Signing identities: the key and certificate that sign completion certificates, and the
separate practice identity of the e-signature lab.

The certificate identity comes from a PKCS#12 file named by ``LMS_SIGNING_P12`` (password in
``LMS_SIGNING_P12_PASSWORD``). When none is configured, a demo CA and a signing certificate are
generated once into the instance folder, with "DEMO – THỬ NGHIỆM – NOT VALID" in their names,
so that nobody can take a demo certificate for a real one. The practice identity always lives
in the instance folder and is labelled "practice only": it is trusted by the lab and nowhere
else. Private keys never leave the instance folder (git-ignored) and are readable by the
owner only.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from flask import Flask, current_app
from flask_babel import gettext as _
from pyhanko.sign.signers import SimpleSigner

SIGNING_FOLDER = "signing"
KEY_SIZE = 2048
CA_YEARS = 20
SIGNER_YEARS = 10


class IdentityKind(StrEnum):
    CERTIFICATES = "certificates"  # signs completion certificates
    PRACTICE = "practice"  # signs the lab's practice documents


@dataclass(frozen=True)
class _Labels:
    file_name: str
    organisation: str
    ca_name: str
    signer_name: str
    unit: str


# Common names stay within X.509's 64 characters; the label comes first so that a reader's
# signature panel shows it even when it cuts long names.
_DEMO = _Labels(
    file_name="demo-certificate-signer.p12",
    organisation="LMS - DEMO / THỬ NGHIỆM",
    ca_name="DEMO CA - THỬ NGHIỆM - NOT VALID",
    signer_name="DEMO - THỬ NGHIỆM - NOT VALID - Ký giấy chứng nhận",
    unit="Chứng thư thử nghiệm, không có giá trị - Demo only",
)
_PRACTICE = _Labels(
    file_name="practice-signer.p12",
    organisation="LMS - CHỈ ĐỂ THỰC HÀNH / PRACTICE ONLY",
    ca_name="PRACTICE CA - CHỈ ĐỂ THỰC HÀNH",
    signer_name="CHỮ KÝ THỰC HÀNH - PRACTICE ONLY",
    unit="Chỉ để thực hành, không có giá trị - Practice only",
)

_LABELS = {IdentityKind.CERTIFICATES: _DEMO, IdentityKind.PRACTICE: _PRACTICE}


def generated_file_name(kind: IdentityKind) -> str:
    """File name of the generated (demo or practice) identity in the signing folder."""
    return _LABELS[kind].file_name


class SigningUnavailable(RuntimeError):
    """The configured signing certificate cannot be loaded (missing file, wrong password)."""


@dataclass(frozen=True)
class SigningIdentity:
    signer: SimpleSigner
    # The certificates a signature of this identity chains up to: what verification trusts.
    trust_roots: tuple[asn1_x509.Certificate, ...]
    demo: bool
    source: Path

    @property
    def common_name(self) -> str:
        return str(self.signer.signing_cert.subject.native.get("common_name", ""))


def signing_folder(app: Flask) -> Path:
    return Path(app.instance_path) / SIGNING_FOLDER


def identity_path(app: Flask, kind: IdentityKind) -> Path:
    if kind is IdentityKind.CERTIFICATES and app.config.get("SIGNING_P12"):
        return Path(app.config["SIGNING_P12"])
    return signing_folder(app) / generated_file_name(kind)


def uses_demo_identity(app: Flask) -> bool:
    return not app.config.get("SIGNING_P12")


def certificate_identity() -> SigningIdentity:
    return load_identity(current_app, IdentityKind.CERTIFICATES)


def practice_identity() -> SigningIdentity:
    return load_identity(current_app, IdentityKind.PRACTICE)


def load_identity(app: Flask, kind: IdentityKind) -> SigningIdentity:
    """The identity of ``kind``, loaded once per process; a missing demo one is generated."""
    cache: dict[IdentityKind, SigningIdentity] = app.extensions.setdefault("lms_signing", {})
    if kind not in cache:
        path = identity_path(app, kind)
        generated = kind is IdentityKind.PRACTICE or uses_demo_identity(app)
        if generated:
            ensure_generated(path, kind)
            password = None
        else:
            raw = app.config.get("SIGNING_P12_PASSWORD")
            password = raw.encode() if raw else None
        cache[kind] = _read_pkcs12(path, password, demo=generated)
    return cache[kind]


def ensure_generated(path: Path, kind: IdentityKind) -> bool:
    """Generate the demo or practice identity at ``path`` unless it exists. True when made."""
    if path.exists():
        return False
    _write_private(path, generate_pkcs12(_LABELS[kind]))
    return True


def ensure_identities(app: Flask) -> list[str]:
    """For ``lms init``: generate what is missing, load everything, say what is in use (in
    the current language)."""
    notes = []
    for kind in IdentityKind:
        path = identity_path(app, kind)
        generated = kind is IdentityKind.PRACTICE or uses_demo_identity(app)
        made = generated and ensure_generated(path, kind)
        name = load_identity(app, kind).common_name
        if kind is IdentityKind.CERTIFICATES:
            if made:
                notes.append(_("Generated the signing identity of completion certificates in "
                               "%(path)s.", path=path))
            notes.append(_("Completion certificates are signed by '%(name)s' (%(path)s).",
                           name=name, path=path))
        else:
            if made:
                notes.append(_("Generated the practice signing identity of the e-signature lab "
                               "in %(path)s.", path=path))
            notes.append(_("The e-signature lab's practice documents are signed by '%(name)s' "
                           "(%(path)s).", name=name, path=path))
    if uses_demo_identity(app):
        notes.append(_("Certificates are signed with a DEMO certificate: set LMS_SIGNING_P12 and "
                       "LMS_SIGNING_P12_PASSWORD to sign them with a real one "
                       "(docs/certificates.md)."))
    return notes


def _read_pkcs12(path: Path, password: bytes | None, *, demo: bool) -> SigningIdentity:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SigningUnavailable(_("cannot read the signing certificate %(path)s: %(error)s",
                                   path=path, error=error)) from None
    try:
        _key, certificate, others = pkcs12.load_key_and_certificates(data, password)
        signer = SimpleSigner.load_pkcs12_data(data, other_certs=(), passphrase=password)
    except ValueError:
        raise SigningUnavailable(_("cannot open the PKCS#12 file %(path)s: wrong password "
                                   "(LMS_SIGNING_P12_PASSWORD) or not a PKCS#12 file",
                                   path=path)) from None
    if certificate is None or _key is None:
        raise SigningUnavailable(_("the PKCS#12 file %(path)s holds no key and certificate",
                                   path=path))
    authorities = [other for other in others if _is_authority(other)] or [certificate]
    roots = tuple(asn1_x509.Certificate.load(other.public_bytes(serialization.Encoding.DER))
                  for other in authorities)
    return SigningIdentity(signer=signer, trust_roots=roots, demo=demo, source=path)


def _is_authority(certificate: x509.Certificate) -> bool:
    try:
        return certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return False


def _name(common_name: str, labels: _Labels) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, labels.organisation),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, labels.unit),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def _usage(*, signing: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signing, content_commitment=signing, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=not signing,
        crl_sign=not signing, encipher_only=False, decipher_only=False,
    )


def generate_pkcs12(labels: _Labels, *, now: datetime | None = None) -> bytes:
    """A fresh CA and a signing certificate issued by it, as one PKCS#12 file without password.

    The file is protected by its permissions, like the instance's secret key: a password kept
    beside it would add nothing.
    """
    now = now or datetime.now(UTC)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
    ca_name = _name(labels.ca_name, labels)
    ca_certificate = (
        x509.CertificateBuilder()
        .subject_name(ca_name).issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365 * CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(signing=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(labels.signer_name, labels)).issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365 * SIGNER_YEARS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(signing=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return pkcs12.serialize_key_and_certificates(
        labels.signer_name.encode(), key, certificate, [ca_certificate],
        serialization.NoEncryption(),
    )


def _write_private(path: Path, content: bytes) -> None:
    """Write a file readable by its owner only; when two processes race, the first one wins."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
    finally:
        os.unlink(temporary)
