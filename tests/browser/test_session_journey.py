"""A school session from start to report: a teacher creates it on a desktop and shows its code
on the projector; three parents join on their phones, read the lessons and take the quiz (two
pass, one does not); the live dashboard follows them without a reload; the teacher closes the
session, a late parent is refused, and the report counts three who came and two of three who
passed. In both languages."""

from __future__ import annotations

import re

import pytest
from babel.numbers import format_percent
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, TEST_PASSWORD, follow, sign_in
from tests.browser.quiz_ui import answer_with_mouse

WORDS = {
    "vi": {"passed": "Đạt", "failed": "Chưa đạt", "row_passed": "đạt", "row_failed": "chưa đạt",
           "yes": "có", "no": "không", "closed": "đã kết thúc", "attendance": "Số người tham dự",
           "pass_rate": "Tỷ lệ đạt"},
    "en": {"passed": "Passed", "failed": "Not passed", "row_passed": "passed",
           "row_failed": "not passed", "yes": "yes", "no": "no", "closed": "closed",
           "attendance": "Attendance", "pass_rate": "Pass rate"},
}
LESSONS = ("vneid", "scam-calls")  # two of the citizen course's lessons, ticked in the form
PARENTS = (("Nguyễn Thị Lan", "8A", None), ("Trần Văn Hùng", "8B", None),
           ("Lê Thị Mai", "8A", 3))  # (name, group, right answers: None is every one)
# A participant finishing appears on the open dashboard at its next fetch (every 5 s).
POLL_TIMEOUT = 12_000


