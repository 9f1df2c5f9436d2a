"""The one CSV writer: what a spreadsheet reads back, however the text is cut into chunks."""

from __future__ import annotations

import csv
import io

from lms.csv_text import csv_chunks

ROWS = [["Mã cán bộ", "Họ và tên", "Ghi chú"],
        ["AP-001", 'Lý "Út" Em', "hai dòng\nmột ô"],
        ["AP-002", "Trần; Văn, Bình", ""]]


def test_a_spreadsheet_reads_back_every_cell():
    text = "".join(csv_chunks(ROWS))
    assert text.startswith("\ufeffMã cán bộ,")  # the byte-order mark Excel needs for accents
    assert '"Lý ""Út"" Em"' in text and text.count("\r\n") == 3  # CRLF ends, quotes doubled
    assert list(csv.reader(io.StringIO(text[1:], newline=""))) == ROWS


def test_chunks_join_into_the_same_file_with_either_separator():
    for separator in (",", ";"):
        whole = "".join(csv_chunks(ROWS, separator=separator))
        pieces = list(csv_chunks(ROWS, separator=separator, chunk_size=8))
        assert len(pieces) > 3 and "".join(pieces) == whole
        assert list(csv.reader(io.StringIO(whole[1:], newline=""), delimiter=separator)) == ROWS


def test_nothing_is_read_before_the_first_chunk_is_asked_for():
    read = []

    def rows():
        for row in ROWS:
            read.append(row)
            yield row

    chunks = csv_chunks(rows())
    assert read == []
    next(chunks)
    assert read == ROWS  # small rows: the whole file fits the first chunk
