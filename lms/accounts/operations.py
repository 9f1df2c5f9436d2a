"""Writes to officials and role grants. Each adds to the session and audit-logs; callers commit."""

from __future__ import annotations

import secrets

from flask import current_app
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from lms.accounts.models import Official, Role, RoleGrant, StaffCategory, new_session_token
from lms.audit.operations import record_event
from lms.db import utcnow
from lms.extensions import db
from lms.org.models import OrgUnit
from lms.text import normalise_login

# Letters and digits that cannot be mistaken for each other when read aloud or off paper.
_READABLE = "abcdefghjkmnpqrstuvwxyz23456789"


def generate_temporary_password() -> str:
    """Three groups of four readable characters (about 59 bits), e.g. ``k7mq-2xwd-p9ht``.

    Random bytes are mapped onto the alphabet, dropping the few above the largest multiple of
    its length so every character is equally likely; a roster import makes thousands at once.
    """
    limit = 256 - 256 % len(_READABLE)
    letters: list[str] = []
    while len(letters) < 12:
        letters.extend(_READABLE[byte % len(_READABLE)] for byte in secrets.token_bytes(16)
                       if byte < limit)
    return "-".join("".join(letters[start:start + 4]) for start in (0, 4, 8))


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


# A real hash to check against when the login is unknown, so that a wrong login and a wrong
# password take the same time (no user enumeration by timing).
_dummy_hash_cache: dict[str, str] = {}


def _dummy_hash() -> str:
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _dummy_hash_cache:
        _dummy_hash_cache[method] = generate_password_hash(secrets.token_hex(8), method=method)
    return _dummy_hash_cache[method]


def employee_code_taken(code: str | None, *, other_than: Official | None = None) -> bool:
    """True when another account already has this employee code."""
    code = (code or "").strip().upper()
    if not code:
        return False
    query = select(Official.id).where(Official.employee_code == code)
    if other_than is not None:
        query = query.where(Official.id != other_than.id)
    return db.session.execute(query.limit(1)).first() is not None


def find_by_login(login: str) -> Official | None:
    return db.session.execute(
        select(Official).where(Official.login == normalise_login(login))
    ).scalar_one_or_none()


def authenticate(login: str, password: str) -> Official | None:
    """The official when login and password match an active account, else None."""
    official = find_by_login(login)
    stored = official.password_hash if official and official.password_hash else _dummy_hash()
    valid = check_password_hash(stored, password)
    if official is None or not official.password_hash or not valid or not official.active:
        return None
    return official


def password_problems(password: str, official: Official | None = None) -> list[str]:
    """Why a new password is refused, in the user's language; empty when it is acceptable."""
    problems = []
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        problems.append(_("Use at least %(count)d characters.", count=minimum))
    if official is not None:
        lowered = password.casefold()
        if official.login and official.login in lowered:
            problems.append(_("Do not use your login in your password."))
        if official.password_hash and check_password_hash(official.password_hash, password):
            problems.append(_("Choose a password different from the current one."))
    if len(set(password)) < 4:
        problems.append(_("Use a mix of different characters."))
    return problems


def set_password(official: Official, password: str, *, must_change: bool) -> None:
    official.password_hash = hash_password(password)
    official.must_change_password = must_change
    official.password_changed_at = utcnow()
    official.session_token = new_session_token()  # signs out every other session


def change_own_password(official: Official, new_password: str) -> None:
    set_password(official, new_password, must_change=False)
    record_event("account.password_change", target_type="official", target_id=official.id,
                 unit_id=official.unit_id, actor_id=official.id)


def reset_password(official: Official) -> str:
    """Give the official a one-time password; they must choose their own at next sign-in."""
    temporary = generate_temporary_password()
    set_password(official, temporary, must_change=True)
    record_event("account.password_reset", target_type="official", target_id=official.id,
                 unit_id=official.unit_id, login=official.login)
    return temporary


def create_official(
    *,
    login: str,
    full_name: str,
    unit: OrgUnit,
    staff_category: StaffCategory,
    email: str | None = None,
    position_title: str | None = None,
    preferred_locale: str | None = None,
    password: str | None = None,
    must_change_password: bool = True,
    employee_code: str | None = None,
) -> tuple[Official, str | None]:
    """Create an account. Without ``password`` a one-time password is generated and returned."""
    temporary = None
    if password is None:
        temporary = password = generate_temporary_password()
    official = Official(
        login=login,
        employee_code=employee_code,
        full_name=full_name,
        unit=unit,
        staff_category=staff_category,
        email=email,
        position_title=position_title,
        preferred_locale=preferred_locale,
    )
    set_password(official, password, must_change=must_change_password)
    db.session.add(official)
    db.session.flush()
    record_event("official.create", target_type="official", target_id=official.id,
                 unit_id=unit.id, login=official.login)
    return official, temporary


_EDITABLE = ("employee_code", "full_name", "email", "unit_id", "staff_category", "position_title",
             "preferred_locale", "active")


def update_official(official: Official, **fields: object) -> dict[str, list[str | None]]:
    """Apply profile changes and log what changed. Deactivation signs the official out."""
    changes: dict[str, list[str | None]] = {}
    for field, value in fields.items():
        if field not in _EDITABLE:
            raise TypeError(f"not an editable field: {field}")
        before = getattr(official, field)
        setattr(official, field, value)
        after = getattr(official, field)  # after the model's normalisation
        if before != after:
            changes[field] = [None if before is None else str(before),
                              None if after is None else str(after)]
    if changes.get("active") and not official.active:
        official.session_token = new_session_token()
    if changes:
        record_event("official.update", target_type="official", target_id=official.id,
                     unit_id=official.unit_id, changes=changes)
    return changes


def grant_role(official: Official, role: Role, unit: OrgUnit) -> RoleGrant | None:
    """Grant ``role`` over ``unit``'s subtree; None when the official already has that grant."""
    if role is Role.LEARNER:
        raise ValueError("every official is a learner; no grant is needed")
    existing = db.session.execute(
        select(func.count()).select_from(RoleGrant).where(
            RoleGrant.official_id == official.id, RoleGrant.role == role,
            RoleGrant.unit_id == unit.id,
        )
    ).scalar_one()
    if existing:
        return None
    grant = RoleGrant(official=official, role=role, unit=unit, granted_at=utcnow())
    if getattr(current_user, "is_authenticated", False):
        grant.granted_by_id = current_user.id
    db.session.add(grant)
    db.session.flush()
    record_event("role.grant", target_type="official", target_id=official.id,
                 unit_id=official.unit_id, role=role.value, scope=unit.code,
                 login=official.login)
    return grant


def revoke_role(grant: RoleGrant) -> None:
    record_event("role.revoke", target_type="official", target_id=grant.official_id,
                 unit_id=grant.official.unit_id, role=grant.role.value, scope=grant.unit.code,
                 login=grant.official.login)
    db.session.delete(grant)
