"""Reads over officials, always limited to a set of unit ids (the reader's scope)."""

from __future__ import annotations

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import joinedload

from lms.accounts.models import Official
from lms.org.queries import subtree_ids
from lms.text import fold_for_search, normalise_login


def officials_in_scope(
    scope: Select[tuple[int]], *, unit_id: int | None = None, search: str | None = None,
    include_inactive: bool = True,
) -> Select[tuple[Official]]:
    """Officials whose unit is in ``scope`` (optionally under ``unit_id``), matching ``search``."""
    query = (
        select(Official)
        .options(joinedload(Official.unit))
        .where(Official.unit_id.in_(scope))
        .order_by(Official.name_sort, Official.id)
    )
    if unit_id is not None:
        query = query.where(Official.unit_id.in_(subtree_ids(unit_id)))
    if search:
        folded = fold_for_search(search)
        pattern = "%" + folded.replace("\\", "").replace("%", "").replace("_", "") + "%"
        query = query.where(
            or_(Official.name_search.like(pattern),
                Official.login.like("%" + normalise_login(search).replace("%", "") + "%"))
        )
    if not include_inactive:
        query = query.where(Official.active.is_(True))
    return query
