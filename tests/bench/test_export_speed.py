"""Benchmark: assessment exports (XLSX, CSV) against bare writers of the same rows.

Not part of the normal suite. Run on demand (sizes are seeded once and kept):

    .venv/bin/pytest tests/bench/test_export_speed.py -s
    LMS_BENCH_EXPORT_SIZES=10000,100000 \\
      LMS_BENCH_EXPORT_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/lms_bench_{n} \\
      .venv/bin/pytest tests/bench/test_export_speed.py -s

``{n}`` in the URL is replaced by the size; SQLite uses /tmp/lms-bench-<n>.sqlite3 (the same
files as test_score_speed.py). For each size:

- **XLSX**: the whole export (queries, merge, labels, four sheets) against a bare XlsxWriter
  constant_memory loop writing the same officials' rows, already in memory, with
  ``write_row`` (target <= 1.5x); an openpyxl write-only loop is timed too, for reference;
- **CSV**: the export against a raw ``csv.writer`` over the officials' query (the same rows,
  no course columns, no formatting), and over both streamed queries (officials and course
  rows written as they come, no merge);
- **peak memory** (tracemalloc) of each export: it must not grow with the officials.

Figures go in docs/benchmarks.md.
"""

from __future__ import annotations

import csv
import os
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest
import xlsxwriter
from flask_babel import force_locale
from flask_migrate import upgrade
from openpyxl import Workbook
from sqlalchemy import select, update

from lms import create_app
from lms.config import REPO_ROOT
from lms.content.sync import sync_courses
from lms.db import MIGRATIONS_DIR, stream_rows
from lms.exports.assessment import (
    _XLSX_OPTIONS,
    _Cells,
    _write_table,
    csv_chunks,
    official_columns,
    official_rows,
    prepare_export,
    write_xlsx,
)
from lms.extensions import db
from lms.learning.models import Course
from lms.org.models import OrgUnit
from lms.seeding import seed_large
from tests.bench.databases import ensure_postgres_database
from tests.bench.test_score_speed import best_of

pytestmark = pytest.mark.bench

SIZES = [int(size) for size in os.environ.get("LMS_BENCH_EXPORT_SIZES", "10000,100000").split(",")]
URL_TEMPLATE = os.environ.get("LMS_BENCH_EXPORT_DATABASE_URL") or "sqlite:////tmp/lms-bench-{n}.sqlite3"


def _app(size: int, instance: Path):
    url = URL_TEMPLATE.format(n=size)
    if url.startswith("postgresql"):
        ensure_postgres_database(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(instance),
                      "SECRET_KEY": "bench", "COURSES_PATH": str(REPO_ROOT / "courses")})
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR)
        sync_courses(REPO_ROOT / "courses")
        if not db.session.execute(select(OrgUnit.id).where(OrgUnit.code.like("BENCH%")).limit(1)
                                  ).first():
            started = time.perf_counter()
            seed_large(size, seed=1, year=2026, progress=True)
            print(f"\nseeded {size} officials in {time.perf_counter() - started:.1f} s")
        db.session.execute(update(Course).values(created_at=datetime(2026, 1, 1, tzinfo=UTC)))
        db.session.commit()
    return app, "postgresql" if url.startswith("postgresql") else "sqlite"


def _peak(work) -> float:
    tracemalloc.start()
    work()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def _bare_xlsx(rows, path: Path) -> None:
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet()
    for number, row in enumerate(rows):
        sheet.write_row(number, 0, row)
    workbook.close()


def _bare_openpyxl(rows, path: Path) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in rows:
        sheet.append(row)
    workbook.save(path)


@pytest.mark.parametrize("size", SIZES)
def test_exports_against_bare_writers(size, tmp_path):
    app, dialect = _app(size, tmp_path / "instance")
    xlsx_path, csv_path, floor_path = tmp_path / "a.xlsx", tmp_path / "a.csv", tmp_path / "f"
    with app.test_request_context(), force_locale("vi"):
        province = db.session.execute(select(OrgUnit).where(OrgUnit.code == "BENCH")).scalar_one()
        export = prepare_export(2026, "Y", province, generated_by="benchmark")
        rows = list(official_rows(export))  # the floor's input, built outside its timing
        db.session.commit()

        def xlsx_export():
            count = write_xlsx(export, str(xlsx_path))
            db.session.commit()
            return count

        def csv_export():
            with csv_path.open("w", encoding="utf-8", newline="") as handle:
                for chunk in csv_chunks(export, ";"):
                    handle.write(chunk)
            db.session.commit()

        def csv_floor(*statements):
            def work():
                with floor_path.open("w", encoding="utf-8", newline="") as handle:
                    writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
                    for statement in statements:
                        for row in stream_rows(statement):
                            writer.writerow(row.values())
                db.session.commit()
            return work

        def rows_only():
            count = sum(1 for _ in official_rows(export))
            db.session.commit()
            return count

        def typed_writer_only():
            workbook = xlsxwriter.Workbook(str(floor_path), _XLSX_OPTIONS)
            _write_table(workbook.add_worksheet(), _Cells(workbook), official_columns(export), rows)
            workbook.close()

        xlsx_floor, _ = best_of(2, lambda: _bare_xlsx(rows, floor_path))
        rows_seconds, _ = best_of(2, rows_only)
        writer_seconds, _ = best_of(2, typed_writer_only)
        xlsx_seconds, exported = best_of(2, xlsx_export)
        openpyxl_seconds, _ = best_of(1, lambda: _bare_openpyxl(rows, tmp_path / "o.xlsx"))
        officials_table = export.scores.official_table(export.scope)
        course_table = export.scores.course_table(export.scope)
        csv_floor_seconds, _ = best_of(3, csv_floor(officials_table))
        csv_both_seconds, _ = best_of(3, csv_floor(officials_table, course_table))
        csv_seconds, _ = best_of(3, csv_export)
        xlsx_peak = _peak(xlsx_export)
        csv_peak = _peak(csv_export)

    assert exported == len(rows) > 0
    cells = len(rows) * len(rows[0])
    print(f"\n[{dialect}] {size} officials seeded, {len(rows)} exported, {cells} cells, "
          f"{len(export.courses)} mandatory courses")
    print(f"[{dialect}] XLSX bare XlsxWriter loop (floor): {xlsx_floor:.2f} s; openpyxl "
          f"write-only loop: {openpyxl_seconds:.2f} s")
    print(f"[{dialect}] XLSX export: {xlsx_seconds:.2f} s -> {xlsx_seconds / xlsx_floor:.2f}x "
          f"the floor (target <= 1.5x), {xlsx_path.stat().st_size / 2**20:.1f} MiB")
    print(f"[{dialect}]   of which: officials' rows (two queries, merge, labels) "
          f"{rows_seconds:.2f} s; typed cells of the same rows in memory {writer_seconds:.2f} s "
          f"({writer_seconds / xlsx_floor:.2f}x the floor)")
    print(f"[{dialect}] CSV raw csv.writer over the officials' query (floor): "
          f"{csv_floor_seconds:.2f} s; over both queries (officials and course rows): "
          f"{csv_both_seconds:.2f} s")
    print(f"[{dialect}] CSV export: {csv_seconds:.2f} s -> {csv_seconds / csv_floor_seconds:.2f}x "
          f"the floor ({csv_seconds / csv_both_seconds:.2f}x both queries), "
          f"{csv_path.stat().st_size / 2**20:.1f} MiB")
    print(f"[{dialect}] peak Python memory: XLSX {xlsx_peak:.1f} MiB, CSV {csv_peak:.1f} MiB")
