"""A4 PDFs with fpdf2: completion certificates and the lab's practice documents.

Text is set in DejaVu Sans, shipped in ``fonts/`` with its licence: it covers every
Vietnamese letter with its tone marks, and fpdf2 embeds only the glyphs a document uses.
Labels follow the document's language (``force_locale``), so a certificate reads in its
holder's language whoever downloads it. Call these inside an app context.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import segno
from flask_babel import force_locale, format_date, format_decimal
from flask_babel import gettext as _
from fpdf import FPDF

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVuSans"
FONT_FILES = {"": FONT_DIR / "DejaVuSans.ttf", "B": FONT_DIR / "DejaVuSans-Bold.ttf"}
CREATOR = "lms"

INK = (33, 37, 41)
BRAND = (23, 71, 128)
MUTED = (90, 98, 106)
WARNING = (176, 0, 32)
WATERMARK = (225, 229, 234)


@dataclass(frozen=True)
class CertificateContent:
    serial: str
    holder_name: str
    unit_name: str
    issuer_name: str
    course_title: str
    course_version: str
    completed_at: datetime
    percent: float
    verify_url: str
    locale: str
    demo: bool


@dataclass(frozen=True)
class PracticeContent:
    reference: str
    learner_name: str
    unit_name: str
    made_at: datetime
    locale: str


def _document(orientation: str, locale: str) -> FPDF:
    pdf = FPDF(orientation=orientation, unit="mm", format="A4")
    for style, path in FONT_FILES.items():
        if not path.is_file():
            raise RuntimeError(f"font file missing: {path} (it ships with lms/certificates/fonts)")
        pdf.add_font(FONT, style, str(path))
    pdf.set_auto_page_break(False)
    pdf.set_margins(20, 15, 20)
    pdf.set_creator(CREATOR)
    pdf.set_lang(locale)
    pdf.set_text_color(*INK)
    return pdf


def _fitted(pdf: FPDF, text: str, *, style: str, size: float, width: float,
            smallest: float = 9) -> None:
    """Set the largest font size up to ``size`` at which ``text`` fits on one line."""
    while size > smallest:
        pdf.set_font(FONT, style, size)
        if pdf.get_string_width(text) <= width:
            return
        size -= 0.5
    pdf.set_font(FONT, style, smallest)


def _line(pdf: FPDF, text: str, *, y: float, style: str = "", size: float = 12,
          color: tuple[int, int, int] = INK, fit: bool = False) -> None:
    width = pdf.w - pdf.l_margin - pdf.r_margin
    if fit:
        _fitted(pdf, text, style=style, size=size, width=width)
    else:
        pdf.set_font(FONT, style, size)
    pdf.set_text_color(*color)
    pdf.set_xy(pdf.l_margin, y)
    pdf.cell(width, size * 0.5, text, align="C")
    pdf.set_text_color(*INK)


def _paragraph(pdf: FPDF, text: str, *, x: float, y: float, width: float, size: float = 10,
               style: str = "", color: tuple[int, int, int] = INK, align: str = "L") -> float:
    """Wrapped text; returns the y below it."""
    pdf.set_font(FONT, style, size)
    pdf.set_text_color(*color)
    pdf.set_xy(x, y)
    pdf.multi_cell(width, size * 0.5, text, align=align, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    return pdf.get_y()


def draw_qr(pdf: FPDF, data: str, *, x: float, y: float, size: float) -> None:
    """A QR code as filled rectangles: vector, sharp in print, no image library involved."""
    code = segno.make(data, error="m", micro=False)
    matrix = [list(row) for row in code.matrix]
    module = size / len(matrix)
    pdf.set_fill_color(0, 0, 0)
    for row_index, row in enumerate(matrix):
        column = 0
        while column < len(row):
            if not row[column]:
                column += 1
                continue
            start = column
            while column < len(row) and row[column]:
                column += 1
            pdf.rect(x + start * module, y + row_index * module, (column - start) * module, module,
                     style="F")


@contextmanager
def _in(locale: str) -> Iterator[None]:
    with force_locale(locale):
        yield


def render_certificate(content: CertificateContent) -> bytes:
    with _in(content.locale):
        pdf = _document("L", content.locale)
        pdf.set_title(_("Certificate %(serial)s", serial=content.serial))
        pdf.set_subject(_("%(name)s completed %(course)s", name=content.holder_name,
                          course=content.course_title))
        pdf.set_author(content.issuer_name)
        pdf.set_keywords(f"lms-certificate {content.serial}")
        pdf.set_creation_date(content.completed_at)
        pdf.add_page()

        pdf.set_draw_color(*BRAND)
        pdf.set_line_width(1.2)
        pdf.rect(8, 8, pdf.w - 16, pdf.h - 16)
        pdf.set_line_width(0.3)
        pdf.rect(11, 11, pdf.w - 22, pdf.h - 22)

        _line(pdf, content.issuer_name.upper(), y=20, style="B", size=12, color=BRAND, fit=True)
        _line(pdf, _("Digital-skills learning platform for officials"), y=27, size=10, color=MUTED)
        _line(pdf, _("CERTIFICATE"), y=40, style="B", size=30, color=BRAND)
        _line(pdf, _("of course completion"), y=55, size=15, color=BRAND)
        _line(pdf, _("This certifies that"), y=70, size=12)
        _line(pdf, content.holder_name, y=80, style="B", size=26, fit=True)
        _line(pdf, content.unit_name, y=94, size=13, fit=True)
        _line(pdf, _("has completed the course"), y=106, size=12)
        _fitted(pdf, content.course_title, style="B", size=18,
                width=(pdf.w - pdf.l_margin - pdf.r_margin) * 2, smallest=11)
        _paragraph(pdf, content.course_title, x=pdf.l_margin, y=115,
                   width=pdf.w - pdf.l_margin - pdf.r_margin, size=pdf.font_size_pt,
                   style="B", align="C")
        details = " · ".join((
            _("Content version %(version)s", version=content.course_version),
            _("Score %(percent)s%%", percent=format_decimal(content.percent, "#,##0.##")),
            _("Completed on %(date)s", date=format_date(content.completed_at, "long")),
        ))
        _line(pdf, details, y=132, size=11, fit=True)

        qr_size = 36
        qr_x, qr_y = 22, pdf.h - 22 - qr_size
        draw_qr(pdf, content.verify_url, x=qr_x, y=qr_y, size=qr_size)
        text_x = qr_x + qr_size + 6
        text_width = pdf.w - text_x - 22
        below = _paragraph(pdf, _("Serial number: %(serial)s", serial=content.serial),
                           x=text_x, y=qr_y + 2, width=text_width, size=12, style="B")
        below = _paragraph(pdf, _("Check this certificate at:"), x=text_x, y=below + 1.5,
                           width=text_width, size=9, color=MUTED)
        below = _paragraph(pdf, content.verify_url, x=text_x, y=below, width=text_width, size=9)
        _paragraph(pdf, _("This file carries a digital signature. A printed copy is checked by its "
                          "serial number at the address above."),
                   x=text_x, y=below + 1.5, width=text_width, size=9, color=MUTED)
        if content.demo:
            _line(pdf, _("Signed with a DEMO certificate: not valid as a real certificate."),
                  y=pdf.h - 17, style="B", size=10, color=WARNING, fit=True)
        return bytes(pdf.output())


def render_practice_document(content: PracticeContent) -> bytes:
    with _in(content.locale):
        pdf = _document("P", content.locale)
        pdf.set_title(_("E-signature practice document"))
        pdf.set_subject(_("Practice only: no legal value"))
        # The lab's altered copy changes one character of this plain-text reference.
        pdf.set_keywords(f"lms-practice {content.reference}")
        pdf.set_creation_date(content.made_at)
        pdf.add_page()

        # Watermark in both languages: a practice document must never pass for a real one.
        pdf.set_text_color(*WATERMARK)
        pdf.set_font(FONT, "B", 34)
        centre_x, centre_y = pdf.w / 2, pdf.h * 0.68  # below the text, where the page is empty
        with pdf.rotation(angle=35, x=centre_x, y=centre_y):
            for offset, text in ((-12, "CHỈ ĐỂ THỰC HÀNH"), (12, "PRACTICE ONLY")):
                width = pdf.get_string_width(text)
                pdf.text(centre_x - width / 2, centre_y + offset, text)
        pdf.set_text_color(*INK)

        _line(pdf, _("E-SIGNATURE PRACTICE DOCUMENT"), y=25, style="B", size=18, color=BRAND, fit=True)
        _line(pdf, _("Practice only: no legal value"), y=35, style="B", size=12, color=WARNING)
        width = pdf.w - pdf.l_margin - pdf.r_margin
        y = _paragraph(pdf, _("Prepared for: %(name)s", name=content.learner_name),
                       x=pdf.l_margin, y=52, width=width, size=12, style="B")
        y = _paragraph(pdf, _("Unit: %(unit)s", unit=content.unit_name), x=pdf.l_margin, y=y + 1,
                       width=width, size=11)
        y = _paragraph(pdf, _("Made on %(date)s · reference %(reference)s",
                              date=format_date(content.made_at, "long"), reference=content.reference),
                       x=pdf.l_margin, y=y + 1, width=width, size=11)
        y = _paragraph(pdf, _("The e-signature lab signed this document for you with a practice "
                              "certificate, so that you can see a real digital signature and check "
                              "it yourself. The certificate was issued by the lab's practice "
                              "authority, which no PDF reader and no agency trusts: the document "
                              "has no legal value and must never be used as an official paper."),
                       x=pdf.l_margin, y=y + 8, width=width, size=11)
        y = _paragraph(pdf, _("What to try"), x=pdf.l_margin, y=y + 6, width=width, size=13,
                       style="B", color=BRAND)
        steps = (
            _("Open this file in a PDF reader and open its signature panel. Look for who signed, "
              "when, whether the document was modified after signing, and the warning that the "
              "signer's certificate is not trusted."),
            _("Upload this file in step 2 of the lab and read its explanation."),
            _("Upload the altered copy from the lab, or a copy you changed and saved yourself, "
              "and compare the two explanations."),
        )
        for number, step in enumerate(steps, start=1):
            y = _paragraph(pdf, f"{number}. {step}", x=pdf.l_margin, y=y + 3, width=width, size=11)
        return bytes(pdf.output())
