"""Languages: Vietnamese first, English complete.

The locale comes from the official's own setting, then the language switcher's cookie,
then the browser's Accept-Language, then Vietnamese. Catalogs (``translations/*.po``) are
compiled to ``.mo`` at start-up when missing or older than their ``.po``, so a fresh clone
shows translated pages without a manual ``pybabel compile``.
"""

from __future__ import annotations

import functools
import os
import tempfile
from pathlib import Path

import click
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Blueprint, Flask, current_app, has_request_context, redirect, request, url_for
from flask_babel import force_locale, get_locale
from flask_login import current_user

from lms.accounts.access import public
from lms.extensions import babel, db
from lms.web import safe_next

LOCALE_COOKIE = "lms_locale"
LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}

bp = Blueprint("i18n", __name__)


def lang_option(help_text: str = "Language of the messages (default: LMS_DEFAULT_LOCALE)."):
    """A CLI command's ``--lang vi|en`` option (None: the configured default); see cli_locale.

    The help text stays English: click renders it before any language is chosen.
    """
    return click.option("--lang", type=click.Choice(list(LANGUAGE_NAMES)), default=None,
                        help=help_text)


def cli_locale(lang: str | None):
    """The language a CLI command speaks: its ``--lang``, or the configured default."""
    return force_locale(lang or current_app.config["BABEL_DEFAULT_LOCALE"])


def in_chosen_language(help_text: str = "Language of the messages (default: LMS_DEFAULT_LOCALE)."):
    """A CLI command with a ``--lang vi|en`` option that runs in that language (see
    lang_option and cli_locale). Put it below ``@with_appcontext``, which it needs.

    A command that must do part of its work outside the language (``lms demo`` serves the app
    afterwards, and requests would reuse the forced locale) takes lang_option and cli_locale
    instead."""
    def decorate(command):
        @functools.wraps(command)
        def in_language(*args, lang: str | None = None, **kwargs):
            with cli_locale(lang):
                return command(*args, **kwargs)
        return lang_option(help_text)(in_language)
    return decorate


def select_locale() -> str:
    supported = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.preferred_locale in supported:
        return current_user.preferred_locale
    cookie = request.cookies.get(LOCALE_COOKIE)
    if cookie in supported:
        return cookie
    return request.accept_languages.best_match(supported) or current_app.config["BABEL_DEFAULT_LOCALE"]


def compile_catalogs(translations: Path) -> list[Path]:
    """Compile every ``messages.po`` whose ``.mo`` is missing or stale; return what was written."""
    written = []
    for po_path in sorted(translations.glob("*/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=po_path.parent.parent.name)
        # Write beside, then rename: several workers may start at once.
        fd, tmp = tempfile.mkstemp(dir=mo_path.parent, suffix=".mo.tmp")
        with os.fdopen(fd, "wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        os.replace(tmp, mo_path)
        written.append(mo_path)
    return written


@bp.route("/language", methods=["POST"])
@public
def set_language():
    """The language switcher: remembers the choice in a cookie and on the official's profile."""
    choice = request.form.get("language", "")
    target = request.form.get("next") or url_for("main.home")
    response = redirect(safe_next(target) or url_for("main.home"))
    if choice in current_app.config["LANGUAGES"]:
        response.set_cookie(LOCALE_COOKIE, choice, max_age=365 * 24 * 3600, samesite="Lax",
                            secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True)
        if current_user.is_authenticated and current_user.preferred_locale != choice:
            current_user.preferred_locale = choice
            db.session.commit()
    return response


def _template_context() -> dict[str, object]:
    locale = get_locale()
    return {
        "current_locale": locale.language if locale else current_app.config["BABEL_DEFAULT_LOCALE"],
        "language_names": LANGUAGE_NAMES,
    }


def configure_i18n(app: Flask) -> None:
    compile_catalogs(Path(app.config["BABEL_TRANSLATION_DIRECTORIES"]))
    babel.init_app(app, locale_selector=select_locale)
    app.context_processor(_template_context)
