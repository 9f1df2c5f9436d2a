"""Assessment exports: each official's mandatory courses and indicator, the unit figures, the
policy used and where the figures come from, for one unit's subtree, as XLSX or CSV.

The officials' rows are built once (:func:`official_rows`) from two streamed queries of the
scores source (live preview or frozen snapshot) in the same order — one row per official,
one per (official, course) — merged in a single pass; the writers turn the same typed values
into cells (numbers, dates, booleans) or CSV fields. Nothing holds the whole province: memory
stays flat whatever the number of officials (see docs/benchmarks.md).

An export carries only what the assessment needs: the employee code (the login when an
account has none), name, unit, category, position and results. No e-mail, no password data.
Headers and labels are in the language active when the rows are made (the request's, or the
one a CLI command forces).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

import xlsxwriter
from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import aliased

from lms.accounts.models import StaffCategory
from lms.audit.operations import record_event
from lms.classroom.models import Audience
from lms.classroom.rollup import rollup
from lms.csv_text import CHUNK_CHARACTERS
from lms.csv_text import csv_chunks as text_chunks
from lms.db import stream_rows, utcnow
from lms.extensions import db
from lms.org.models import UNIT_KIND_LABELS, OrgUnit, OrgUnitClosure, UnitKind
from lms.org.queries import subtree_ids
from lms.scoring.models import YEAR
from lms.scoring.operations import scores_for
from lms.scoring.policy import period_label
from lms.scoring.sources import FrozenScores, LiveScores, MandatoryCourse
from lms.text import spreadsheet_text

FORMATS = ("xlsx", "csv")
#: CSV separators offered. With ";" (what Excel expects where the decimal mark is a comma,
#: as in Vietnamese settings) numbers are written with a decimal comma as well.
SEPARATORS = {",": _l("Comma (,)"), ";": _l("Semicolon (;)")}
MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
AUDIT_ACTION = "export.assessment"
PROGRESS_EVERY = 1000

# Kinds of column: how a value is written.
TEXT, NUMBER, PERCENT, INTEGER, DATE, DATETIME, BOOLEAN = (
    "text", "number", "percent", "integer", "date", "datetime", "boolean")



@dataclass(frozen=True)
class Column:
    header: str
    kind: str
    width: float = 12


@dataclass(frozen=True)
class ScopeUnit:
    """The exported unit, copied off the session: a streamed download outlives the view's
    database session (stream_with_context gives the generator a new one)."""

    id: int
    code: str
    name_vi: str
    name_en: str

    def name_in(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_vi


@dataclass
class AssessmentExport:
    """What is exported: a period's scores over a unit's subtree, in a language.

    Streams read nothing of it but plain values and SQL statements built up front, since
    they may run after the request's session (holding the snapshot row) has closed."""

    year: int
    period: str
    unit: ScopeUnit
    scores: LiveScores | FrozenScores
    courses: list[MandatoryCourse]
    locale: str
    zone: ZoneInfo
    generated_by: str
    generated_at: datetime

    @property
    def scope(self) -> Select:
        return subtree_ids(self.unit.id)

    @property
    def source(self) -> str:
        return "frozen" if self.scores.frozen else "live"

    @property
    def unit_name(self) -> str:
        return self.unit.name_in(self.locale)

    @property
    def period_label(self) -> str:
        return period_label(self.year, self.period)

    def filename(self, fmt: str) -> str:
        period = "" if self.period == YEAR else f"-{self.period}"
        code = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in self.unit.code)
        return f"assessment-{self.year}{period}-{code}.{fmt}"


def prepare_export(year: int, period: str, unit: OrgUnit, *, generated_by: str,
                   now: datetime | None = None) -> AssessmentExport:
    """The export of ``unit``'s subtree for a period (ScoringError when it has no policy).

    The caller has checked that the unit is within the reader's scope."""
    scores = scores_for(year, period)
    locale = get_locale()
    return AssessmentExport(
        year=year, period=period, unit=ScopeUnit(unit.id, unit.code, unit.name_vi, unit.name_en),
        scores=scores, courses=scores.mandatory_courses(),
        locale=locale.language if locale else current_app.config["BABEL_DEFAULT_LOCALE"],
        zone=ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]),
        generated_by=generated_by, generated_at=now or utcnow())


