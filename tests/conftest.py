"""Shared fixtures. The suite runs on SQLite by default and on PostgreSQL when
``LMS_TEST_DATABASE_URL`` is set (e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/test``).

The schema is built once per run through the real migrations; each test then starts from
empty tables. No app context stays pushed during a test: every request gets its own, as in
production, so nothing cached on ``g`` or in the session leaks between requests.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from lms import create_app
from lms.accounts.models import Official, Role, StaffCategory
from lms.accounts.operations import create_official, grant_role
from lms.db import MIGRATIONS_DIR
from lms.extensions import db, limiter
from lms.org.models import OrgUnit, UnitKind
from lms.org.operations import create_unit

TEST_PASSWORD = "test-password-42"
FIXTURE_COURSES = Path(__file__).parent / "fixtures" / "courses"
POSTGRES_URL = os.environ.get("LMS_TEST_DATABASE_URL")


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if POSTGRES_URL:
        _reset_postgres(POSTGRES_URL)
        return POSTGRES_URL
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


def make_test_app(database_url: str, instance_path: str, **overrides: Any) -> Flask:
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": instance_path,
        "SECRET_KEY": "test-secret-key",
        "SESSION_COOKIE_SECURE": False,
        # A cheap hash keeps the suite fast; production uses scrypt (see test_passwords).
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "RATELIMIT_STORAGE_URI": "memory://",
        "COURSES_PATH": str(FIXTURE_COURSES),
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session")
def _migrated(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    app = make_test_app(database_url, str(tmp_path_factory.mktemp("instance")))
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR)
        db.engine.dispose()


def _empty_all_tables() -> None:
    tables = [table for table in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{table.name}"' for table in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        db.session.commit()
        return
    # The unit tree references itself: switch key checks off while emptying (SQLite only
    # honours this pragma outside a transaction, hence the separate connection).
    with db.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        for table in tables:
            connection.execute(table.delete())
        connection.commit()
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")


@pytest.fixture
def app(database_url: str, _migrated: None, tmp_path) -> Iterator[Flask]:
    app = make_test_app(database_url, str(tmp_path))
    yield app
    with app.app_context():
        db.session.remove()
        _empty_all_tables()
        db.engine.dispose()
    limiter.reset()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser that asks for English, so assertions read like the msgids.

    The language rules themselves are tested in tests/test_i18n.py with ``bare_client``.
    """
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def bare_client(app: Flask) -> FlaskClient:
    """A browser that states no language preference."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


def _detached(obj):
    """Reload an object's columns, then detach it so a test can read them after the context ends."""
    db.session.refresh(obj)
    db.session.expunge(obj)
    return obj


_codes = itertools.count(1)


@pytest.fixture
def make_unit(app: Flask) -> Callable[..., OrgUnit]:
    def factory(name: str | None = None, *, parent: OrgUnit | None = None,
                kind: UnitKind | None = None, code: str | None = None) -> OrgUnit:
        number = next(_codes)
        with app.app_context():
            unit = create_unit(
                code=code or f"U{number:04d}",
                name_vi=name or f"Đơn vị {number}",
                name_en=f"{name or 'Unit'} {number} (en)",
                kind=kind or (UnitKind.DEPARTMENT if parent else UnitKind.PROVINCE),
                parent=db.session.get(OrgUnit, parent.id) if parent else None,
            )
            db.session.commit()
            return _detached(unit)

    return factory


@pytest.fixture
def make_official(app: Flask, make_unit) -> Callable[..., Official]:
    def factory(login: str | None = None, *, unit: OrgUnit | None = None,
                roles: tuple[tuple[Role, OrgUnit], ...] | list[tuple[Role, OrgUnit]] = (),
                full_name: str = "Nguyễn Văn An", password: str = TEST_PASSWORD,
                must_change_password: bool = False,
                staff_category: StaffCategory = StaffCategory.CONG_CHUC,
                preferred_locale: str | None = None, active: bool = True) -> Official:
        unit = unit or make_unit()
        with app.app_context():
            official, _ = create_official(
                login=login or f"cb{next(_codes):05d}",
                full_name=full_name,
                unit=db.session.get(OrgUnit, unit.id),
                staff_category=staff_category,
                password=password,
                must_change_password=must_change_password,
                preferred_locale=preferred_locale,
            )
            official.active = active
            for role, scope in roles:
                grant_role(official, role, db.session.get(OrgUnit, scope.id))
            db.session.commit()
            return _detached(official)

    return factory


@pytest.fixture
def login_as(client: FlaskClient) -> Callable[[Official], FlaskClient]:
    """Sign the test client in as an official (the sign-in form itself is tested separately)."""

    def sign_in(official: Official) -> FlaskClient:
        with client.session_transaction() as session:
            session["_user_id"] = official.get_id()
            session["_fresh"] = True
        return client

    return sign_in


CSRF_PATTERN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token from a page's form, as a browser would submit it."""
    response = client.get(path)
    match = CSRF_PATTERN.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {path} (status {response.status_code})"
    return match.group(1)


def post_form(client: FlaskClient, path: str, data: dict[str, Any], *,
              form_page: str | None = None, **kwargs: Any):
    """Submit a form the way a browser does: fetch the page for its token, then post."""
    payload = {"csrf_token": csrf_token(client, form_page or path), **data}
    return client.post(path, data=payload, **kwargs)


@pytest.fixture
def sample_course(app: Flask):
    """The sample course of tests/fixtures/courses, loaded; returns its slug."""
    from lms.content.sync import sync_courses

    with app.app_context():
        sync_courses(FIXTURE_COURSES)
    return "sample"
