"""The single authorisation helper. Every view states the role it needs with :func:`requires`
and, for anything that belongs to a unit, calls :func:`authorize` with that unit.

Roles are granted over a unit's subtree. A higher role includes the lower ones it implies
(an HR grant also lets its holder do what a unit manager does, over the same subtree).
Out-of-scope objects answer 404, so their existence is not revealed.

The integration API is the one exception: its views authenticate by bearer token, never by
session, and carry :data:`TOKEN_ATTRIBUTE` instead (set by ``lms.api.auth.api_token_required``).
"""

from __future__ import annotations

from functools import wraps
from typing import Callable, ParamSpec, TypeVar

from flask import abort, g
from flask_login import current_user
from sqlalchemy import Select, exists, select

from lms.accounts.models import Official, Role, RoleGrant
from lms.extensions import db, login_manager
from lms.org.models import OrgUnitClosure

P = ParamSpec("P")
R = TypeVar("R")

# role -> roles whose holders may act as it
_SATISFIED_BY: dict[Role, frozenset[Role]] = {
    Role.LEARNER: frozenset(Role),
    Role.FACILITATOR: frozenset({Role.FACILITATOR, Role.ADMIN}),
    Role.UNIT_MANAGER: frozenset({Role.UNIT_MANAGER, Role.HR, Role.ADMIN}),
    Role.HR: frozenset({Role.HR, Role.ADMIN}),
    Role.ADMIN: frozenset({Role.ADMIN}),
}

PUBLIC_ATTRIBUTE = "lms_public"
ROLE_ATTRIBUTE = "lms_role"
TOKEN_ATTRIBUTE = "lms_api_token"


def is_token_view(view: Callable[..., object] | None) -> bool:
    """True for views that authenticate by API token: the session must play no part in them."""
    return bool(getattr(view, TOKEN_ATTRIBUTE, False))


def granting_roles(role: Role) -> frozenset[Role]:
    return _SATISFIED_BY[role]


def _held_roles(official: Official) -> frozenset[Role]:
    cache: dict[int, frozenset[Role]] = g.setdefault("lms_held_roles", {})
    if official.id not in cache:
        cache[official.id] = frozenset(
            db.session.execute(
                select(RoleGrant.role).where(RoleGrant.official_id == official.id).distinct()
            ).scalars()
        )
    return cache[official.id]


def has_role(official: Official, role: Role) -> bool:
    """True when the official holds ``role`` (or one implying it) over at least one unit."""
    if role is Role.LEARNER:
        return official.is_active
    return bool(_held_roles(official) & granting_roles(role))


def scope_unit_ids(official: Official, role: Role) -> Select[tuple[int]]:
    """Ids of every unit where the official may act as ``role``: one indexed query."""
    return (
        select(OrgUnitClosure.descendant_id)
        .join(RoleGrant, RoleGrant.unit_id == OrgUnitClosure.ancestor_id)
        .where(RoleGrant.official_id == official.id, RoleGrant.role.in_(granting_roles(role)))
        .distinct()
    )


def can_act_on_unit(official: Official, role: Role, unit_id: int) -> bool:
    if role is Role.LEARNER:
        return official.is_active and official.unit_id == unit_id
    return db.session.execute(
        select(
            exists()
            .where(RoleGrant.unit_id == OrgUnitClosure.ancestor_id)
            .where(
                RoleGrant.official_id == official.id,
                RoleGrant.role.in_(granting_roles(role)),
                OrgUnitClosure.descendant_id == unit_id,
            )
        )
    ).scalar_one()


def authorize(role: Role, unit_id: int | None = None) -> None:
    """Abort unless the signed-in official may act as ``role`` (over ``unit_id`` when given).

    Anonymous: the login page. No such role at all: 403. Role held, unit outside its
    scope: 404, the same answer as for something that does not exist.
    """
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    if not has_role(current_user, role):
        abort(403)
    if unit_id is not None and not can_act_on_unit(current_user, role, unit_id):
        abort(404)


def requires(role: Role) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """View decorator: the official must hold ``role`` somewhere; views then check the unit."""

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            authorize(role)
            return view(*args, **kwargs)

        setattr(wrapped, ROLE_ATTRIBUTE, role)
        return wrapped

    return decorator


def public(view: Callable[P, R]) -> Callable[P, R]:
    """Mark a view as open to anonymous visitors (a test checks every other view is guarded)."""
    setattr(view, PUBLIC_ATTRIBUTE, True)
    return view