def stat(page, index: int):
    return page.locator("#live .stats .stat-value").nth(index)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_facilitator_runs_a_session_that_three_parents_join_on_their_phones(
        browsing, world, language):
    words = WORDS[language]
    app = world.server.app
    title = f"Kỹ năng số cho phụ huynh ({language})"

    # The teacher signs in on the classroom's computer and creates the session.
    teacher = browsing.new_page(language=language)
    sign_in(teacher, world.logins["facilitator"], TEST_PASSWORD)
    follow(teacher, teacher.locator("nav.site-nav a[href='/sessions/']"))
    follow(teacher, teacher.locator("main a[href='/sessions/new']"))
    teacher.fill("#title", title)
    # The school is the only unit offered; the citizen course is proposed by default.
    assert teacher.locator("#unit_id option").count() == 1
    assert teacher.locator("#course").input_value() == "citizen-digital-skills"
    for key in LESSONS:
        teacher.locator(f"#lesson-citizen-digital-skills-{key}").check()
    assert teacher.locator("#starts_at").input_value()  # the next full hour, proposed
    teacher.fill("#place", "Phòng 8A")
    teacher.locator("input[name=audience][value=parents]").check()
    teacher.fill("#expected_size", "4")
    follow(teacher, teacher.locator("main form button[type=submit]"))
    assert re.search(r"/sessions/\d+$", teacher.url), teacher.url
    assert teacher.locator("h1").inner_text() == title

    # The projector shows the code in large letters; the teacher reads it from there.
    follow(teacher, teacher.locator("main a[href$='/projector']"))
    code = teacher.locator(".join-code-large [aria-hidden=true]").inner_text().strip()
    assert " ".join(code) in teacher.locator(".join-code-large .visually-hidden").inner_text()
    assert re.fullmatch(r"[23456789ABCDEFGHJKMNPQRSTVWXYZ]{6}", code), code
    assert teacher.locator(".qr svg").count() == 1
    assert f"/j/{code}" in teacher.locator(".projector").inner_text()
    follow(teacher, teacher.locator(".projector a[href^='/sessions/']"))
    expect(stat(teacher, 0)).to_have_text("0")
    teacher.evaluate("() => { window.stillTheSamePage = true; }")

    # Three parents, each on their own phone, join with the code and take the quiz.
    for name, group, right in PARENTS:
        phone = browsing.new_page(language=language, viewport=PHONE)
        phone.goto("/j/")
        phone.fill("#code", code.lower())  # typed in any case
        follow(phone, phone.locator("main form button[type=submit]"))
        assert phone.url.endswith(f"/j/{code}"), phone.url
        assert phone.locator("h1").inner_text() == title
        phone.fill("#display_name", name)
        phone.fill("#group_name", group)
        follow(phone, phone.locator("main form[action$='/join'] button[type=submit]"))
        assert phone.url.endswith(f"/j/{code}/me"), phone.url
        assert name in phone.locator("main .lead").inner_text()

        # The two lessons of the session, one after the other, then back to the session.
        follow(phone, phone.locator(".session-lessons a").first)
        read = 0
        while "/lessons/" in phone.url:
            assert phone.locator("article.lesson h1").inner_text()
            follow(phone, phone.locator("form.lesson-end button"))
            read += 1
        assert read == len(LESSONS)
        assert phone.url.endswith(f"/j/{code}/me")
        assert phone.locator(".session-lessons .badge-ok").count() == len(LESSONS)

        follow(phone, phone.locator("main form[action$='/quiz/start'] button"))
        answer_with_mouse(phone, app, right=right)
        verdict = words["passed"] if right is None else words["failed"]
        assert phone.locator(".result p strong").inner_text() == verdict
        if right is None:
            assert phone.locator(".result .score").inner_text().startswith("100")
            assert phone.locator(".result .notice-ok").count() == 1  # completed: a certificate

    # The dashboard, open all along, shows the last one's result too without a reload.
    expect(stat(teacher, 1)).to_have_text("3", timeout=POLL_TIMEOUT)
    assert teacher.evaluate("() => window.stillTheSamePage === true")
    # What the teacher reads: 3 joined, 3 took the quiz, 2 passed, 2 completed.
    for index, value in enumerate(["3", "3", "2", "2"]):
        expect(stat(teacher, index)).to_have_text(value)
    rows = teacher.locator("#participants-heading + .table-wrap tbody tr")
    expect(rows).to_have_count(3)
    for name, group, right in PARENTS:
        cells = rows.filter(has_text=name).locator("td")
        assert cells.nth(1).inner_text() == group
        assert cells.nth(2).inner_text().startswith("2")  # lessons read: 2 of 2
        assert cells.nth(3).inner_text() == (words["row_passed"] if right is None
                                             else words["row_failed"])
        assert cells.nth(4).inner_text().startswith("100" if right is None else "30")
        assert cells.nth(5).inner_text() == (words["yes"] if right is None else words["no"])
    # One row per question drawn, each with its share of fully right answers.
    shares = teacher.locator("#questions-heading + .table-wrap tbody tr td:last-child")
    assert shares.count() >= 10
    for share in shares.all_inner_texts():
        assert re.fullmatch(r"\d{1,3}\s?%", share.strip()), share

    # A late parent opens the join page; meanwhile the teacher closes the session.
    late = browsing.new_page(language=language, viewport=PHONE)
    late.goto(f"/j/{code}")
    late.fill("#display_name", "Phạm Văn Muộn")
    follow(teacher, teacher.locator("main form[action$='/close'] button"))
    assert teacher.url.endswith("/report"), teacher.url
    follow(late, late.locator("main form[action$='/join'] button[type=submit]"))
    assert words["closed"] in late.locator("main").inner_text().lower()
    assert late.locator("main form[action$='/join']").count() == 0
    late.goto(f"/j/{code}")  # trying again is refused the same way
    assert words["closed"] in late.locator("main").inner_text().lower()

    # The report: attendance 3 (of 4 expected), pass rate 2 of 3.
    facts = dict(zip(teacher.locator("dl.facts dt").all_inner_texts(),
                     teacher.locator("dl.facts dd").all_inner_texts(), strict=True))
    attendance, pass_rate = facts[words["attendance"]], facts[words["pass_rate"]]
    assert re.match(r"3\D+4", attendance), attendance
    assert format_percent(3 / 4, locale=language) in attendance
    assert format_percent(2 / 3, locale=language) in pass_rate
    assert re.search(r"\(2\D+3", pass_rate), pass_rate
    assert teacher.locator("#participants-heading + .table-wrap tbody tr").count() == 3
