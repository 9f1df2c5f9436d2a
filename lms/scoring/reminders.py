"""The reminder list: every mandatory course still to complete in a scope, with whom to remind
and how to reach them, soonest deadline first (docs/scoring.md, "Reminders before the review")."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import Select

from lms.db import stream_rows
from lms.scoring.operations import zone
from lms.scoring.sources import LiveScores
from lms.text import spreadsheet_text


def reminder_statuses() -> dict[str, str]:
    """A course still to complete, as the scores page and the reminder list name it."""
    return {"pending": _("Not done yet"), "missing": _("Deadline passed")}


def reminder_rows(scores: LiveScores, scope: Select) -> Iterator[list[str]]:
    """The header, then one row per course still to complete, as spreadsheet-safe text.

    Labels and the query are prepared now, in the current language; the rows are read from
    the database, streamed, when first asked for."""
    at_risk = scores.at_risk(scope)
    english = str(get_locale()) == "en"
    title, unit_name = ("title_en", "unit_name_en") if english else ("title_vi", "unit_name_vi")
    header = [_("Employee code"), _("Full name"), _("E-mail"), _("Unit code"), _("Unit"),
              _("Course"), _("Deadline"), _("Status")]
    statuses = reminder_statuses()
    province_zone = zone()

    def rows() -> Iterator[list[str]]:
        yield header
        for row in stream_rows(at_risk):
            # A deadline is stored as the first instant after it: the day it ends on.
            last_day = (row["deadline_at"] - timedelta(microseconds=1)).astimezone(province_zone)
            yield [spreadsheet_text(cell) for cell in (
                row["employee_code"] or row["login"], row["full_name"], row["email"] or "",
                row["unit_code"], row[unit_name], row[title])] + [
                last_day.date().isoformat(), statuses[row["status"]]]

    return rows()
