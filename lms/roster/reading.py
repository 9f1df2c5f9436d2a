"""Turn an uploaded roster file into a header row and numbered data rows.

Accepts what offices actually produce: XLSX from Excel or LibreOffice, and CSV in UTF-8 with
or without a byte-order mark, UTF-16 ("Unicode text" from Excel) or Windows-1258 (Excel's
"CSV" on a Vietnamese Windows), separated by commas, semicolons or tabs. Blank lines are
skipped; every cell is NFC-normalised with runs of white space collapsed.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.text import clean_text, from_spreadsheet_text

SEPARATORS = (",", ";", "\t")
XLSX_MAGIC = b"PK\x03\x04"


class UnreadableFile(ValueError):
    """The file as a whole cannot be read (wrong format, empty, no header)."""


@dataclass(frozen=True)
class RawRow:
    number: int  # the row number the user sees in their spreadsheet (header = 1)
    cells: tuple[str, ...]


@dataclass
class RawTable:
    headers: tuple[str, ...]
    rows: list[RawRow]
    file_format: str  # "xlsx" or "csv"
    encoding: str | None = None
    separator: str | None = None


FORMAT_LABELS = {"xlsx": _l("Excel workbook"), "csv": _l("CSV text")}


def read_table(content: bytes, *, progress: Callable[[int], None] | None = None) -> RawTable:
    if not content.strip():
        raise UnreadableFile(_("The file is empty."))
    if content.startswith(XLSX_MAGIC):
        return _read_xlsx(content, progress)
    return _read_csv(content, progress)


def _cell_text(value: object) -> str:
    """Excel cells arrive as numbers and dates too: an employee code typed as 1234 is "1234"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return clean_text(str(value))


def _finish(rows: Iterator[tuple[int, list[str]]], file_format: str,
            progress: Callable[[int], None] | None, **details: str | None) -> RawTable:
    headers: tuple[str, ...] | None = None
    data: list[RawRow] = []
    for number, cells in rows:
        cells = [from_spreadsheet_text(clean_text(cell)) for cell in cells]
        if not any(cells):
            continue  # blank line, or a row Excel kept only for its formatting
        if headers is None:
            headers = tuple(cells)
            continue
        data.append(RawRow(number, tuple(cells)))
        if progress and len(data) % 1000 == 0:
            progress(1000)
    if headers is None:
        raise UnreadableFile(_("The file has no header row."))
    if progress:
        progress(len(data) % 1000)
    return RawTable(headers=headers, rows=data, file_format=file_format, **details)


def _read_xlsx(content: bytes, progress: Callable[[int], None] | None) -> RawTable:
    from openpyxl import load_workbook  # a second or two to import: only when needed

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise UnreadableFile(_("The file is not a readable Excel workbook (.xlsx).")) from error
    try:
        sheet = workbook.worksheets[0]
        rows = ((number, [_cell_text(value) for value in values])
                for number, values in enumerate(sheet.iter_rows(values_only=True), start=1))
        return _finish(rows, "xlsx", progress)
    finally:
        workbook.close()


def _decode(content: bytes) -> tuple[str, str]:
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return content.decode("utf-16"), "UTF-16"
    try:
        return content.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        # Not UTF-8: Excel's plain "CSV" on a Vietnamese Windows writes Windows-1258, whose tone
        # marks are combining characters (cleaned to composed NFC with every cell).
        try:
            return content.decode("cp1258"), "Windows-1258"
        except UnicodeDecodeError as error:
            raise UnreadableFile(_("The file's text encoding is not recognised: save it as "
                                   "\"CSV UTF-8\" and upload it again.")) from error


def _sniff_separator(text: str) -> str:
    """The separator is whichever of , ; or tab the header line uses most."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    counts = {separator: header.count(separator) for separator in SEPARATORS}
    best = max(counts, key=lambda separator: counts[separator])
    return best if counts[best] else ","


def _read_csv(content: bytes, progress: Callable[[int], None] | None) -> RawTable:
    if b"\x00" in content[:1024] and not content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableFile(_("The file is neither a CSV text file nor an Excel workbook (.xlsx)."))
    text, encoding = _decode(content)
    separator = _sniff_separator(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)

    def rows() -> Iterator[tuple[int, list[str]]]:
        start = 1
        try:
            for cells in reader:
                # line_num counts physical lines, so a name with a line break inside quotes
                # still gives the row number of its first line.
                yield start, cells
                start = reader.line_num + 1
        except csv.Error as error:
            raise UnreadableFile(_("Line %(line)d cannot be read as CSV: %(reason)s",
                                   line=reader.line_num, reason=str(error))) from error

    return _finish(rows(), "csv", progress, encoding=encoding, separator=separator)
