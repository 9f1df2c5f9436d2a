from __future__ import annotations

from sqlalchemy import select

from lms.accounts.models import Official
from lms.extensions import db
from tests.conftest import TEST_PASSWORD, csrf_token, post_form

WRONG = "Wrong login or password."


def sign_in(client, login: str, password: str, **kwargs):
    return post_form(client, "/login", {"login": login, "password": password}, **kwargs)


def test_sign_in_with_right_password_opens_home(client, make_official):
    official = make_official("cb001", full_name="Trần Thị Bình")
    response = sign_in(client, "CB001 ", TEST_PASSWORD)  # logins ignore case and stray spaces
    assert response.status_code == 302
    assert response.location == "/"
    home = client.get("/").get_data(as_text=True)
    assert "Trần Thị Bình" in home
    with client.application.app_context():
        assert db.session.get(Official, official.id).last_login_at is not None


def test_wrong_password_and_unknown_login_get_the_same_message(client, make_official):
    make_official("cb001")
    wrong_password = sign_in(client, "cb001", "not-the-password")
    unknown_login = sign_in(client, "nobody", "not-the-password")
    for response in (wrong_password, unknown_login):
        assert response.status_code == 200
        assert WRONG in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still anonymous


def test_deactivated_official_cannot_sign_in(client, make_official):
    make_official("cb001", active=False)
    response = sign_in(client, "cb001", TEST_PASSWORD)
    assert WRONG in response.get_data(as_text=True)


def test_account_is_locked_out_after_repeated_failures(client, make_official):
    make_official("cb001")
    token = csrf_token(client)
    for _ in range(5):
        response = client.post("/login", data={"login": "cb001", "password": "guess",
                                               "csrf_token": token})
        assert response.status_code == 200
    # Even the right password is refused while the lock-out lasts.
    response = client.post("/login", data={"login": "cb001", "password": TEST_PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_lockout_of_one_account_leaves_others_usable(client, make_official):
    make_official("cb001")
    make_official("cb002")
    token = csrf_token(client)
    for _ in range(6):
        client.post("/login", data={"login": "cb001", "password": "guess", "csrf_token": token})
    response = client.post("/login", data={"login": "cb002", "password": TEST_PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302


def test_one_address_is_limited_across_accounts(app, client, make_official):
    token = csrf_token(client)
    statuses = [
        client.post("/login", data={"login": f"user{n}", "password": "guess",
                                    "csrf_token": token}).status_code
        for n in range(21)
    ]
    assert statuses[:20] == [200] * 20
    assert statuses[20] == 429


def test_sign_in_returns_to_the_page_asked_for_but_never_off_site(client, make_official):
    make_official("cb001")
    response = client.get("/people/")
    assert response.status_code == 302 and "/login?next=" in response.location
    ok = sign_in(client, "cb001", TEST_PASSWORD, form_page="/login")
    assert ok.location == "/"

    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    token = csrf_token(client)
    evil = client.post("/login?next=//evil.example/x",
                       data={"login": "cb001", "password": TEST_PASSWORD, "csrf_token": token})
    assert evil.location == "/"


def test_sign_out_needs_a_post_with_token(client, make_official, login_as):
    official = make_official("cb001")
    login_as(official)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400  # no CSRF token: refused
    assert client.get("/").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert client.get("/").status_code == 302


def test_unknown_login_is_checked_against_a_hash_too(app, client, monkeypatch):
    """No timing shortcut: an unknown login still costs one password-hash check."""
    from lms.accounts import operations

    calls = []
    original = operations.check_password_hash
    monkeypatch.setattr(operations, "check_password_hash",
                        lambda stored, password: calls.append(stored) or original(stored, password))
    sign_in(client, "nobody-here", "whatever")
    assert len(calls) == 1
    with app.app_context():
        assert db.session.execute(select(Official)).first() is None
