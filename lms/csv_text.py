"""CSV files people open in a spreadsheet: the one writer of every CSV download and export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

CHUNK_CHARACTERS = 64 * 1024


def csv_chunks(rows: Iterable[Sequence[str]], *, separator: str = ",",
               chunk_size: int = CHUNK_CHARACTERS) -> Iterator[str]:
    """The rows as CSV text, in chunks of about ``chunk_size`` characters, as they come.

    UTF-8 with a byte-order mark once encoded (so that Excel reads Vietnamese accents), RFC
    4180: CRLF line ends; a field holding the separator, a quote or a line break between
    double quotes, its quotes doubled. The cells are text already: keeping them inert in a
    spreadsheet (``lms.text.spreadsheet_text``) is the caller's part. Nothing is read from
    ``rows`` before the first chunk is asked for."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, quotechar='"', quoting=csv.QUOTE_MINIMAL,
                        lineterminator="\r\n")
    buffer.write("\ufeff")
    for row in rows:
        writer.writerow(row)
        if buffer.tell() >= chunk_size:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
