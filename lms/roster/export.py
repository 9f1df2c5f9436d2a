"""The roster in the import format: a blank template, or a unit subtree's current officials.

Importing this file back changes nothing (a test keeps it so). Headers and category names
are in the user's language; the importer accepts both languages.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import IO

from sqlalchemy import Select, select

from lms.accounts.models import STAFF_CATEGORY_LABELS, Official
from lms.csv_text import csv_chunks as text_chunks
from lms.db import stream_rows
from lms.org.models import OrgUnit
from lms.org.queries import subtree_ids
from lms.roster.columns import COLUMNS
from lms.text import spreadsheet_text

CHUNK = 64 * 1024


def roster_query(unit_id: int) -> Select:
    """Active roster officials of the subtree, in staff-list order.

    Only accounts with an employee code are part of the roster (accounts made by hand join it
    when given one; anonymised accounts have none), so importing the export back changes nothing.
    """
    return (
        select(Official.employee_code, Official.login, Official.full_name,
               OrgUnit.code.label("unit_code"), Official.staff_category, Official.position_title,
               Official.email)
        .join(OrgUnit, OrgUnit.id == Official.unit_id)
        .where(Official.unit_id.in_(subtree_ids(unit_id)), Official.active.is_(True),
               Official.employee_code.is_not(None))
        .order_by(OrgUnit.code, Official.name_sort, Official.id)
    )


def headers() -> list[str]:
    return [str(column.label) for column in COLUMNS]


def _cells(row) -> list[str]:
    # Names and titles typed by people must never run as spreadsheet formulas.
    return [spreadsheet_text(cell) for cell in (
        row.employee_code, row.full_name, row.unit_code,
        str(STAFF_CATEGORY_LABELS[row.staff_category]), row.position_title or "",
        row.email or "", row.login)]


def rows_of(unit_id: int | None) -> Iterator[list[str]]:
    yield headers()
    if unit_id is not None:
        for row in stream_rows(roster_query(unit_id)):
            yield _cells(row)


def csv_chunks(unit_id: int | None) -> Iterator[str]:
    """The roster as CSV text in chunks (comma-separated, see ``lms.csv_text``)."""
    return text_chunks(rows_of(unit_id))


def write_xlsx(unit_id: int | None, target: IO[bytes]) -> None:
    """A write-only workbook: memory stays flat however many officials there are."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Roster")
    sheet.freeze_panes = "A2"
    for index, width in enumerate((16, 32, 14, 20, 28, 28, 18)):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    rows = rows_of(unit_id)
    bold = Font(bold=True)
    header_cells = []
    for text in next(rows):
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for cells in rows:
        # Codes stay text: "00123" must not become the number 123.
        sheet.append(cells)
    workbook.save(target)


def xlsx_chunks(unit_id: int | None) -> Iterator[bytes]:
    """A zip file is complete only at the end: build it in a temporary file, then stream it."""
    with tempfile.TemporaryFile() as spool:
        write_xlsx(unit_id, spool)
        spool.seek(0)
        while chunk := spool.read(CHUNK):
            yield chunk
