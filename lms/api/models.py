from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import Official
from lms.db import UTCDateTime, utcnow
from lms.extensions import db
from lms.org.models import OrgUnit


class TokenState(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"

    @property
    def label(self) -> str:
        return str(TOKEN_STATE_LABELS[self])


TOKEN_STATE_LABELS = {
    TokenState.ACTIVE: _l("Active"),
    TokenState.EXPIRED: _l("Expired"),
    TokenState.REVOKED: _l("Revoked"),
}


class ApiToken(db.Model):
    """A bearer token an administrator issued for one unit's subtree.

    Only a SHA-256 digest of the token is stored: tokens are long random strings, so a fast
    digest is enough (key stretching protects low-entropy passwords, not these). ``prefix``
    is the token's first characters, shown in lists so an admin can tell tokens apart.
    """

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("official.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("official.id", ondelete="SET NULL"))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    unit: Mapped[OrgUnit] = relationship()
    created_by: Mapped[Official | None] = relationship(foreign_keys=[created_by_id])
    revoked_by: Mapped[Official | None] = relationship(foreign_keys=[revoked_by_id])

    def state(self, now: datetime) -> TokenState:
        if self.revoked_at is not None:
            return TokenState.REVOKED
        if self.expires_at <= now:
            return TokenState.EXPIRED
        return TokenState.ACTIVE
