"""Databases for benchmarks: a SQLite file in the run's temporary folder, or the PostgreSQL
database named by ``LMS_BENCH_DATABASE_URL`` (created when missing; every benchmark that uses
it replaces what it holds)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def ensure_postgres_database(url: str) -> None:
    """Create the database named in ``url`` when the server does not have it yet."""
    parsed = make_url(url)
    server = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                    {"name": parsed.database}).first()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    server.dispose()


def empty_postgres_schema(url: str) -> None:
    """The database, created if needed, with an empty ``public`` schema."""
    ensure_postgres_database(url)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def fresh_database(url: str | None, tmp_path: Path, name: str) -> str:
    """An empty database to migrate: ``url``'s PostgreSQL database dropped and created again,
    or, without ``url``, a new SQLite file ``name``.sqlite3 in ``tmp_path``."""
    if not url:
        return f"sqlite:///{tmp_path / f'{name}.sqlite3'}"
    parsed = make_url(url)
    server = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    server.dispose()
    return url
