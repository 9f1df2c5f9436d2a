from __future__ import annotations

import stat

from sqlalchemy import select

from lms.accounts.models import Official
from lms.extensions import db
from lms.security import CONTENT_SECURITY_POLICY
from tests.conftest import TEST_PASSWORD, make_test_app


def test_form_without_csrf_token_is_refused_and_changes_nothing(app, client, make_official,
                                                               login_as):
    official = make_official("cb001")
    login_as(official)
    response = client.post("/account/password", data={
        "current_password": TEST_PASSWORD, "new_password": "brand-new-password-1",
        "confirm_password": "brand-new-password-1",
    })
    assert response.status_code == 400
    assert "Reload the page" in response.get_data(as_text=True)
    with app.app_context():
        stored = db.session.get(Official, official.id)
        from werkzeug.security import check_password_hash

        assert check_password_hash(stored.password_hash, TEST_PASSWORD)


def test_sign_in_form_without_token_is_refused(client, make_official):
    make_official("cb001")
    response = client.post("/login", data={"login": "cb001", "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_pages_carry_security_headers(client):
    response = client.get("/login")
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


def test_pages_have_no_inline_script_or_style(client, make_official, login_as):
    login_as(make_official("cb001"))
    for path in ("/login", "/", "/account/password"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>" not in page and "<style" not in page and " style=" not in page
        assert "http://" not in page and "https://" not in page  # no external assets


def test_session_cookie_is_http_only_and_secure_in_production(tmp_path, database_url, _migrated,
                                                              make_official):
    make_official("cb001")
    app = make_test_app(database_url, str(tmp_path), SESSION_COOKIE_SECURE=True)
    client = app.test_client()
    client.get("/login")
    cookie = client.get_cookie("lms_session")
    assert cookie is not None and cookie.http_only and cookie.secure
    assert cookie.same_site == "Lax"
    assert "Strict-Transport-Security" in client.get("/login").headers
    with app.app_context():
        db.engine.dispose()


def test_secret_key_is_generated_once_and_kept_private(tmp_path, database_url, _migrated):
    first = make_test_app(database_url, str(tmp_path), SECRET_KEY=None)
    second = make_test_app(database_url, str(tmp_path), SECRET_KEY=None)
    key_file = tmp_path / "secret_key"
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == key_file.read_text()
    assert len(first.config["SECRET_KEY"]) >= 64
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    for app in (first, second):
        with app.app_context():
            db.engine.dispose()


def test_unexpected_error_shows_a_friendly_page(tmp_path, database_url, _migrated):
    app = make_test_app(database_url, str(tmp_path), TESTING=False)

    @app.get("/boom")
    def boom():  # pragma: no cover - the view only raises
        raise RuntimeError("kaboom")

    response = app.test_client().get("/boom", headers={"Accept-Language": "en"})
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Something went wrong" in page and "kaboom" not in page and "Traceback" not in page
    with app.app_context():
        assert db.session.execute(select(Official)).first() is None
        db.engine.dispose()