def record_export(export: AssessmentExport, fmt: str, *, separator: str | None = None,
                  via: str, **details: Any) -> None:
    """Audit: who exported what (scope, period, source, format), added to the transaction."""
    snapshot = export.scores.snapshot
    record_event(AUDIT_ACTION, target_type="unit", target_id=export.unit.id, unit_id=export.unit.id,
                 unit_code=export.unit.code, year=export.year, period=export.period, format=fmt,
                 separator=separator if fmt == "csv" else None, source=export.source,
                 snapshot_id=snapshot.id if snapshot is not None else None,
                 language=export.locale, via=via, **details)


# --- The officials' rows ----------------------------------------------------------------

def status_labels() -> dict[str, str]:
    return {"on_time": _("On time"), "late": _("Late"), "missing": _("Not completed"),
            "pending": _("Not completed yet")}


def official_columns(export: AssessmentExport) -> list[Column]:
    columns = [
        Column(_("Employee code"), TEXT, 14),
        Column(_("Full name"), TEXT, 26),
        Column(_("Unit code"), TEXT, 12),
        Column(_("Unit"), TEXT, 30),
        Column(_("Parent unit"), TEXT, 30),
        Column(_("Staff category"), TEXT, 16),
        Column(_("Position"), TEXT, 22),
    ]
    for course in export.courses:
        title = course.title_in(export.locale)
        columns += [Column(_("%(course)s: status", course=title), TEXT, 16),
                    Column(_("%(course)s: best score", course=title), PERCENT, 12),
                    Column(_("%(course)s: completed on", course=title), DATE, 12),
                    Column(_("%(course)s: certificate", course=title), TEXT, 16)]
    columns += [Column(_("Indicator (0–100)"), NUMBER, 12), Column(_("Band"), TEXT, 12),
                Column(_("Meets the standard"), BOOLEAN, 12)]
    return columns


def official_rows(export: AssessmentExport) -> Iterator[list[Any]]:
    """One list of typed values per official, in :func:`official_columns`' order.

    The course rows come in the officials' order, so each official's rows are read just
    after their own: two cursors advance together and nothing accumulates. Labels and
    statements are prepared now; the queries run when the rows are first read."""
    english = export.locale == "en"
    statuses = status_labels()
    categories = {category.value: category.label for category in StaffCategory}
    bands = {band.code: band.label[export.locale] for band in export.scores.policy.bands}
    per_course = 4  # status, best score, completion date, certificate serial
    slot = {course.course_id: per_course * index for index, course in enumerate(export.courses)}
    width = per_course * len(export.courses)
    zone = export.zone
    unit_name, parent_name = (("unit_name_en", "parent_name_en") if english
                              else ("unit_name_vi", "parent_name_vi"))

    official_table = export.scores.official_table(export.scope)
    course_table = export.scores.course_table(export.scope)

    def merged() -> Iterator[list[Any]]:
        courses = iter(stream_rows(course_table))
        pending = next(courses, None)
        for official in stream_rows(official_table):
            cells: list[Any] = [None] * width
            official_id = official["official_id"]
            while pending is not None and pending["official_id"] == official_id:
                at = slot.get(pending["course_id"])
                if at is not None:
                    completed = pending["completed_at"]
                    cells[at] = statuses.get(pending["status"], pending["status"])
                    cells[at + 1] = pending["best_percent"]
                    cells[at + 2] = completed.astimezone(zone).date() if completed else None
                    cells[at + 3] = pending["certificate_serial"]
                pending = next(courses, None)
            yield [official["code"], official["full_name"], official["unit_code"],
                   official[unit_name], official[parent_name],
                   categories.get(str(official["staff_category"])), official["position_title"],
                   *cells, official["indicator"], bands.get(official["band"], official["band"]),
                   bool(official["meets_standard"])]
        if pending is not None:  # both queries order by (name_sort, official id): cannot happen
            raise RuntimeError("course rows out of step with the officials' rows")

    return merged()


# --- The other sheets -------------------------------------------------------------------

def unit_columns() -> list[Column]:
    return [
        Column(_("Unit code"), TEXT, 12), Column(_("Unit"), TEXT, 34),
        Column(_("Parent unit"), TEXT, 30), Column(_("Officials"), INTEGER, 10),
        Column(_("Meeting the standard"), INTEGER, 12),
        Column(_("Share meeting the standard"), PERCENT, 12),
        Column(_("Mean indicator"), NUMBER, 12),
        Column(_("Share of courses completed on time"), PERCENT, 14),
        Column(_("Rank among sibling units"), INTEGER, 10),
    ]


