"""An official's first day: a forced password change, a lesson, a failed quiz, a pass, the
result in "My results" and the signed certificate, in both languages, on a phone and a desktop."""

from __future__ import annotations

import pytest

from tests.browser.conftest import VIEWPORTS, follow, journey_params, sign_in
from tests.browser.quiz_ui import answer_with_mouse

WORDS = {
    "vi": {"course": "Khóa học mẫu", "passed": "Đạt", "failed": "Chưa đạt",
           "change": "Đổi mật khẩu"},
    "en": {"course": "Sample course", "passed": "Passed", "failed": "Not passed",
           "change": "Change password"},
}


@pytest.mark.parametrize("language, viewport", journey_params())
def test_sign_in_change_password_learn_fail_pass_and_get_the_certificate(
        browsing, world, new_official, language, viewport):
    words = WORDS[language]
    app = world.server.app
    login, one_time = new_official(must_change=True)
    page = browsing.new_page(language=language, viewport=VIEWPORTS[viewport])

    # Signing in with the one-time password leads straight to the change-password form.
    sign_in(page, login, one_time)
    assert page.url.endswith("/account/password"), page.url
    assert page.locator("html").get_attribute("lang") == language
    assert words["change"] in page.locator("h1").inner_text()
    page.goto("/learn/")  # every page insists until the password is changed
    assert page.url.endswith("/account/password")
    new_password = "my-own-passphrase-2026"
    page.fill("#current_password", one_time)
    page.fill("#new_password", new_password)
    page.fill("#confirm_password", new_password)
    follow(page, page.locator("main form button[type=submit]"))
    assert "/account/password" not in page.url

    # The catalogue, the course, and its lessons read one after another.
    follow(page, page.locator("nav.site-nav a[href='/learn/']"))
    follow(page, page.locator("main a[href='/learn/sample']").first)
    assert words["course"] in page.locator("h1").inner_text()
    follow(page, page.locator("main .lesson-list a").first)
    while "/lessons/" in page.url:
        assert page.locator("article.lesson h1").inner_text()
        follow(page, page.locator("form.lesson-end button"))
    assert page.url.endswith("/learn/sample")

    # A first attempt with one right answer fails...
    follow(page, page.locator("main form[action='/quiz/sample/start'] button"))
    answer_with_mouse(page, app, right=1)
    assert page.locator(".result p strong").inner_text() == words["failed"]

    # ...the retake, all right, passes.
    follow(page, page.locator("nav.breadcrumb a[href='/learn/sample']"))
    follow(page, page.locator("main form[action='/quiz/sample/start'] button"))
    answer_with_mouse(page, app)
    assert page.locator(".result p strong").inner_text() == words["passed"]
    assert page.locator(".result .score").inner_text().startswith("100")

    # Both attempts are in "My results", the latest passed.
    follow(page, page.locator("nav.site-nav a[href='/learn/results']"))
    rows = page.locator("main tbody tr")
    assert rows.count() == 2
    assert words["course"] in rows.first.inner_text()
    assert rows.first.locator(".badge").inner_text() == words["passed"]
    assert rows.nth(1).locator(".badge").inner_text() == words["failed"]

    # The certificate is listed under "My certificates" and downloads as a PDF.
    follow(page, page.locator("nav.site-nav a[href='/certificates/']"))
    certificate = page.locator("main tbody tr")
    assert certificate.count() == 1 and words["course"] in certificate.inner_text()
    with page.expect_download() as download:
        certificate.locator("a[href$='.pdf']").click()
    path = download.value.path()
    with open(path, "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    assert download.value.suggested_filename.endswith(".pdf")
