"""A closed (or running) session's report as CSV (UTF-8 with BOM, RFC 4180) and XLSX.

Both carry the same three parts: the summary (attendance, completion, pass rate), one row per
participant and the per-question analysis. Numbers are numbers (shares as fractions with a
percent format in XLSX, as decimals in CSV), never text like "50%". Names and groups are
written inert for spreadsheets (no formula can start them).
"""

from __future__ import annotations

import csv
import io
from typing import Any

import xlsxwriter
from flask_babel import gettext as _
from flask_babel import to_user_timezone

from lms.classroom.models import ClassSession
from lms.classroom.queries import SessionFigures
from lms.text import spreadsheet_text

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _text(language: str, content: dict[str, Any]) -> str:
    text = content.get("text", {})
    return text.get(language) or text.get("vi") or ""


def _share(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def summary_rows(session: ClassSession, figures: SessionFigures) -> list[tuple[str, Any]]:
    return [
        (_("Session"), spreadsheet_text(session.title)),
        (_("Join code"), session.join_code),
        (_("Place"), spreadsheet_text(session.place)),
        (_("Starts"), to_user_timezone(session.starts_at).replace(tzinfo=None)),
        (_("Audience"), session.audience.label),
        (_("Expected participants"), session.expected_size),
        (_("Joined"), figures.joined),
        (_("Attendance (joined / expected)"), _share(figures.attendance_rate(session.expected_size))),
        (_("Took the quiz"), figures.took_quiz),
        (_("Passed"), figures.passed),
        (_("Pass rate (passed / took the quiz)"), _share(figures.pass_rate)),
        (_("Completed"), figures.completed),
        (_("Completion rate (completed / joined)"), _share(figures.completion_rate)),
    ]


def participant_header() -> list[str]:
    return [_("Name"), _("Group"), _("Lessons read"), _("Lessons in the session"),
            _("Attempts"), _("Best score (%)"), _("Passed"), _("Completed")]


def participant_rows(figures: SessionFigures) -> list[list[Any]]:
    total = len(figures.lessons)
    return [[spreadsheet_text(row.display_name), spreadsheet_text(row.group_name or ""),
             row.lessons_done, total, row.submitted,
             None if row.best_percent is None else round(row.best_percent, 1),
             row.passed, row.completed] for row in figures.participants]


def question_header() -> list[str]:
    return [_("Question"), _("Answers"), _("Fully right"), _("Share right")]


def question_rows(figures: SessionFigures, language: str) -> list[list[Any]]:
    return [[spreadsheet_text(_text(language, q.content)), q.answered, q.correct,
             _share(q.share_correct)] for q in figures.questions]


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if hasattr(value, "isoformat"):
        return value.strftime("%Y-%m-%d %H:%M")
    return value


def report_csv(session: ClassSession, figures: SessionFigures, language: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for label, value in summary_rows(session, figures):
        writer.writerow([label, _csv_value(value)])
    writer.writerow([])
    writer.writerow(participant_header())
    for row in participant_rows(figures):
        writer.writerow([_csv_value(value) for value in row])
    writer.writerow([])
    writer.writerow(question_header())
    for row in question_rows(figures, language):
        writer.writerow([_csv_value(value) for value in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def report_xlsx(session: ClassSession, figures: SessionFigures, language: str) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True})
    percent = book.add_format({"num_format": "0.0%"})
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})

    sheet = book.add_worksheet(_("Summary")[:31])
    sheet.set_column(0, 0, 40)
    sheet.set_column(1, 1, 30)
    for row, (label, value) in enumerate(summary_rows(session, figures)):
        sheet.write_string(row, 0, label, bold)
        if value is None:
            continue
        if hasattr(value, "isoformat"):
            sheet.write_datetime(row, 1, value, when)
        elif isinstance(value, float):
            sheet.write_number(row, 1, value, percent)
        elif isinstance(value, int):
            sheet.write_number(row, 1, value)
        else:
            sheet.write_string(row, 1, str(value))

    sheet = book.add_worksheet(_("Participants")[:31])
    sheet.set_column(0, 1, 24)
    sheet.set_column(2, 7, 14)
    sheet.write_row(0, 0, participant_header(), bold)
    for row, values in enumerate(participant_rows(figures), start=1):
        for column, value in enumerate(values):
            if value is None:
                continue
            if isinstance(value, bool):
                sheet.write_boolean(row, column, value)
            elif isinstance(value, (int, float)):
                sheet.write_number(row, column, value)
            else:
                sheet.write_string(row, column, value)

    sheet = book.add_worksheet(_("Questions")[:31])
    sheet.set_column(0, 0, 70)
    sheet.set_column(1, 3, 14)
    sheet.write_row(0, 0, question_header(), bold)
    for row, (text, answered, correct, share) in enumerate(question_rows(figures, language), start=1):
        sheet.write_string(row, 0, text)
        sheet.write_number(row, 1, answered)
        sheet.write_number(row, 2, correct)
        if share is not None:
            sheet.write_number(row, 3, share, percent)
    book.close()
    return buffer.getvalue()
