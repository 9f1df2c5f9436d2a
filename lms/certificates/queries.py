"""Reads over certificates.

For HR exports (built elsewhere), :func:`serial_column` adds the serial of an official's
certificate for a course to any query that has an official id and a course id column::

    select(Official.id, Course.slug, ...,
           serial_column(Official.id, Course.id).label("certificate_serial"))

It is one correlated subquery on the ``(official_id, course_id)`` unique index, so it stays
set-based however many rows the export streams.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import joinedload

from lms.accounts.models import Official
from lms.certificates.models import Certificate
from lms.extensions import db
from lms.text import fold_for_search


def serial_column(official_id: ColumnElement[int], course_id: ColumnElement[int]
                  ) -> ColumnElement[str | None]:
    """The serial of the official's certificate for the course; NULL when there is none or
    it was revoked (a revoked serial must not reach a report as if it still held)."""
    return (
        select(Certificate.serial)
        .where(Certificate.official_id == official_id, Certificate.course_id == course_id,
               Certificate.revoked_at.is_(None))
        .scalar_subquery()
    )


def certificate_by_serial(serial: str) -> Certificate | None:
    return db.session.execute(
        select(Certificate).options(joinedload(Certificate.course_version))
        .where(Certificate.serial == serial)
    ).scalar_one_or_none()


def certificate_for(official_id: int, course_id: int) -> Certificate | None:
    return db.session.execute(
        select(Certificate).where(Certificate.official_id == official_id,
                                  Certificate.course_id == course_id)
    ).scalar_one_or_none()


def certificates_of(official_id: int) -> list[Certificate]:
    return list(db.session.execute(
        select(Certificate).options(joinedload(Certificate.course_version))
        .where(Certificate.official_id == official_id)
        .order_by(Certificate.completed_at.desc(), Certificate.id.desc())
    ).scalars())


def holder_unit_id() -> ColumnElement[int]:
    """Whose subtree a certificate falls in: an official's current unit; for a session
    participant, the unit the certificate was issued in. Needs an outer join to Official."""
    return func.coalesce(Official.unit_id, Certificate.unit_id)


def certificates_in_scope(scope: Select[tuple[int]], *, search: str | None = None,
                          serial: str | None = None) -> Select[tuple[Certificate]]:
    query = (
        select(Certificate)
        .outerjoin(Official, Official.id == Certificate.official_id)
        .options(joinedload(Certificate.course_version))
        .where(holder_unit_id().in_(scope))
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    )
    if serial:
        query = query.where(Certificate.serial == serial)
    elif search:
        folded = fold_for_search(search)
        pattern = "%" + folded.replace("\\", "").replace("%", "").replace("_", "") + "%"
        query = query.where(Official.name_search.like(pattern))
    return query
