"""Database wiring: engine pragmas, column types shared by every model, session helpers."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from flask import Flask
from sqlalchemy import DateTime, Enum, event, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.types import TypeDecorator

from lms.config import REPO_ROOT
from lms.extensions import db, migrate

MIGRATIONS_DIR = str(REPO_ROOT / "lms" / "migrations")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and always returned timezone-aware, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware datetime in UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers proceed while one writer commits; the busy timeout makes a second
    # writer wait instead of failing with "database is locked".
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def configure_database(app: Flask) -> None:
    """Factory step: bind SQLAlchemy and Flask-Migrate; SQLite gets its pragmas."""
    uri: str = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgresql://"):
        # psycopg 3 is the driver we ship; plain postgresql:// would ask for psycopg2.
        uri = "postgresql+psycopg://" + uri.removeprefix("postgresql://")
        app.config["SQLALCHEMY_DATABASE_URI"] = uri
    options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    if uri.startswith("sqlite"):
        options.setdefault("connect_args", {"timeout": 15})
    else:
        options.setdefault("pool_pre_ping", True)

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)
    if uri.startswith("sqlite"):
        with app.app_context():
            event.listen(db.engine, "connect", _sqlite_pragmas)



def enum_column(enum_cls: type[StrEnum], name: str) -> Enum:
    """A portable enum column: VARCHAR plus a CHECK constraint, storing the enum's values."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def insert_ignoring_duplicates(table, values: dict | list[dict]) -> int:
    """INSERT of one row (or several, in one statement) that skips any row whose unique key
    is already held (double clicks, retries, two workers at once). Returns the number of
    rows inserted."""
    dialect_insert = (postgresql_insert if db.session.get_bind().dialect.name == "postgresql"
                      else sqlite_insert)
    result = db.session.execute(dialect_insert(table).values(values).on_conflict_do_nothing())
    return result.rowcount or 0


def stream_rows(statement, *, batch: int = 5000):
    """Row mappings of a big read, fetched ``batch`` at a time (never the whole result).

    On PostgreSQL a streamed query runs as a cursor, which the planner optimises for the first
    rows; an export reads every row, so ask for the plan that is fastest for all of them.
    """
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SET LOCAL cursor_tuple_fraction = 1.0"))
    # On the session's connection, in its transaction, but as a Core statement: the ORM's
    # per-row wrapping would cost more than the query (measured 2026-11-21: 0.36 s of 0.77 s for the
    # province's 100,000 scores).
    return connection.execute(statement.execution_options(yield_per=batch)).mappings()
