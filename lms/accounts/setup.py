"""Factory step for sign-in: Flask-Login, rate limiting, the forced password change."""

from __future__ import annotations

from flask import Flask, current_app, g, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from lms.accounts.access import is_token_view
from lms.accounts.models import Official
from lms.api.errors import is_api_request
from lms.extensions import db, limiter, login_manager

# Endpoints an official who must change their password may still reach.
_ALLOWED_BEFORE_PASSWORD_CHANGE = frozenset(
    {"auth.change_password", "auth.logout", "static", "i18n.set_language"}
)


def _load_official(user_id: str) -> Official | None:
    official_id, _, token = user_id.partition(":")
    if not official_id.isdigit() or not token:
        return None
    official = db.session.execute(
        select(Official).where(Official.id == int(official_id))
    ).scalar_one_or_none()
    if official is None or not official.active or official.session_token != token:
        return None
    return official


def _no_session_for_token_views() -> None:
    """API requests authenticate by bearer token only: a session or remember-me cookie sent
    along must neither sign anyone in nor trigger the redirects of signed-in pages (not even
    on an API path that does not exist, which must still answer JSON).

    Flask-Login loads the user lazily and keeps it on ``g._login_user``; setting the anonymous
    user there first means the cookies are never read for these requests.
    """
    if is_api_request() or is_token_view(current_app.view_functions.get(request.endpoint)):
        g._login_user = login_manager.anonymous_user()


def _enforce_password_change():
    if (
        current_user.is_authenticated
        and current_user.must_change_password
        and request.endpoint not in _ALLOWED_BEFORE_PASSWORD_CHANGE
    ):
        return redirect(url_for("auth.change_password"))
    return None


def configure_auth(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(_load_official)
    app.before_request(_no_session_for_token_views)  # first: nothing may read the session before
    app.before_request(_enforce_password_change)

    limiter.init_app(app)