def unit_rows(export: AssessmentExport) -> Iterator[list[Any]]:
    """Every unit of the scope with officials scored, over its subtree: the scope's unit
    first, then each level, siblings together in rank order."""
    units = export.scores.units(export.scope).subquery("export_units")
    parent = aliased(OrgUnit, name="parent_unit")
    english = export.locale == "en"
    statement = (
        select(units.c.unit_code, units.c.name_en if english else units.c.name_vi,
               (parent.name_en if english else parent.name_vi).label("parent_name"),
               units.c.headcount, units.c.meeting, units.c.share_meeting, units.c.mean_indicator,
               units.c.on_time_share, units.c.rank)
        .outerjoin(parent, parent.id == units.c.parent_id)
        .outerjoin(OrgUnitClosure, (OrgUnitClosure.ancestor_id == export.unit.id)
                   & (OrgUnitClosure.descendant_id == units.c.unit_id))
        .order_by(OrgUnitClosure.depth, parent.code, units.c.rank, units.c.unit_code)
    )
    for row in db.session.execute(statement):
        yield list(row)


def citizen_session_columns() -> list[Column]:
    return [
        Column(_("Unit code"), TEXT, 12), Column(_("Unit"), TEXT, 34),
        Column(_("Commune"), TEXT, 30), Column(_("Sessions"), INTEGER, 10),
        *(Column(audience.label, INTEGER, 12) for audience in Audience),
        Column(_("Participants"), INTEGER, 12), Column(_("Completions"), INTEGER, 12),
    ]


def citizen_session_rows(export: AssessmentExport) -> Iterator[list[Any]]:
    """The year's school sessions for citizens, per unit that held them (lms/classroom/rollup).
    Participants are counted here only: they are never officials in the other sheets."""
    english = export.locale == "en"
    for group in rollup(export.scope, year=export.year):
        commune = group.commune.name_in(export.locale) if group.commune else None
        for unit, counts in group.units:
            yield [unit.code, unit.name_en if english else unit.name_vi, commune,
                   counts.sessions, *(counts.by_audience[a] for a in Audience),
                   counts.participants, counts.completions]


def policy_rows(export: AssessmentExport) -> Iterator[tuple[list[Any], list[str]]]:
    """(values, kinds) rows describing the policy used, then its full text, line by line."""
    policy = export.scores.policy
    locale = export.locale
    rank_labels = {"share_meeting_standard": _("Share meeting the standard"),
                   "mean_indicator": _("Mean indicator"),
                   "on_time_share": _("Share of courses completed on time")}
    facts: list[tuple[str, Any, str]] = [
        (_("Policy"), policy.name[locale], TEXT),
        (_("Year"), policy.year, INTEGER),
        (_("Policy fingerprint (SHA-256)"), policy.hash, TEXT),
        (_("Points for a course completed on time"), policy.on_time, NUMBER),
        (_("Points for a course completed late"), policy.late, NUMBER),
        (_("Points for a course not completed"), policy.missing, NUMBER),
        (_("Bonus points for the best quiz score, at most"), policy.best_score_bonus, NUMBER),
        (_("Days given to officials who join shortly before a deadline"), policy.grace_days,
         INTEGER),
        (_("Indicator needed to meet the standard"), policy.min_indicator, NUMBER),
        (_("Every mandatory course must be completed to meet the standard"),
         policy.require_all_mandatory, BOOLEAN),
        (_("Units are ranked by"), rank_labels.get(policy.rank_by, policy.rank_by), TEXT),
    ]
    for label, value, kind in facts:
        yield [label, value], [TEXT, kind]
    yield [], []
    yield [_("Band"), _("From (indicator)")], ["header", "header"]
    for band in policy.bands:
        yield [band.label[locale], band.min], [TEXT, NUMBER]
    yield [], []
    yield ([_("Mandatory course"), _("Deadline"), _("Staff categories"), _("Kinds of unit"),
            _("Weight")], ["header"] * 5)
    titles = {course.slug: course.title_in(locale) for course in export.courses}
    for rule in policy.mandatory:
        kinds = (", ".join(str(UNIT_KIND_LABELS[UnitKind(kind)]) for kind in rule.unit_kinds)
                 if rule.unit_kinds else _("Every kind"))
        yield ([titles.get(rule.course, rule.course), rule.deadline,
                ", ".join(StaffCategory(category).label for category in rule.staff_categories),
                kinds, rule.weight], [TEXT, DATE, TEXT, TEXT, NUMBER])
    yield [], []
    yield [_("Policy file")], ["header"]
    for line in policy.text.splitlines():
        yield [line], [TEXT]


