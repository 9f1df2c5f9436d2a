from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import Official
from lms.db import UTCDateTime, utcnow
from lms.extensions import db


class AuditEvent(db.Model):
    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("official.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[int | None]
    # The unit the target belonged to, so the log can be filtered by scope.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id", ondelete="SET NULL"))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor: Mapped[Official | None] = relationship()


ACTION_LABELS = {
    "unit.create": _l("Unit created"),
    "unit.update": _l("Unit changed"),
    "official.create": _l("Account created"),
    "official.update": _l("Account changed"),
    "account.password_change": _l("Password changed by its owner"),
    "account.password_reset": _l("Password reset by an administrator"),
    "role.grant": _l("Role granted"),
    "role.revoke": _l("Role removed"),
    "official.data_access": _l("Personal data downloaded"),
    "official.anonymise": _l("Account anonymised"),
    "roster.import": _l("Roster imported"),
    "roster.export": _l("Roster downloaded"),
    "api_token.issue": _l("API token issued"),
    "api_token.revoke": _l("API token revoked"),
    "api.request": _l("API request"),
    "export.assessment": _l("Assessment exported"),
    "export.reminders": _l("Reminder list downloaded"),
    "certificate.revoke": _l("Certificate revoked"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))
