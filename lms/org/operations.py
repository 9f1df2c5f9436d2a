"""Writes to the unit tree. Each keeps the closure table exact; callers commit."""

from __future__ import annotations

from sqlalchemy import delete, insert, literal, select, true

from lms.audit.operations import record_event
from lms.extensions import db
from lms.org.models import OrgUnit, OrgUnitClosure, UnitKind
from lms.org.queries import subtree_ids
from lms.text import clean_text


class UnitError(ValueError):
    """A unit change that would break the tree (the message is shown to the user)."""


def create_unit(
    *, code: str, name_vi: str, name_en: str, kind: UnitKind, parent: OrgUnit | None
) -> OrgUnit:
    unit = OrgUnit(
        code=clean_text(code).upper(),
        name_vi=clean_text(name_vi),
        name_en=clean_text(name_en),
        kind=kind,
        parent=parent,
    )
    db.session.add(unit)
    db.session.flush()
    closure = OrgUnitClosure.__table__
    db.session.execute(
        insert(closure).from_select(
            ["ancestor_id", "descendant_id", "depth"],
            select(closure.c.ancestor_id, literal(unit.id), closure.c.depth + 1)
            .where(closure.c.descendant_id == unit.parent_id)
            .union_all(select(literal(unit.id), literal(unit.id), literal(0))),
        )
    )
    record_event("unit.create", target_type="unit", target_id=unit.id, unit_id=unit.id,
                 code=unit.code, parent=parent.code if parent else None)
    return unit


def update_unit(
    unit: OrgUnit, *, name_vi: str, name_en: str, kind: UnitKind, parent: OrgUnit | None,
    active: bool,
) -> OrgUnit:
    changes: dict[str, list[object]] = {}
    for field, value in (("name_vi", clean_text(name_vi)), ("name_en", clean_text(name_en)),
                         ("kind", kind), ("active", active)):
        if getattr(unit, field) != value:
            changes[field] = [str(getattr(unit, field)), str(value)]
            setattr(unit, field, value)
    if (parent.id if parent else None) != unit.parent_id:
        changes["parent"] = [unit.parent.code if unit.parent else None,
                             parent.code if parent else None]
        move_unit(unit, parent)
    if changes:
        record_event("unit.update", target_type="unit", target_id=unit.id, unit_id=unit.id,
                     changes=changes)
    return unit


def move_unit(unit: OrgUnit, new_parent: OrgUnit | None) -> None:
    """Re-hang a whole subtree under another parent (or make it a root)."""
    closure = OrgUnitClosure.__table__
    if new_parent is not None:
        inside = db.session.execute(
            select(closure.c.descendant_id).where(
                closure.c.ancestor_id == unit.id, closure.c.descendant_id == new_parent.id
            )
        ).first()
        if inside:
            raise UnitError("A unit cannot be moved under itself or one of its own sub-units.")

    subtree = subtree_ids(unit.id)
    # Drop the links from the old ancestors into the subtree...
    db.session.execute(
        delete(closure).where(
            closure.c.descendant_id.in_(subtree),
            closure.c.ancestor_id.not_in(subtree),
        )
    )
    # ...and link every new ancestor to every member of the subtree.
    if new_parent is not None:
        above = closure.alias("above")
        below = closure.alias("below")
        db.session.execute(
            insert(closure).from_select(
                ["ancestor_id", "descendant_id", "depth"],
                select(above.c.ancestor_id, below.c.descendant_id,
                       above.c.depth + below.c.depth + 1)
                .select_from(above.join(below, true()))  # every ancestor × every descendant
                .where(above.c.descendant_id == new_parent.id, below.c.ancestor_id == unit.id),
            )
        )
    unit.parent = new_parent
    db.session.flush()
