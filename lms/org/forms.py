"""Form helpers for choosing a unit."""

from __future__ import annotations

from collections.abc import Iterable

from wtforms.fields.choices import SelectChoice

from lms.org.queries import TreeRow


def unit_choices(rows: Iterable[TreeRow], *, with_code: bool = True) -> list[SelectChoice]:
    """Options for a unit select, in tree order, each indented by its depth (an em space a
    level, which survives in an ``<option>`` where leading spaces would not)."""
    return [SelectChoice(row.unit.id, "\u2003" * row.depth + (
        f"{row.unit.name} ({row.unit.code})" if with_code else row.unit.name)) for row in rows]
