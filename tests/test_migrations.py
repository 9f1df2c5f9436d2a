"""The committed migrations build the schema from nothing, on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from lms.accounts.models import StaffCategory
from lms.accounts.operations import create_official
from lms.content.sync import sync_courses
from lms.db import MIGRATIONS_DIR
from lms.extensions import db
from lms.learning.queries import course_by_slug
from lms.org.models import UnitKind
from lms.org.operations import create_unit
from lms.quiz.operations import start_attempt
from tests.conftest import FIXTURE_COURSES, POSTGRES_URL, make_test_app

TABLES = {"org_unit", "org_unit_closure", "official", "role_grant", "audit_event"}


def _upgrade_and_check(database_url: str, instance: str) -> None:
    app = make_test_app(database_url, instance)
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR)
        assert TABLES <= set(inspect(db.engine).get_table_names())
        with db.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert differences == [], "models and migrations disagree: add a migration"
        downgrade(directory=MIGRATIONS_DIR, revision="base")
        assert not TABLES & set(inspect(db.engine).get_table_names())
        upgrade(directory=MIGRATIONS_DIR)
        assert TABLES <= set(inspect(db.engine).get_table_names())
        db.engine.dispose()


def test_migrations_upgrade_an_empty_sqlite_database(tmp_path):
    _upgrade_and_check(f"sqlite:///{tmp_path / 'empty.sqlite3'}", str(tmp_path))


@pytest.mark.skipif(not POSTGRES_URL, reason="LMS_TEST_DATABASE_URL not set")
def test_migrations_upgrade_an_empty_postgresql_database(tmp_path):
    name = f"lms_migrations_{uuid.uuid4().hex[:8]}"
    server = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
        _upgrade_and_check(url, str(tmp_path))
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path):
    app = make_test_app(f"sqlite:///{tmp_path / 'pragmas.sqlite3'}", str(tmp_path))
    with app.app_context():
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        db.engine.dispose()


def _attempt_counts() -> tuple[int, int]:
    with db.engine.connect() as connection:
        return (connection.exec_driver_sql("SELECT count(*) FROM quiz_attempt").scalar_one(),
                connection.exec_driver_sql("SELECT count(*) FROM attempt_item").scalar_one())


def test_0006_keeps_officials_attempts_and_answers_both_ways_on_sqlite(tmp_path):
    """0006 rebuilds quiz_attempt on SQLite: dropping the old table must not cascade into
    attempt_item (foreign keys are switched off around the rebuild)."""
    app = make_test_app(f"sqlite:///{tmp_path / 'data.sqlite3'}", str(tmp_path))
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR)
        sync_courses(FIXTURE_COURSES)
        unit = create_unit(code="P", name_vi="Tỉnh", name_en="Province", kind=UnitKind.PROVINCE,
                           parent=None)
        official, _ = create_official(login="cb1", full_name="Lê Văn A", unit=unit,
                                      staff_category=StaffCategory.CONG_CHUC, password="x" * 12,
                                      must_change_password=False)
        db.session.commit()
        course = course_by_slug("sample")
        course.versions[0].require_lessons = False
        start_attempt(official, course)
        db.session.remove()
        before = _attempt_counts()
        assert before[0] == 1 and before[1] > 0
        downgrade(directory=MIGRATIONS_DIR, revision="0005")
        assert _attempt_counts() == before
        upgrade(directory=MIGRATIONS_DIR)
        assert _attempt_counts() == before
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        db.engine.dispose()