def metadata_rows(export: AssessmentExport, officials: int) -> list[tuple[str, Any, str]]:
    snapshot = export.scores.snapshot
    local = export.zone
    rows: list[tuple[str, Any, str]] = [
        (_("Export"), _("Digital-skills assessment"), TEXT),
        (_("Scope"), _("%(unit)s (%(code)s) and every unit below it",
                       unit=export.unit_name, code=export.unit.code), TEXT),
        (_("Period"), export.period_label, TEXT),
        (_("Source"), _("Frozen snapshot") if snapshot is not None
         else _("Live preview: the figures change as officials learn"), TEXT),
    ]
    if snapshot is not None:
        rows += [(_("Snapshot number"), snapshot.id, INTEGER),
                 (_("Frozen at"), snapshot.frozen_at.astimezone(local), DATETIME)]
    rows += [
        (_("Policy fingerprint (SHA-256)"), export.scores.policy.hash, TEXT),
        (_("Results as of"), export.scores.as_of.astimezone(local), DATETIME),
        (_("Officials with mandatory courses"), officials, INTEGER),
        (_("Generated by"), export.generated_by, TEXT),
        (_("Generated at"), export.generated_at.astimezone(local), DATETIME),
        (_("Time zone"), str(local), TEXT),
    ]
    return rows


# --- XLSX -------------------------------------------------------------------------------

# XlsxWriter rather than openpyxl: in its constant_memory mode each row goes to a temporary
# file as soon as it is written, as openpyxl's write-only mode does, but it writes the same
# 100,000-official sheet in half the time (10 s against 22 s on the benchmark machine; both
# pure Python). openpyxl stays for reading files back (tests, roster imports).
_XLSX_OPTIONS = {
    "constant_memory": True,
    "strings_to_formulas": False,  # a name is never run as a formula
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "remove_timezone": True,
}
# Excel's built-in formats 14 and 22 are the reader's own short date (and time) format.
_DATE_FORMAT = 14
_DATETIME_FORMAT = 22


class _Cells:
    """Typed cell writers for one worksheet, with the workbook's number formats."""

    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        self.header = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top",
                                           "bottom": 1})
        self.formats = {
            NUMBER: workbook.add_format({"num_format": "0.00"}),
            PERCENT: workbook.add_format({"num_format": "0.0%"}),
            INTEGER: workbook.add_format({"num_format": "0"}),
            DATE: workbook.add_format({"num_format": _DATE_FORMAT}),
            DATETIME: workbook.add_format({"num_format": _DATETIME_FORMAT}),
        }

    def writers(self, sheet, kinds: Iterable[str]) -> list[Callable[[int, int, Any], Any]]:
        return [self.writer(sheet, kind) for kind in kinds]

    def writer(self, sheet, kind: str) -> Callable[[int, int, Any], Any]:
        if kind == TEXT:
            return sheet.write_string
        if kind == "header":
            header = self.header
            return lambda row, col, value: sheet.write_string(row, col, value, header)
        if kind == BOOLEAN:
            return sheet.write_boolean
        cell_format = self.formats[kind]
        if kind == PERCENT:  # kept as 0–100 in the database; Excel's 100 % is 1
            return lambda row, col, value: sheet.write_number(row, col, value / 100, cell_format)
        if kind in (DATE, DATETIME):
            return lambda row, col, value: sheet.write_datetime(row, col, value, cell_format)
        return lambda row, col, value: sheet.write_number(row, col, value, cell_format)


def _write_table(sheet, cells: _Cells, columns: list[Column], rows: Iterable[list[Any]],
                 progress: Callable[[int], Any] | None = None) -> int:
    for index, column in enumerate(columns):
        sheet.set_column(index, index, column.width)
        sheet.write_string(0, index, column.header, cells.header)
    sheet.freeze_panes(1, 0)
    writers = cells.writers(sheet, [column.kind for column in columns])
    count = 0
    for count, values in enumerate(rows, start=1):
        for index, value in enumerate(values):
            if value is not None:
                writers[index](count, index, value)
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(PROGRESS_EVERY)
    if progress is not None:
        progress(count % PROGRESS_EVERY)
    if columns:
        sheet.autofilter(0, 0, max(count, 1), len(columns) - 1)
    return count


