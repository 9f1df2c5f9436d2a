"""Certificate fixtures: one signing identity per test run (RSA keys are slow to make), copied
into each test's instance folder, and a factory that issues a certificate."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask

from lms.accounts.models import Official
from lms.certificates.identity import SIGNING_FOLDER, IdentityKind, ensure_generated, generated_file_name
from lms.certificates.operations import holder_locale, issue_certificate
from lms.extensions import db
from lms.learning.queries import course_by_slug, current_version

COMPLETED_AT = datetime(2026, 3, 12, 3, 30, tzinfo=UTC)


@pytest.fixture(scope="session")
def signing_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("signing")
    for kind in IdentityKind:
        ensure_generated(folder / generated_file_name(kind), kind)
    return folder


@pytest.fixture(autouse=True)
def signing_identity(app: Flask, signing_files: Path) -> None:
    shutil.copytree(signing_files, Path(app.instance_path) / SIGNING_FOLDER, dirs_exist_ok=True)


@pytest.fixture
def make_certificate(app: Flask, sample_course: str) -> Callable[..., str]:
    """Issue a certificate of the sample course to an official; returns its serial."""

    def factory(official: Official, *, percent: float = 93.33,
                completed_at: datetime = COMPLETED_AT) -> str:
        with app.app_context():
            course = course_by_slug(sample_course)
            holder = db.session.get(Official, official.id)
            certificate = issue_certificate(
                official_id=holder.id, course_id=course.id,
                course_version_id=current_version(course).id, unit=holder.unit,
                holder_name=holder.full_name, locale=holder_locale(holder),
                completed_at=completed_at, percent=percent)
            db.session.commit()
            return certificate.serial

    return factory


def pdfsig(path: Path) -> str:
    """poppler's pdfsig, an independent PDF signature checker (Debian package poppler-utils)."""
    if shutil.which("pdfsig") is None:
        pytest.fail("pdfsig is missing: install Debian's poppler-utils (.ci/run does)")
    result = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, timeout=30)
    return result.stdout + result.stderr


def signer_common_name(report: str) -> str:
    match = re.search(r"Signer Certificate Common Name: (.+)", report)
    assert match, report
    return match.group(1).strip()


def flip_byte_in_signed_part(content: bytes, marker: bytes) -> bytes:
    """One byte changed inside the signed range (in the document's keywords, which no reader
    needs in order to open the file, so the result is still a well-formed PDF)."""
    position = content.index(marker) + len(marker) + 1
    changed = bytearray(content)
    changed[position] ^= 0x01
    return bytes(changed)
