"""The API's reads: one set-based SELECT per list, filtered by the token's unit subtree.

Only what a Home Affairs system needs leaves the platform: codes rather than internal ids,
no e-mail addresses, no account or password data, no names beside scores (a system that
needs names reads ``/officials`` and joins on the official's code). Students and citizens
who attend school sessions are not staff and are left out; so are officials whose personal
data was erased.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, case, null, select
from sqlalchemy.orm import aliased

from lms.accounts.models import Official, StaffCategory
from lms.api.pagination import KeyPart, Keyset
from lms.extensions import db
from lms.learning.models import Course, CourseCompletion
from lms.org.models import OrgUnit
from lms.org.queries import is_within, subtree_ids
from lms.scoring.sources import FrozenScores, LiveScores

STAFF_CATEGORIES = (StaffCategory.CAN_BO, StaffCategory.CONG_CHUC, StaffCategory.VIEN_CHUC,
                    StaffCategory.NGUOI_LAO_DONG)


def unit_in_scope(code: str, scope_root_id: int) -> OrgUnit | None:
    """The unit with this code when it lies in the subtree of ``scope_root_id``, else None
    (a unit elsewhere and a unit that does not exist look the same)."""
    unit = db.session.execute(
        select(OrgUnit).where(OrgUnit.code == code.strip().upper())
    ).scalar_one_or_none()
    if unit is None or not is_within(unit.id, scope_root_id):
        return None
    return unit


def _staff_in(root_id: int):
    """Officials of the subtree whom the API may show."""
    return (Official.unit_id.in_(subtree_ids(root_id)), Official.anonymised_at.is_(None),
            Official.staff_category.in_(STAFF_CATEGORIES))


# Units -------------------------------------------------------------------------------------

UNIT_KEYSET = Keyset("units", (KeyPart("code", OrgUnit.code, "str"),))


def units(root_id: int, token_unit_id: int) -> Select:
    parent = aliased(OrgUnit, name="parent_unit")
    # The token's own unit is the top of what it may see: its parent is outside the scope.
    parent_code = case((OrgUnit.id == token_unit_id, null()), else_=parent.code)
    return (
        select(OrgUnit.code.label("code"), OrgUnit.name_vi, OrgUnit.name_en, OrgUnit.kind,
               parent_code.label("parent_code"), OrgUnit.active)
        .outerjoin(parent, parent.id == OrgUnit.parent_id)
        .where(OrgUnit.id.in_(subtree_ids(root_id)))
    )


# Officials ---------------------------------------------------------------------------------

OFFICIAL_KEYSET = Keyset("officials", (KeyPart("official_id", Official.id, "int"),))


def officials(root_id: int, *, active: bool | None = None) -> Select:
    query = (
        select(Official.id.label("official_id"), Official.employee_code, Official.login,
               Official.full_name, OrgUnit.code.label("unit_code"), Official.staff_category,
               Official.position_title, Official.active)
        .join(OrgUnit, OrgUnit.id == Official.unit_id)
        .where(*_staff_in(root_id))
    )
    if active is not None:
        query = query.where(Official.active.is_(active))
    return query


# Completions -------------------------------------------------------------------------------

COMPLETION_KEYSET = Keyset("completions", (
    KeyPart("completed_at", CourseCompletion.completed_at, "datetime"),
    KeyPart("completion_id", CourseCompletion.id, "int"),
))


def completions(root_id: int, *, start: datetime | None = None, end: datetime | None = None,
                course: str | None = None) -> Select:
    """Course completions of the subtree's officials, completed in [start, end).

    The unit is the official's current unit (where they work now, not when they finished).
    """
    query = (
        select(CourseCompletion.id.label("completion_id"), CourseCompletion.completed_at,
               CourseCompletion.percent, CourseCompletion.best_percent,
               Course.slug.label("course"), Official.employee_code, Official.login,
               OrgUnit.code.label("unit_code"))
        .join(Official, Official.id == CourseCompletion.official_id)
        .join(OrgUnit, OrgUnit.id == Official.unit_id)
        .join(Course, Course.id == CourseCompletion.course_id)
        .where(*_staff_in(root_id))
    )
    if start is not None:
        query = query.where(CourseCompletion.completed_at >= start)
    if end is not None:
        query = query.where(CourseCompletion.completed_at < end)
    if course is not None:
        query = query.where(Course.slug == course)
    return query


# Scores ------------------------------------------------------------------------------------

def official_scores(scores: LiveScores | FrozenScores, root_id: int) -> tuple[Select, Keyset]:
    """Per-official indicators of the subtree, live or frozen, with the list's keyset.

    The scores query is wrapped whole, so each page filters and orders its result by
    official id; the computation itself stays one set-based query.
    """
    rows = scores.officials(subtree_ids(root_id)).order_by(None).subquery("api_official_scores")
    query = (
        select(rows.c.official_id, Official.employee_code, rows.c.login, rows.c.unit_code,
               rows.c.staff_category, rows.c.courses_due, rows.c.on_time, rows.c.late,
               rows.c.missing, rows.c.indicator, rows.c.band, rows.c.meets_standard)
        .join(Official, Official.id == rows.c.official_id)
        .where(Official.anonymised_at.is_(None),
               rows.c.staff_category.in_([category.value for category in STAFF_CATEGORIES]))
    )
    return query, Keyset("official-scores", (KeyPart("official_id", rows.c.official_id, "int"),))


def unit_scores(scores: LiveScores | FrozenScores, root_id: int) -> tuple[Select, Keyset]:
    """Per-unit figures over each unit's subtree, for the units of the scope, with the keyset.

    ``rank`` is among sibling units; the scope's top unit gets none, since its siblings are
    outside the scope.
    """
    rows = scores.units(subtree_ids(root_id)).subquery("api_unit_scores")
    parent = aliased(OrgUnit, name="parent_unit")
    outside = rows.c.unit_id == root_id
    query = (
        select(rows.c.unit_code, case((outside, null()), else_=parent.code).label("parent_code"),
               rows.c.headcount, rows.c.meeting, rows.c.share_meeting, rows.c.mean_indicator,
               rows.c.on_time_share, case((outside, null()), else_=rows.c.rank).label("rank"))
        .outerjoin(parent, parent.id == rows.c.parent_id)
    )
    return query, Keyset("unit-scores", (KeyPart("unit_code", rows.c.unit_code, "str"),))
