"""Reads over the unit tree: each is one indexed query on the closure table."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select

from lms.extensions import db
from lms.org.models import OrgUnit, OrgUnitClosure, UnitKind
from lms.text import fold_for_search


def subtree_ids(unit_id: int) -> Select[tuple[int]]:
    """Ids of the unit and every unit below it, as a subquery-ready SELECT."""
    return select(OrgUnitClosure.descendant_id).where(OrgUnitClosure.ancestor_id == unit_id)


def is_within(unit_id: int, ancestor_id: int) -> bool:
    return db.session.execute(
        select(OrgUnitClosure.depth).where(
            OrgUnitClosure.ancestor_id == ancestor_id, OrgUnitClosure.descendant_id == unit_id
        )
    ).first() is not None


def ancestors(unit_id: int) -> list[OrgUnit]:
    """The unit's ancestors from the root down, the unit itself last (for breadcrumbs)."""
    return list(
        db.session.execute(
            select(OrgUnit)
            .join(OrgUnitClosure, OrgUnitClosure.ancestor_id == OrgUnit.id)
            .where(OrgUnitClosure.descendant_id == unit_id)
            .order_by(OrgUnitClosure.depth.desc())
        ).scalars()
    )


@dataclass(frozen=True)
class TreeRow:
    unit: OrgUnit
    depth: int


def unit_tree(within: Select[tuple[int]] | None = None) -> list[TreeRow]:
    """Units in depth-first order with their depth, optionally limited to a set of unit ids.

    One query loads the units with their depth; the ordering is done in memory (a province
    has hundreds of units, not millions).
    """
    depth = (
        select(func.max(OrgUnitClosure.depth))
        .where(OrgUnitClosure.descendant_id == OrgUnit.id)
        .scalar_subquery()
    )
    query = select(OrgUnit, depth)
    if within is not None:
        query = query.where(OrgUnit.id.in_(within))
    rows = db.session.execute(query).all()
    by_parent: dict[int | None, list[tuple[OrgUnit, int]]] = {}
    present = {unit.id for unit, _ in rows}
    for unit, unit_depth in rows:
        # A unit whose parent is outside the requested set is shown as a top-level row.
        key = unit.parent_id if unit.parent_id in present else None
        by_parent.setdefault(key, []).append((unit, unit_depth))
    kind_order = {kind: position for position, kind in enumerate(UnitKind)}
    for children in by_parent.values():
        # Departments before communes, wards and zones; then alphabetically.
        children.sort(key=lambda pair: (kind_order[pair[0].kind], fold_for_search(pair[0].name_vi)))

    ordered: list[TreeRow] = []
    stack = list(reversed(by_parent.get(None, [])))
    top_depth = min((d for _, d in by_parent.get(None, [])), default=0)
    while stack:
        unit, unit_depth = stack.pop()
        ordered.append(TreeRow(unit, unit_depth - top_depth))
        stack.extend(reversed(by_parent.get(unit.id, [])))
    return ordered
