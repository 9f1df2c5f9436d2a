"""JSON errors for the integration API: ``{"error": {"code": ..., "message": ...}}``, never HTML.

Messages are English and meant for the developers of the calling system; ``code`` is the
stable, machine-readable part.
"""

from __future__ import annotations

import math
import time

from flask import Response, jsonify, request
from werkzeug.exceptions import HTTPException

from lms.extensions import limiter

API_PREFIX = "/api/"

# HTTP status -> (code, message) for errors raised outside the API's own checks (routing,
# method, rate limit, unexpected failures).
_GENERIC: dict[int, tuple[str, str]] = {
    400: ("bad_request", "The request could not be understood."),
    401: ("unauthorized", "A valid API token is required."),
    403: ("forbidden", "This token may not do that."),
    404: ("not_found", "There is no such resource."),
    405: ("method_not_allowed", "This API is read-only: use GET."),
    413: ("too_large", "The request is too large."),
    429: ("rate_limited", "Too many requests with this token. Slow down and retry later."),
    500: ("server_error", "An unexpected error happened on our side. It has been logged."),
}


class ApiError(HTTPException):
    """An API refusal with its status, machine-readable code and message."""

    def __init__(self, status: int, code: str, message: str,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(description=message)
        self.code = status
        self.error_code = code
        self.extra_headers = headers or {}


def bad_request(code: str, message: str) -> ApiError:
    return ApiError(400, code, message)


def not_found(code: str, message: str) -> ApiError:
    return ApiError(404, code, message)


def unauthorized(code: str, message: str, *, invalid: bool = True) -> ApiError:
    """401 with the challenge RFC 6750 asks for; ``invalid`` when a token was sent but refused."""
    challenge = 'Bearer realm="lms"' + (', error="invalid_token"' if invalid else "")
    return ApiError(401, code, message, {"WWW-Authenticate": challenge})


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def error_response(status: int, code: str, message: str,
                   headers: dict[str, str] | None = None) -> Response:
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def http_error_response(error: HTTPException) -> Response:
    """Any HTTP error raised while serving an API path, as JSON."""
    status = error.code or 500
    if isinstance(error, ApiError):
        return error_response(status, error.error_code, error.description or "", error.extra_headers)
    code, message = _GENERIC.get(status, _GENERIC[500] if status >= 500 else _GENERIC[400])
    headers = {}
    allowed = getattr(error, "valid_methods", None)
    if status == 405 and allowed:
        headers["Allow"] = ", ".join(allowed)
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="lms"'
    if status == 429 and limiter.current_limit is not None:
        headers["Retry-After"] = str(max(1, math.ceil(limiter.current_limit.reset_at - time.time())))
    return error_response(status, code, message, headers)
