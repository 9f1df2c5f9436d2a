"""The scoring tests' small province (known results), and helpers to read exports back."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from lms.accounts.models import Role
from tests.scoring.conftest import world  # noqa: F401  (the fixture, shared)

YEAR_END = "2026-12-31 12:00:00"


@pytest.fixture
def people(world, make_official):  # noqa: F811
    """The world, plus HR of commune A and a unit manager of commune B."""
    world["hr_a"] = make_official("hr.a", unit=world["commune_a"],
                                  roles=[(Role.HR, world["commune_a"])], full_name="Hồ Xã A")
    world["manager_b"] = make_official("ql.b", unit=world["commune_b"],
                                       roles=[(Role.UNIT_MANAGER, world["commune_b"])],
                                       full_name="Quản Lý B")
    return world


def read_workbook(data: bytes):
    return load_workbook(io.BytesIO(data))


def sheet_rows(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def by_code(sheet) -> dict[str, dict]:
    """Officials' rows keyed by employee code, as {header: cell}."""
    header, *rows = list(sheet.iter_rows())
    names = [cell.value for cell in header]
    return {row[0].value: dict(zip(names, row, strict=True)) for row in rows}


def read_csv(data: bytes, separator: str = ",") -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 byte-order mark"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=separator))


def metadata(workbook) -> dict[str, object]:
    return {label: value for label, value in sheet_rows(workbook.worksheets[-1])}
