"""``/api/v1``: the read-only JSON API for Home Affairs systems (see docs/api.md).

Every list answers ``{"data": [...], "pagination": {...}}`` (scores add ``meta``), is limited
to the subtree of the token's unit, and may be narrowed with ``?unit=CODE`` to a unit inside
that subtree. The OpenAPI document in ``openapi.yaml`` describes every route; a test holds
the two together.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy.engine import RowMapping

from lms.accounts.access import public
from lms.api import queries
from lms.api.auth import api_token_required, current_caller, hash_token, set_result_count
from lms.api.errors import bad_request, not_found
from lms.api.openapi import openapi_document
from lms.api.pagination import fetch_page
from lms.extensions import limiter
from lms.scoring.compute import period_bounds
from lms.scoring.models import YEAR
from lms.scoring.operations import ScoringError, scores_for, zone
from lms.scoring.policy import PERIODS

bp = Blueprint("api", __name__)

PERIOD_NAMES = {"year": YEAR, **{quarter: quarter for quarter in PERIODS}}


def _rate_limit_key() -> str:
    """Requests are counted per token (by its digest); without one, per client address."""
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return "api-token:" + hash_token(credentials.strip())[:32]
    return "api-address:" + (request.remote_addr or "unknown")


# One budget per token for the whole API, not one per endpoint.
limiter.shared_limit(lambda: current_app.config["API_RATE_LIMIT"], scope="api",
                     key_func=_rate_limit_key)(bp)


@bp.after_request
def _no_caching(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"  # answers hold personal data
    return response


# Parameters --------------------------------------------------------------------------------

def _only_parameters(*allowed: str) -> None:
    """Refuse unknown parameters: a misspelt filter must not silently widen the answer."""
    unknown = sorted(set(request.args) - {*allowed, "limit", "cursor"})
    if unknown:
        raise bad_request("unknown_parameter", f"Unknown query parameter: {', '.join(unknown)}.")


def _scope_root() -> int:
    """The unit whose subtree is listed: the token's, or ``?unit=CODE`` inside it."""
    caller = current_caller()
    code = request.args.get("unit")
    if code is None:
        return caller.unit_id
    unit = queries.unit_in_scope(code, caller.unit_id)
    if unit is None:
        raise not_found("unit_not_found", "There is no unit with this code within the token's scope.")
    return unit.id


def _year(required: bool) -> int | None:
    raw = request.args.get("year")
    if raw is None and not required:
        return None
    if raw is None or not raw.isdigit() or not 2000 <= int(raw) <= 2100:
        raise bad_request("invalid_parameter", "'year' must be a year such as 2026.")
    return int(raw)


def _boolean(name: str) -> bool | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    if raw.lower() in {"true", "1"}:
        return True
    if raw.lower() in {"false", "0"}:
        return False
    raise bad_request("invalid_parameter", f"'{name}' must be true or false.")


def _moment(name: str) -> datetime | None:
    """An ISO 8601 timestamp with its offset, or a date (the start of that day, local time)."""
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        if len(raw) == 10:
            return datetime.combine(date.fromisoformat(raw), time(0), tzinfo=zone()).astimezone(UTC)
        moment = datetime.fromisoformat(raw.replace(" ", "+"))  # '+' arrives as a space if unescaped
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise bad_request("invalid_parameter", f"'{name}' must be a date (2026-05-01) or a timestamp "
                          "with its offset (2026-05-01T08:00:00+07:00).")
    return moment.astimezone(UTC)


# Responses ---------------------------------------------------------------------------------

def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


def _official_code(row: RowMapping) -> dict[str, str]:
    """The HR system's employee code, or the login for accounts that have none."""
    if row["employee_code"]:
        return {"official_code": row["employee_code"], "code_type": "employee_code"}
    return {"official_code": row["login"], "code_type": "login"}


def _listing(items: Iterable[dict[str, Any]], pagination: dict[str, Any],
             meta: dict[str, Any] | None = None) -> Response:
    data = list(items)
    set_result_count(len(data))
    body: dict[str, Any] = {"data": data, "pagination": pagination}
    if meta is not None:
        body["meta"] = meta
    return jsonify(body)


# Endpoints: numbers are converted explicitly (PostgreSQL sums come back as Decimal) -------

