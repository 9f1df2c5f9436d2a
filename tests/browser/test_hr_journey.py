"""HR previews the year's scores, opens an official's breakdown and downloads the Excel export,
in both languages, on a phone and a desktop."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.browser.conftest import TEST_PASSWORD, VIEWPORTS, follow, journey_params, sign_in

WORDS = {
    "vi": {"live": "Xem trước", "excellent": "Xuất sắc", "indicator": "Chỉ số (0–100)", "band": "Mức",
           "hundred": "100,0"},
    "en": {"live": "Live preview", "excellent": "Excellent", "indicator": "Indicator (0–100)", "band": "Band",
           "hundred": "100.0"},
}


@pytest.mark.parametrize("language, viewport", journey_params())
def test_hr_previews_scores_opens_a_breakdown_and_downloads_the_workbook(
        browsing, world, language, viewport):
    words = WORDS[language]
    page = browsing.new_page(language=language, viewport=VIEWPORTS[viewport])
    sign_in(page, world.logins["hr"], TEST_PASSWORD)

    # The year's live preview for the whole province.
    follow(page, page.locator("nav.site-nav a[href='/scores/']"))
    assert str(world.year) in page.locator("h1").inner_text()
    assert words["live"] in page.locator("main .notice").first.inner_text()
    # Who still has to complete a mandatory course, with a link to their breakdown.
    assert "Lê Chưa Học" in page.locator("#risk-heading ~ .table-wrap").inner_text()

    # Every official's score, then one official's breakdown.
    follow(page, page.locator(".page-head a.button"))
    row = page.locator("main tbody tr", has_text="Trần Đúng Hạn")
    assert words["hundred"] in row.inner_text()
    follow(page, row.get_by_role("link", name="Trần Đúng Hạn"))
    assert "Trần Đúng Hạn" in page.locator("h1").inner_text()
    assert page.locator(".result .score").inner_text().startswith(words["hundred"])
    assert page.locator(".result strong").inner_text() == words["excellent"]

    # The assessment export, as an Excel workbook.
    page.goto("/scores/")
    follow(page, page.locator("main a[href^='/hr/exports/']"))
    page.locator("input[name=format][value=xlsx]").check()
    with page.expect_download() as download:
        page.locator("main form.export-form button[type=submit]").click()
    assert download.value.suggested_filename == f"assessment-{world.year}-BP.xlsx"
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).worksheets[0]
    header, *rows = sheet.iter_rows(values_only=True)
    officials = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    # Employee codes are kept upper-case; the indicator is a number a spreadsheet can sum.
    assert officials["BX.DONE"][words["indicator"]] == 100
    assert officials["BX.DONE"][words["band"]] == words["excellent"]
    assert officials["BX.MISSING"][words["indicator"]] == 0
