from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import UTCDateTime, enum_column, utcnow
from lms.extensions import db


class UnitKind(StrEnum):
    PROVINCE = "province"
    DEPARTMENT = "department"
    COMMUNE = "commune"
    WARD = "ward"
    SPECIAL_ZONE = "special_zone"
    SCHOOL = "school"
    PUBLIC_SERVICE_UNIT = "public_service_unit"
    AGENCY = "agency"

    @property
    def label(self) -> str:
        return str(UNIT_KIND_LABELS[self])


UNIT_KIND_LABELS = {
    UnitKind.PROVINCE: _l("Province / city"),
    UnitKind.DEPARTMENT: _l("Department"),
    UnitKind.COMMUNE: _l("Commune"),
    UnitKind.WARD: _l("Ward"),
    UnitKind.SPECIAL_ZONE: _l("Special zone"),
    UnitKind.SCHOOL: _l("School"),
    UnitKind.PUBLIC_SERVICE_UNIT: _l("Public service unit"),
    UnitKind.AGENCY: _l("Agency"),
}


class OrgUnit(db.Model):
    __tablename__ = "org_unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_vi: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str] = mapped_column(String(255))
    kind: Mapped[UnitKind] = mapped_column(enum_column(UnitKind, "unit_kind"))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("org_unit.id", ondelete="RESTRICT"), index=True
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    parent: Mapped[OrgUnit | None] = relationship(remote_side=[id])

    def name_in(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_vi

    @property
    def name(self) -> str:
        """Name in the active language (Vietnamese outside a request)."""
        locale = get_locale()
        return self.name_in(locale.language if locale else "vi")

    def __repr__(self) -> str:
        return f"<OrgUnit {self.code}>"


class OrgUnitClosure(db.Model):
    """One row per (ancestor, descendant) pair, including each unit with itself at depth 0.

    "Everyone under unit X" is then a single indexed join, with no recursion per request.
    """

    __tablename__ = "org_unit_closure"

    ancestor_id: Mapped[int] = mapped_column(
        ForeignKey("org_unit.id", ondelete="CASCADE"), primary_key=True
    )
    descendant_id: Mapped[int] = mapped_column(
        ForeignKey("org_unit.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    depth: Mapped[int] = mapped_column(Integer)
