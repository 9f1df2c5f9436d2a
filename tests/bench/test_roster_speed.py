"""Benchmark: importing a 100,000-row roster, against a raw ``executemany`` of the same rows.

Run on demand (tests/bench is not part of the normal suite):

    LMS_BENCH_ROSTER_ROWS=100000 .venv/bin/pytest tests/bench/test_roster_speed.py -s
    LMS_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/lms_bench_roster \\
      .venv/bin/pytest tests/bench/test_roster_speed.py -s

The floor inserts the very rows the import writes (every column precomputed, one prepared
INSERT executed for all of them); the import also reads and checks the file, looks up units
and existing accounts, and generates one-time passwords. The re-import of the same file (all
rows unchanged) is timed as well. Figures go in docs/benchmarks.md.
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import delete, insert
from werkzeug.security import generate_password_hash

from lms import create_app
from lms.accounts.models import Official, new_session_token
from lms.db import MIGRATIONS_DIR, utcnow
from lms.extensions import db
from lms.org.models import OrgUnit, UnitKind
from lms.org.operations import create_unit
from lms.roster.operations import ONE_TIME_HASH_METHOD, apply_plan, digest
from lms.roster.plan import build_plan, sort_key_fields
from lms.roster.reading import read_table
from lms.seeding import FAMILY_NAMES, GIVEN_NAMES_FEMALE, GIVEN_NAMES_MALE, MIDDLE_NAMES_MALE
from tests.bench.databases import fresh_database

pytestmark = pytest.mark.bench

ROWS = int(os.environ.get("LMS_BENCH_ROSTER_ROWS", "100000"))
UNITS = 300
DATABASE_URL = os.environ.get("LMS_BENCH_DATABASE_URL")


def _roster_csv(path: Path, unit_codes: list[str]) -> bytes:
    rng = random.Random(7)
    categories = ("Công chức", "Viên chức", "Cán bộ", "Người lao động")
    lines = ["Mã cán bộ;Họ và tên;Mã đơn vị;Đối tượng;Chức vụ"]
    for number in range(ROWS):
        name = " ".join((rng.choice(FAMILY_NAMES)[0], rng.choice(MIDDLE_NAMES_MALE),
                         rng.choice(GIVEN_NAMES_MALE + GIVEN_NAMES_FEMALE)))
        lines.append(f"CB{number:07d};{name};{rng.choice(unit_codes)};"
                     f"{rng.choice(categories)};Chuyên viên")
    content = ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")
    path.write_bytes(content)
    return content


def _timed(work):
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def test_roster_import_against_raw_executemany(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": fresh_database(DATABASE_URL, tmp_path, "roster-bench"),
                      "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR)
        province = create_unit(code="BL", name_vi="Tỉnh Bến Lâm", name_en="Ben Lam Province",
                               kind=UnitKind.PROVINCE, parent=None)
        codes = []
        for number in range(UNITS):
            code = f"BL-X{number:03d}"
            create_unit(code=code, name_vi=f"Xã {number}", name_en=f"Commune {number}",
                        kind=UnitKind.COMMUNE, parent=province)
            codes.append(code)
        db.session.commit()
        content = _roster_csv(tmp_path / "roster.csv", codes)

        def full_import():
            plan = build_plan(read_table(content), db.session.get(OrgUnit, province.id),
                              manageable_unit_ids=None, deactivate_missing=False, importer_id=None)
            assert plan.ok, plan.problems[:5]
            result = apply_plan(plan, source="roster.csv", sha256=digest(content))
            db.session.commit()
            return plan, result

        # The floor: the same rows the import writes, all columns computed beforehand.
        plan = build_plan(read_table(content), db.session.get(OrgUnit, province.id),
                          manageable_unit_ids=None, deactivate_missing=False, importer_id=None)
        now = utcnow()
        password_hash = generate_password_hash("x" * 12, method=ONE_TIME_HASH_METHOD)
        rows = [{**entry.values, **sort_key_fields(entry.full_name),
                 "employee_code": entry.employee_code, "password_hash": password_hash,
                 "must_change_password": True, "session_token": new_session_token(),
                 "created_at": now, "updated_at": now} for entry in plan.creates]
        table = Official.__table__

        def raw_executemany():
            with db.engine.begin() as connection:
                connection.execute(insert(table), rows)

        floor, _ = _timed(raw_executemany)
        with db.engine.begin() as connection:
            connection.execute(delete(table))
        db.session.expire_all()

        first, (plan, result) = _timed(full_import)
        again, (plan_again, result_again) = _timed(full_import)

    assert result.created == ROWS and result_again.created == 0 and plan_again.unchanged == ROWS
    dialect = "PostgreSQL" if DATABASE_URL else "SQLite"
    print(f"\nRoster import, {ROWS:,} rows, {dialect}")
    print(f"  raw executemany of the same rows: {floor:6.2f} s")
    print(f"  first import (read, check, create): {first:6.2f} s  ratio {first / floor:5.1f}x")
    print(f"  same file again (nothing to change): {again:6.2f} s  ratio {again / floor:5.1f}x")
