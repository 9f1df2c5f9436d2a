"""Small helpers shared by views: safe redirects and pagination."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

from flask import request
from sqlalchemy import Select, func, select

from lms.extensions import db

T = TypeVar("T")


def safe_next(target: str | None) -> str | None:
    """Accept only a path on this site as a place to go back to (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def paginate(query: Select[Any], *, per_page: int = 50, rows: bool = False) -> Page[Any]:
    """One COUNT and one LIMIT/OFFSET query for the page named by ``?page=``.

    Items are ORM objects, or row mappings with ``rows=True`` (for multi-column selects)."""
    page = request.args.get("page", 1, type=int) or 1
    page = max(page, 1)
    total = db.session.execute(
        select(func.count()).select_from(query.order_by(None).subquery())
    ).scalar_one()
    result = db.session.execute(query.limit(per_page).offset((page - 1) * per_page))
    items = list(result.mappings() if rows else result.scalars())
    return Page(items=items, page=page, per_page=per_page, total=total)
