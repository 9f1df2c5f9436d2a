"""API token writes: issuing and revoking. Callers check the admin's scope and commit."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_login import current_user

from lms.api.auth import DISPLAY_PREFIX_LENGTH, generate_token, hash_token
from lms.api.models import ApiToken
from lms.audit.operations import record_event
from lms.db import utcnow
from lms.extensions import db
from lms.org.models import OrgUnit
from lms.text import clean_text


def _acting_official_id() -> int | None:
    return current_user.id if getattr(current_user, "is_authenticated", False) else None


def issue_token(*, name: str, unit: OrgUnit, days: int,
                now: datetime | None = None) -> tuple[ApiToken, str]:
    """A new token for ``unit``'s subtree, valid ``days`` days. Returns it with its plaintext,
    which is not stored anywhere and must be shown to the admin once."""
    now = now or utcnow()
    plaintext = generate_token()
    token = ApiToken(name=clean_text(name), prefix=plaintext[:DISPLAY_PREFIX_LENGTH],
                     token_hash=hash_token(plaintext), unit_id=unit.id,
                     created_by_id=_acting_official_id(), created_at=now,
                     expires_at=now + timedelta(days=days))
    db.session.add(token)
    db.session.flush()
    record_event("api_token.issue", target_type="api_token", target_id=token.id, unit_id=unit.id,
                 token=token.name, prefix=token.prefix, scope=unit.code, days=days,
                 expires_at=token.expires_at.isoformat())
    return token, plaintext


def revoke_token(token: ApiToken, now: datetime | None = None) -> bool:
    """Revoke at once (the next request with it is refused). False when it was revoked already."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = now or utcnow()
    token.revoked_by_id = _acting_official_id()
    record_event("api_token.revoke", target_type="api_token", target_id=token.id,
                 unit_id=token.unit_id, token=token.name, prefix=token.prefix)
    return True
