from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from lms.db import UTCDateTime, enum_column, utcnow
from lms.extensions import db
from lms.org.models import OrgUnit
from lms.text import clean_text, name_keys, normalise_login


class StaffCategory(StrEnum):
    CAN_BO = "can_bo"
    CONG_CHUC = "cong_chuc"
    VIEN_CHUC = "vien_chuc"
    NGUOI_LAO_DONG = "nguoi_lao_dong"
    HOC_SINH = "hoc_sinh"
    NGUOI_DAN = "nguoi_dan"

    @property
    def label(self) -> str:
        return str(STAFF_CATEGORY_LABELS[self])


STAFF_CATEGORY_LABELS = {
    StaffCategory.CAN_BO: _l("Cadre"),
    StaffCategory.CONG_CHUC: _l("Civil servant"),
    StaffCategory.VIEN_CHUC: _l("Public employee"),
    StaffCategory.NGUOI_LAO_DONG: _l("Contract worker"),
    StaffCategory.HOC_SINH: _l("Student"),
    StaffCategory.NGUOI_DAN: _l("Citizen"),
}


class Role(StrEnum):
    LEARNER = "learner"
    FACILITATOR = "facilitator"
    UNIT_MANAGER = "unit_manager"
    HR = "hr"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.LEARNER: _l("Learner"),
    Role.FACILITATOR: _l("Facilitator"),
    Role.UNIT_MANAGER: _l("Unit manager"),
    Role.HR: _l("HR / Home Affairs"),
    Role.ADMIN: _l("Administrator"),
}


def new_session_token() -> str:
    return secrets.token_urlsafe(16)


class Official(UserMixin, db.Model):
    __tablename__ = "official"
    __table_args__ = (
        # What the year's scores read of every official, in id order (the order their
        # completions are indexed in): PostgreSQL reads this instead of the whole row, which
        # holds names and a password hash and is five times larger (docs/benchmarks.md).
        Index("ix_official_scoring", "id", "unit_id", "staff_category", "created_at", "active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    # The HR system's employee code: what roster imports match on. Accounts made by hand may
    # have none.
    employee_code: Mapped[str | None] = mapped_column(String(32), unique=True)
    full_name: Mapped[str] = mapped_column(String(255))
    name_search: Mapped[str] = mapped_column(String(255), index=True)
    name_sort: Mapped[str] = mapped_column(String(320), index=True)
    email: Mapped[str | None] = mapped_column(String(255))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id", ondelete="RESTRICT"), index=True)
    staff_category: Mapped[StaffCategory] = mapped_column(
        enum_column(StaffCategory, "staff_category")
    )
    position_title: Mapped[str | None] = mapped_column(String(255))
    preferred_locale: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    # Part of the Flask-Login id: rotating it signs the official out everywhere
    # (password change, reset, deactivation).
    session_token: Mapped[str] = mapped_column(String(32), default=new_session_token)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Set when a departed official's personal data was erased; their results stay counted.
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    unit: Mapped[OrgUnit] = relationship()
    grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="official",
        cascade="all, delete-orphan",
        foreign_keys="RoleGrant.official_id",
        order_by="RoleGrant.id",
    )

    @validates("full_name")
    def _normalise_name(self, _key: str, value: str) -> str:
        value = clean_text(value)
        self.name_search, self.name_sort = name_keys(value)
        return value

    @validates("login")
    def _normalise_login(self, _key: str, value: str) -> str:
        return normalise_login(value)

    @validates("employee_code")
    def _normalise_employee_code(self, _key: str, value: str | None) -> str | None:
        value = clean_text(value)
        return value.upper() if value else None

    @validates("email")
    def _normalise_email(self, _key: str, value: str | None) -> str | None:
        value = clean_text(value)
        return value or None

    @validates("position_title")
    def _normalise_position(self, _key: str, value: str | None) -> str | None:
        value = clean_text(value)
        return value or None

    # Flask-Login
    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def __repr__(self) -> str:
        return f"<Official {self.login}>"


class RoleGrant(db.Model):
    """A role held over one unit's whole subtree. ``learner`` needs no grant."""

    __tablename__ = "role_grant"
    __table_args__ = (UniqueConstraint("official_id", "role", "unit_id", name="uq_role_grant"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    official_id: Mapped[int] = mapped_column(
        ForeignKey("official.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id", ondelete="CASCADE"), index=True)
    granted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("official.id", ondelete="SET NULL")
    )
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    official: Mapped[Official] = relationship(back_populates="grants", foreign_keys=[official_id])
    unit: Mapped[OrgUnit] = relationship()
