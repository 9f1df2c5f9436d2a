"""How much citizen digital-skills work schools and communes did: per unit, sessions,
participants by audience and completions; each commune (ward, special zone) with the sum of
its own sessions and its schools'. Two set-based queries, whatever the number of sessions.
Participants are counted here only, never as officials."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Select, case, func, select

from lms.classroom.models import Audience, ClassSession, SessionParticipant
from lms.extensions import db
from lms.org.models import OrgUnit, OrgUnitClosure, UnitKind

LOCAL_GOVERNMENT = (UnitKind.COMMUNE, UnitKind.WARD, UnitKind.SPECIAL_ZONE)


@dataclass
class Counts:
    sessions: int = 0
    by_audience: dict[Audience, int] = field(default_factory=lambda: {a: 0 for a in Audience})
    completions: int = 0

    @property
    def participants(self) -> int:
        return sum(self.by_audience.values())

    def add(self, other: Counts) -> None:
        self.sessions += other.sessions
        self.completions += other.completions
        for audience, count in other.by_audience.items():
            self.by_audience[audience] += count


@dataclass
class CommuneGroup:
    commune: OrgUnit | None  # None: units under no commune (a department's own sessions)
    total: Counts = field(default_factory=Counts)
    units: list[tuple[OrgUnit, Counts]] = field(default_factory=list)


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone)


def unit_counts(scope: Select[tuple[int]], *, year: int | None = None) -> dict[int, Counts]:
    """Counts per unit that held sessions, within the scope (and the year, when given)."""
    per_session = (
        select(ClassSession.id, ClassSession.unit_id, ClassSession.audience,
               func.count(SessionParticipant.id).label("participants"),
               func.sum(case((SessionParticipant.completed_at.is_not(None), 1), else_=0))
               .label("completions"))
        .outerjoin(SessionParticipant, SessionParticipant.session_id == ClassSession.id)
        .where(ClassSession.unit_id.in_(scope))
        .group_by(ClassSession.id, ClassSession.unit_id, ClassSession.audience)
    )
    if year is not None:
        start, end = _year_bounds(year)
        per_session = per_session.where(ClassSession.starts_at >= start, ClassSession.starts_at < end)
    per_session = per_session.subquery()
    rows = db.session.execute(
        select(per_session.c.unit_id, per_session.c.audience,
               func.count().label("sessions"),
               func.sum(per_session.c.participants).label("participants"),
               func.sum(per_session.c.completions).label("completions"))
        .group_by(per_session.c.unit_id, per_session.c.audience)
    ).all()
    counts: dict[int, Counts] = {}
    for row in rows:
        unit = counts.setdefault(row.unit_id, Counts())
        unit.sessions += row.sessions
        unit.by_audience[Audience(row.audience)] += int(row.participants or 0)
        unit.completions += int(row.completions or 0)
    return counts


def rollup(scope: Select[tuple[int]], *, year: int | None = None) -> list[CommuneGroup]:
    counts = unit_counts(scope, year=year)
    if not counts:
        return []
    units = {unit.id: unit for unit in db.session.execute(
        select(OrgUnit).where(OrgUnit.id.in_(counts))).scalars()}
    # The nearest commune-level ancestor of each unit (itself included).
    communes: dict[int, tuple[int, int]] = {}
    for descendant, ancestor, depth in db.session.execute(
            select(OrgUnitClosure.descendant_id, OrgUnitClosure.ancestor_id, OrgUnitClosure.depth)
            .join(OrgUnit, OrgUnit.id == OrgUnitClosure.ancestor_id)
            .where(OrgUnitClosure.descendant_id.in_(counts), OrgUnit.kind.in_(LOCAL_GOVERNMENT))):
        if descendant not in communes or depth < communes[descendant][1]:
            communes[descendant] = (ancestor, depth)
    commune_units = {unit.id: unit for unit in db.session.execute(
        select(OrgUnit).where(OrgUnit.id.in_([a for a, _d in communes.values()]))).scalars()}
    groups: dict[int | None, CommuneGroup] = {}
    for unit_id, unit_counts_ in counts.items():
        commune_id = communes[unit_id][0] if unit_id in communes else None
        group = groups.setdefault(commune_id, CommuneGroup(commune_units.get(commune_id)))
        group.units.append((units[unit_id], unit_counts_))
        group.total.add(unit_counts_)
    for group in groups.values():
        group.units.sort(key=lambda pair: (pair[0].id != (group.commune.id if group.commune else 0),
                                           pair[0].name_vi))
    return sorted(groups.values(), key=lambda g: (g.commune is None,
                                                  g.commune.name_vi if g.commune else ""))