@bp.route("/openapi.json")
@public
def openapi():
    """The API's OpenAPI 3.1 description (public: it holds no data)."""
    return current_app.response_class(openapi_document(as_json=True), mimetype="application/json")


@bp.route("/units")
@api_token_required
def units():
    _only_parameters("unit")
    root = _scope_root()
    page = fetch_page(queries.units(root, current_caller().unit_id), queries.UNIT_KEYSET)
    return _listing(({
        "code": row["code"],
        "name_vi": row["name_vi"],
        "name_en": row["name_en"],
        "kind": str(row["kind"]),
        "parent_code": row["parent_code"],
        "active": bool(row["active"]),
    } for row in page.rows), page.pagination())


@bp.route("/officials")
@api_token_required
def officials():
    _only_parameters("unit", "active")
    active = _boolean("active")
    page = fetch_page(queries.officials(_scope_root(), active=active), queries.OFFICIAL_KEYSET)
    return _listing(({
        **_official_code(row),
        "full_name": row["full_name"],
        "unit_code": row["unit_code"],
        "staff_category": str(row["staff_category"]),
        "position": row["position_title"],
        "active": bool(row["active"]),
    } for row in page.rows), page.pagination())


@bp.route("/completions")
@api_token_required
def completions():
    _only_parameters("unit", "year", "since", "course")
    root = _scope_root()
    year = _year(required=False)
    start, end = period_bounds(year, YEAR, zone()) if year is not None else (None, None)
    since = _moment("since")
    if since is not None:
        start = max(start, since) if start is not None else since
    page = fetch_page(queries.completions(root, start=start, end=end, course=request.args.get("course")),
                      queries.COMPLETION_KEYSET)
    return _listing(({
        **_official_code(row),
        "unit_code": row["unit_code"],
        "course": row["course"],
        "completed_at": _iso(row["completed_at"]),
        "score": row["percent"],
        "best_score": row["best_percent"],
    } for row in page.rows), page.pagination())


def _requested_scores():
    """Year and period from the query string, with where their scores come from."""
    year = _year(required=True)
    name = request.args.get("period", "year")
    if name not in PERIOD_NAMES:
        raise bad_request("invalid_parameter", "'period' must be year, Q1, Q2, Q3 or Q4.")
    try:
        scores = scores_for(year, PERIOD_NAMES[name])
    except ScoringError as error:
        raise not_found("no_scores", str(error)) from None
    snapshot = scores.snapshot
    meta = {
        "year": year,
        "period": name,
        "source": "frozen" if scores.frozen else "live",
        "as_of": _iso(scores.as_of),
        "policy_hash": scores.policy.hash if snapshot is None else snapshot.policy_hash,
        "snapshot": None if snapshot is None else {
            "id": snapshot.id, "frozen_at": _iso(snapshot.frozen_at), "policy_hash": snapshot.policy_hash,
        },
    }
    return scores, meta


@bp.route("/scores")
@api_token_required
def official_scores():
    _only_parameters("unit", "year", "period")
    root = _scope_root()
    scores, meta = _requested_scores()
    page = fetch_page(*queries.official_scores(scores, root))
    return _listing(({
        **_official_code(row),
        "unit_code": row["unit_code"],
        "staff_category": str(row["staff_category"]),
        "courses_due": int(row["courses_due"]),
        "on_time": int(row["on_time"]),
        "late": int(row["late"]),
        "missing": int(row["missing"]),
        "indicator": float(row["indicator"]),
        "band": row["band"],
        "meets_standard": bool(row["meets_standard"]),
    } for row in page.rows), page.pagination(), meta)


@bp.route("/scores/units")
@api_token_required
def unit_scores():
    _only_parameters("unit", "year", "period")
    root = _scope_root()
    scores, meta = _requested_scores()
    page = fetch_page(*queries.unit_scores(scores, root))
    return _listing(({
        "unit_code": row["unit_code"],
        "parent_code": row["parent_code"],
        "headcount": int(row["headcount"]),
        "meeting_standard": int(row["meeting"]),
        "share_meeting_standard": float(row["share_meeting"]),
        "mean_indicator": float(row["mean_indicator"]),
        "on_time_share": float(row["on_time_share"]),
        "rank": None if row["rank"] is None else int(row["rank"]),
    } for row in page.rows), page.pagination(), meta)
