"""Keyset (cursor) pagination: each page is one indexed ``WHERE key > last ORDER BY key LIMIT n``.

Unlike OFFSET, a page costs the same wherever it is and rows inserted meanwhile neither
repeat nor go missing. The cursor names the last row's key, signed with the app's secret
(and the list's name) so clients treat it as opaque and cannot hand one list's cursor to
another.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from flask import current_app, request, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Select, and_, or_
from sqlalchemy.engine import RowMapping
from sqlalchemy.sql.elements import ColumnElement

from lms.api.errors import bad_request
from lms.extensions import db

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000

KeyKind = Literal["int", "str", "datetime"]


@dataclass(frozen=True)
class KeyPart:
    """One column of a list's sort key: the row label it is read from, its SQL, its type."""

    label: str
    column: ColumnElement[Any]
    kind: KeyKind


@dataclass(frozen=True)
class Keyset:
    """A list's name (it salts the cursor) and its unique, stable sort key."""

    name: str
    parts: tuple[KeyPart, ...]

    def _serializer(self) -> URLSafeSerializer:
        return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=f"lms-api-cursor:{self.name}")

    def encode(self, row: RowMapping) -> str:
        values = [row[part.label].isoformat() if part.kind == "datetime" else row[part.label]
                  for part in self.parts]
        return self._serializer().dumps(values)

    def decode(self, cursor: str) -> list[Any]:
        try:
            values = self._serializer().loads(cursor)
            if not isinstance(values, list) or len(values) != len(self.parts):
                raise ValueError("wrong shape")
            return [_decode_value(value, part.kind) for value, part in zip(values, self.parts, strict=True)]
        except (BadSignature, ValueError, TypeError):
            raise bad_request("invalid_cursor", "The cursor is not one this list handed out. "
                              "Start again without a cursor, or follow the 'next' link.") from None

    def after(self, values: Sequence[Any]) -> ColumnElement[bool]:
        """Rows strictly after ``values`` in key order: (a, b) > (x, y) spelled portably."""
        columns = [part.column for part in self.parts]
        condition = columns[-1] > values[-1]
        for column, value in zip(reversed(columns[:-1]), reversed(values[:-1]), strict=True):
            condition = or_(column > value, and_(column == value, condition))
        return condition


def _decode_value(value: Any, kind: KeyKind) -> Any:
    if kind == "int" and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind == "str" and isinstance(value, str):
        return value
    if kind == "datetime" and isinstance(value, str):
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError("naive timestamp")
        return moment
    raise ValueError(f"not a {kind}")


def requested_limit() -> int:
    raw = request.args.get("limit")
    if raw is None:
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise bad_request("invalid_parameter",
                          f"'limit' must be a whole number from 1 to {MAX_LIMIT}.")
    return int(raw)


@dataclass(frozen=True)
class KeysetPage:
    rows: list[RowMapping]
    limit: int
    next_cursor: str | None

    def pagination(self) -> dict[str, Any]:
        """The page's ``pagination`` object: the limit, the next cursor and the next page's URL."""
        next_url = None
        if self.next_cursor is not None:
            args = {**request.args.to_dict(), "cursor": self.next_cursor, "limit": self.limit}
            next_url = url_for(request.endpoint, _external=True, **(request.view_args or {}), **args)
        return {"limit": self.limit, "next_cursor": self.next_cursor, "next": next_url}


def fetch_page(statement: Select[Any], keyset: Keyset) -> KeysetPage:
    """The page of ``statement`` that ``?cursor=`` and ``?limit=`` ask for, in key order.

    One row more than the limit is read to learn whether another page follows.
    """
    limit = requested_limit()
    cursor = request.args.get("cursor")
    if cursor:
        statement = statement.where(keyset.after(keyset.decode(cursor)))
    statement = statement.order_by(None).order_by(*(part.column for part in keyset.parts))
    rows = list(db.session.execute(statement.limit(limit + 1)).mappings())
    more = len(rows) > limit
    rows = rows[:limit]
    return KeysetPage(rows=rows, limit=limit, next_cursor=keyset.encode(rows[-1]) if more else None)
