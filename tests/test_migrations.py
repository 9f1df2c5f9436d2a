"""The committed migrations build the schema from nothing, on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from lms.db import MIGRATIONS_DIR
from lms.extensions import db
from tests.conftest import POSTGRES_URL, make_test_app

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
