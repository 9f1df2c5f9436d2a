from __future__ import annotations

from datetime import UTC, datetime

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale, format_datetime

from lms.accounts.models import Official
from lms.extensions import db
from lms.translations_cli import catalog_path, extract_messages
from tests.conftest import csrf_token


def test_vietnamese_is_the_default(bare_client):
    page = bare_client.get("/login").get_data(as_text=True)
    assert '<html lang="vi">' in page
    assert "Đăng nhập" in page


def test_browser_language_is_followed_and_unknown_ones_fall_back(bare_client):
    client = bare_client
    english = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in english.get_data(as_text=True)
    assert "Sign in" in english.get_data(as_text=True)
    french = client.get("/login", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert '<html lang="vi">' in french.get_data(as_text=True)


def test_switcher_remembers_the_choice(bare_client):
    client = bare_client
    token = csrf_token(client)
    response = client.post("/language", data={"language": "en", "next": "/login",
                                              "csrf_token": token})
    assert response.status_code == 302 and response.location == "/login"
    page = client.get("/login", headers={"Accept-Language": "vi"}).get_data(as_text=True)
    assert '<html lang="en">' in page


def test_switcher_ignores_unknown_languages_and_foreign_targets(client):
    token = csrf_token(client)
    response = client.post("/language", data={"language": "xx", "next": "https://evil.example/",
                                              "csrf_token": token})
    assert response.location == "/"
    assert client.get_cookie("lms_locale") is None


def test_official_setting_wins_and_switcher_updates_it(app, client, make_official, login_as):
    # ``client`` asks for English; the official's own setting and the switcher decide instead.
    official = make_official("cb001", preferred_locale="en")
    login_as(official)
    client.set_cookie("lms_locale", "vi")
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)

    client.post("/language", data={"language": "vi", "csrf_token": csrf_token(client, "/")})
    assert '<html lang="vi">' in client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Official, official.id).preferred_locale == "vi"


def test_dates_are_shown_in_vietnam_time_and_locale_format(app):
    moment = datetime(2026, 1, 1, 17, 30, tzinfo=UTC)  # 00:30 on 2 January in Hà Nội
    with app.test_request_context():
        with force_locale("vi"):
            assert format_datetime(moment, "short") == "00:30 2/1/26"
        with force_locale("en"):
            assert "1/2/26" in format_datetime(moment, "short")


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_every_message_is_translated(locale):
    """Fails when a string in the code or templates has no translation in either catalog."""
    with catalog_path(locale).open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    extracted = {message.id for message in extract_messages() if message.id}
    known = {message.id for message in catalog if message.id}
    assert sorted(extracted - known, key=str) == [], "run `lms translations update`, then translate"

    untranslated = [
        message.id for message in catalog
        if message.id and not (all(message.string) if isinstance(message.string, tuple)
                               else message.string)
    ]
    assert untranslated == []
    assert [message.id for message in catalog if message.id and message.fuzzy] == []
    problems = [(message.id, [str(error) for error in errors]) for message, errors in catalog.check()]
    assert problems == []  # placeholders match their msgid
