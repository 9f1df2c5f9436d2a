"""Friendly error pages in the user's language: never a traceback."""

from __future__ import annotations

from flask import Flask, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.exceptions import HTTPException, InternalServerError

from lms.api.errors import http_error_response, is_api_request
from lms.extensions import db

_MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Go back and try again.")),
    403: (_l("Not allowed"), _l("Your account does not have access to this page.")),
    404: (_l("Page not found"), _l("This page does not exist, or you do not have access to it.")),
    405: (_l("Not allowed"), _l("This page cannot be used that way.")),
    413: (_l("File too large"), _l("The file you sent is larger than allowed.")),
    429: (_l("Too many attempts"),
          _l("Too many attempts in a short time. Wait a few minutes, then try again.")),
    500: (_l("Something went wrong"),
          _l("An unexpected error happened on our side. It has been logged; please try again later.")),
}


def _render(status: int, title: str | None = None, message: str | None = None):
    default_title, default_message = _MESSAGES.get(status, _MESSAGES[500])
    title, message = title or default_title, message or default_message
    try:
        page = render_template("errors/error.html", status=status, title=title, message=message)
    except Exception:  # the layout itself failed: still answer with a page, not a traceback
        current_app.logger.exception("Error page could not be rendered")
        page = f"<!doctype html><title>{escape(title)}</title><h1>{escape(title)}</h1><p>{escape(message)}</p>"
    return page, status


def _http_error(error: HTTPException):
    if is_api_request():  # machines get JSON, whatever went wrong
        return http_error_response(error)
    if error.response is not None:  # e.g. the redirect to the sign-in page
        return error.response
    return _render(error.code or 500)


def _csrf_error(error: CSRFError):
    if is_api_request():
        return http_error_response(error)
    return _render(
        400,
        _l("Form expired"),
        _l("The form was open too long or came from another site. Reload the page and send it again."),
    )


def _unexpected_error(error: Exception):
    db.session.rollback()
    original = getattr(error, "original_exception", None) or error
    if not isinstance(original, HTTPException):
        current_app.logger.exception("Unhandled error on %s %s", request.method, request.path,
                                     exc_info=original)
    if is_api_request():
        return http_error_response(InternalServerError())
    return _render(500)


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(InternalServerError, _unexpected_error)