def write_xlsx(export: AssessmentExport, target: str | IO[bytes], *,
               progress: Callable[[int], Any] | None = None) -> int:
    """Write the workbook to a path or binary file; returns the number of officials.

    Sheets: officials, units, citizen sessions, policy, metadata. A zip file can only be read once complete,
    so a web download writes to a temporary file first (see lms/exports/views.py)."""
    workbook = xlsxwriter.Workbook(target, _XLSX_OPTIONS)
    workbook.set_properties({"title": _("Digital-skills assessment"),
                             "subject": f"{export.unit.code} {export.period_label}",
                             "created": export.generated_at.replace(tzinfo=None)})
    cells = _Cells(workbook)
    officials = workbook.add_worksheet(_("Officials"))
    count = _write_table(officials, cells, official_columns(export), official_rows(export),
                         progress)
    _write_table(workbook.add_worksheet(_("Units")), cells, unit_columns(), unit_rows(export))
    _write_table(workbook.add_worksheet(_("Citizen sessions")), cells, citizen_session_columns(),
                 citizen_session_rows(export))

    policy = workbook.add_worksheet(_("Policy"))
    policy.set_column(0, 0, 50)
    policy.set_column(1, 4, 22)
    for row, (values, kinds) in enumerate(policy_rows(export)):
        writers = cells.writers(policy, kinds)
        for col, value in enumerate(values):
            if value is not None:
                writers[col](row, col, value)

    metadata = workbook.add_worksheet(_("About this export"))
    metadata.set_column(0, 0, 34)
    metadata.set_column(1, 1, 60)
    for row, (label, value, kind) in enumerate(metadata_rows(export, count)):
        metadata.write_string(row, 0, label, cells.header)
        cells.writer(metadata, kind)(row, 1, value)
    workbook.close()
    return count


# --- CSV --------------------------------------------------------------------------------

def _csv_formatters(columns: list[Column], separator: str) -> list[Callable[[Any], str]]:
    comma = separator == ";"

    def text(value: Any) -> str:
        return spreadsheet_text(str(value))  # no CSV injection

    def number(value: float) -> str:
        written = f"{value:.2f}"
        return written.replace(".", ",") if comma else written

    def day(value: date) -> str:
        return value.isoformat()

    def boolean(value: bool) -> str:
        return "1" if value else "0"

    by_kind = {TEXT: text, NUMBER: number, PERCENT: number, INTEGER: str, DATE: day,
               DATETIME: day, BOOLEAN: boolean}
    return [by_kind[column.kind] for column in columns]


def csv_header(columns: list[Column]) -> list[str]:
    return [f"{column.header} (%)" if column.kind == PERCENT
            else f"{column.header} (1/0)" if column.kind == BOOLEAN
            else column.header for column in columns]


def csv_chunks(export: AssessmentExport, separator: str = ",", *,
               progress: Callable[[int], Any] | None = None,
               chunk_size: int = CHUNK_CHARACTERS) -> Iterator[str]:
    """The officials as CSV text in chunks of about ``chunk_size`` characters (the file's
    conventions are ``lms.csv_text``'s). Percentages as numbers 0–100, dates as YYYY-MM-DD,
    meeting the standard as 1/0; with the ";" separator, decimals take a comma."""
    if separator not in SEPARATORS:
        raise ValueError(f"unsupported separator {separator!r}")
    columns = official_columns(export)
    formatters = _csv_formatters(columns, separator)
    rows = official_rows(export)

    def lines() -> Iterator[list[str]]:
        yield csv_header(columns)
        count = 0
        for count, values in enumerate(rows, start=1):
            yield ["" if value is None else formatter(value)
                   for formatter, value in zip(formatters, values, strict=True)]
            if progress is not None and count % PROGRESS_EVERY == 0:
                progress(PROGRESS_EVERY)
        if progress is not None:
            progress(count % PROGRESS_EVERY)

    return text_chunks(lines(), separator=separator, chunk_size=chunk_size)
