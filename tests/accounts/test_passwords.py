from __future__ import annotations

from lms.accounts.models import Official
from lms.extensions import db
from tests.conftest import TEST_PASSWORD, csrf_token, make_test_app, post_form

NEW_PASSWORD = "a-much-better-one-77"


def change(client, current: str, new: str, confirm: str | None = None):
    return post_form(client, "/account/password", {
        "current_password": current, "new_password": new,
        "confirm_password": new if confirm is None else confirm,
    })


def test_new_account_must_change_password_before_anything_else(client, make_official):
    make_official("cb001", must_change_password=True)
    response = post_form(client, "/login", {"login": "cb001", "password": TEST_PASSWORD})
    assert response.location == "/account/password"
    for path in ("/", "/people/", "/admin/units"):
        blocked = client.get(path)
        assert blocked.status_code == 302 and blocked.location == "/account/password"
    page = client.get("/account/password").get_data(as_text=True)
    assert "choose your own password" in page

    done = change(client, TEST_PASSWORD, NEW_PASSWORD)
    assert done.status_code == 302 and done.location == "/"
    assert client.get("/").status_code == 200


def test_password_rules_are_explained(client, make_official, login_as):
    official = make_official("cb001")
    login_as(official)
    too_short = change(client, TEST_PASSWORD, "short1").get_data(as_text=True)
    assert "Use at least 10 characters." in too_short
    with_login = change(client, TEST_PASSWORD, "my-cb001-password").get_data(as_text=True)
    assert "Do not use your login in your password." in with_login
    same = change(client, TEST_PASSWORD, TEST_PASSWORD).get_data(as_text=True)
    assert "different from the current one" in same
    mismatch = change(client, TEST_PASSWORD, NEW_PASSWORD, "something-else-99").get_data(as_text=True)
    assert "The two new passwords differ." in mismatch
    wrong_current = change(client, "not-it", NEW_PASSWORD).get_data(as_text=True)
    assert "The current password is wrong." in wrong_current


def test_changing_password_signs_out_other_sessions(app, make_official, login_as, client):
    official = make_official("cb001")
    other_device = app.test_client()
    with other_device.session_transaction() as session:
        session["_user_id"] = official.get_id()
    assert other_device.get("/").status_code == 200

    login_as(official)
    assert change(client, TEST_PASSWORD, NEW_PASSWORD).status_code == 302
    assert client.get("/").status_code == 200  # this session carries on
    assert other_device.get("/").status_code == 302  # the other one must sign in again

    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert post_form(client, "/login", {"login": "cb001", "password": NEW_PASSWORD}).location == "/"


def test_passwords_are_stored_with_scrypt_by_default(tmp_path, database_url, _migrated):
    app = make_test_app(database_url, str(tmp_path), PASSWORD_HASH_METHOD="scrypt")
    from lms.accounts.operations import authenticate, hash_password

    with app.app_context():
        stored = hash_password("correct horse battery")
        assert stored.startswith("scrypt:")
        assert "correct horse battery" not in stored
        assert authenticate("nobody", "x") is None
        db.session.remove()
        db.engine.dispose()
    assert Official  # the model stores only password_hash
