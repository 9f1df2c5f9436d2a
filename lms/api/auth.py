"""Bearer-token authentication for the integration API, and the audit record of every use.

Tokens are ``lms_`` followed by 43 random URL-safe characters (256 bits). Only their SHA-256
digest is stored; a presented token is looked up by its digest. The token is accepted only
in the ``Authorization: Bearer`` header: a token in the URL would end up in proxy and server
logs, and a session cookie never authenticates an API request (see
``lms.accounts.setup._no_session_for_token_views``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, ParamSpec

from flask import Response, current_app, g, request
from sqlalchemy import select, update
from werkzeug.exceptions import HTTPException

from lms.accounts.access import TOKEN_ATTRIBUTE
from lms.api.errors import unauthorized
from lms.api.models import ApiToken, TokenState
from lms.audit.operations import record_event
from lms.db import utcnow
from lms.extensions import db
from lms.org.models import OrgUnit

P = ParamSpec("P")

TOKEN_PREFIX = "lms_"
DISPLAY_PREFIX_LENGTH = 12  # "lms_" and 8 random characters: enough to tell tokens apart
# Query strings are recorded in the audit log, bounded so a client cannot bloat it.
_MAX_AUDITED_PARAMETERS = 12
_MAX_AUDITED_VALUE = 120
# Names under which clients tend to put a token in the URL: refused with a hint.
_TOKEN_QUERY_NAMES = frozenset({"access_token", "token", "api_key", "apikey", "key"})


def generate_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Caller:
    """The token behind the current API request: what the views scope their queries by."""

    token_id: int
    name: str
    prefix: str
    unit_id: int
    unit_code: str


def current_caller() -> Caller:
    return g.api_caller


def _presented_token() -> str | None:
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    credentials = credentials.strip()
    if scheme.lower() != "bearer" or not credentials:
        return None
    return credentials


def authenticate() -> Caller:
    """The caller named by the request's bearer token; 401 for anything else."""
    presented = _presented_token()
    if presented is None:
        if _TOKEN_QUERY_NAMES & set(request.args):
            raise unauthorized("token_in_url", "Tokens are accepted only in the Authorization header "
                               "(Authorization: Bearer <token>), never in the URL. Treat the token "
                               "you sent as exposed and ask for a new one.", invalid=False)
        raise unauthorized("token_missing", "Send an API token as 'Authorization: Bearer <token>'.",
                           invalid=False)
    digest = hash_token(presented)
    row = db.session.execute(
        select(ApiToken, OrgUnit.code)
        .join(OrgUnit, OrgUnit.id == ApiToken.unit_id)
        .where(ApiToken.token_hash == digest)
    ).first()
    if row is None or not hmac.compare_digest(row.ApiToken.token_hash, digest):
        current_app.logger.warning("API request with an unknown token from %s", request.remote_addr)
        raise unauthorized("token_invalid", "This API token is not known.")
    token, unit_code = row
    caller = Caller(token_id=token.id, name=token.name, prefix=token.prefix, unit_id=token.unit_id,
                    unit_code=unit_code)
    state = token.state(utcnow())
    if state is not TokenState.ACTIVE:
        # A revoked or expired token still in use is worth seeing in the log.
        record_use(caller, status=401, count=None, refused=state.value)
        raise unauthorized(f"token_{state.value}", f"This API token is {state.value}.")
    return caller


def _audited_query() -> str:
    """The query parameters as readable ``name=value&…`` text (decoded, bounded in size)."""
    pairs = list(request.args.items(multi=True))[:_MAX_AUDITED_PARAMETERS]
    return "&".join(f"{name[:_MAX_AUDITED_VALUE]}={value[:_MAX_AUDITED_VALUE]}" for name, value in pairs)


def record_use(caller: Caller, *, status: int, count: int | None, refused: str | None = None) -> None:
    """One audit event per API request, in its own short transaction after the reads.

    The request only read, so ending its transaction first loses nothing and keeps the
    write (and the lock on the token's row for ``last_used_at``) as short as possible. If the
    event cannot be written the request fails: no use goes unrecorded.
    """
    db.session.rollback()
    details: dict[str, Any] = {
        "token": caller.name,
        "prefix": caller.prefix,
        "scope": caller.unit_code,
        "method": request.method,
        "endpoint": request.path,
        "query": _audited_query(),
        "status": status,
        "count": count,
    }
    if refused:
        details["refused"] = refused
    else:
        db.session.execute(update(ApiToken).where(ApiToken.id == caller.token_id)
                           .values(last_used_at=utcnow()))
    record_event("api.request", target_type="api_token", target_id=caller.token_id,
                 unit_id=caller.unit_id, actor_id=None, **details)
    db.session.commit()


def set_result_count(count: int) -> None:
    """Views call this with the number of items they return (for the audit record)."""
    g.api_result_count = count


def api_token_required(view: Callable[P, Response]) -> Callable[P, Response]:
    """View decorator: authenticate by bearer token, run the view, audit the request."""

    @wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> Response:
        caller = authenticate()
        g.api_caller = caller
        try:
            response = view(*args, **kwargs)
        except HTTPException as error:
            record_use(caller, status=error.code or 500, count=None)
            raise
        except Exception:
            db.session.rollback()
            record_use(caller, status=500, count=None)
            raise
        record_use(caller, status=response.status_code, count=g.get("api_result_count"))
        return response

    setattr(wrapped, TOKEN_ATTRIBUTE, True)
    return wrapped
