from __future__ import annotations

from typing import Any

from flask_login import current_user

from lms.audit.models import AuditEvent
from lms.extensions import db


def record_event(
    action: str,
    *,
    target_type: str,
    target_id: int | None,
    unit_id: int | None = None,
    actor_id: int | None = None,
    **details: Any,
) -> AuditEvent:
    """Add an audit event to the current transaction (it commits or rolls back with the change).

    The actor defaults to the signed-in official; CLI commands pass ``actor_id`` or leave it empty.
    """
    if actor_id is None and current_user and getattr(current_user, "is_authenticated", False):
        actor_id = current_user.id
    event = AuditEvent(
        action=action,
        target_type=target_type,
        target_id=target_id,
        unit_id=unit_id,
        actor_id=actor_id,
        details=details,
    )
    db.session.add(event)
    return event
