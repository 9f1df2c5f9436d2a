"""Keyboard only: signing in (or joining a school session with its code, name and group),
starting the quiz, answering every kind of question and submitting with Tab, Space, Enter and
the arrow keys, the focus always visible."""

from __future__ import annotations

import pytest

from lms.accounts.models import Official
from lms.extensions import db
from lms.learning.operations import mark_lesson_done
from lms.learning.queries import course_by_slug, current_version
from tests.browser.conftest import VIEWPORTS, SeededSession, attempt_answers, journey_params
from tests.browser.quiz_ui import attempt_id

MAX_TABS = 120


def focused(page, selector: str) -> bool:
    return page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector)


def tab_to(page, selector: str) -> None:
    """Press Tab until the element matching ``selector`` has the focus, and check it shows."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if focused(page, selector):
            outline = page.evaluate("""() => {
                const style = getComputedStyle(document.activeElement);
                return style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0
                       || style.boxShadow !== 'none'; }""")
            assert outline, f"the focus on {selector} is not visible"
            return
    raise AssertionError(f"{selector} never took the focus within {MAX_TABS} presses of Tab")


def choose_radio(page, name: str, value: str) -> None:
    """Tab into the group, then arrow to the answer (Space checks the first, unchecked one)."""
    tab_to(page, f"input[name={name}]")
    for _ in range(10):
        if page.evaluate("() => document.activeElement.value") == value:
            break
        page.keyboard.press("ArrowDown")
    assert page.evaluate("() => document.activeElement.value") == value
    if not page.evaluate("() => document.activeElement.checked"):
        page.keyboard.press("Space")
    assert page.locator(f"input[name={name}][value='{value}']").is_checked()


def choose_in_select(page, selector: str, label_index: int) -> None:
    """Tab to a closed select and arrow down to its option ``label_index`` (0 is "—")."""
    tab_to(page, selector)
    for _ in range(label_index):
        page.keyboard.press("ArrowDown")
    assert page.locator(selector).evaluate("s => s.selectedIndex") == label_index


@pytest.mark.parametrize("language, viewport", journey_params())
def test_the_quiz_can_be_done_with_the_keyboard_alone(browsing, world, new_official, language, viewport):
    app = world.server.app
    login, password = new_official(must_change=False)
    with app.app_context():  # the lessons were read on another day
        official = db.session.execute(db.select(Official).where(Official.login == login)).scalar_one()
        sample = course_by_slug("sample")
        for lesson in current_version(sample).lessons:
            mark_lesson_done(official.id, sample, lesson.key)
        db.session.commit()
    page = browsing.new_page(language=language, viewport=VIEWPORTS[viewport])

    page.goto("/login")
    tab_to(page, "#login")
    page.keyboard.type(login)
    tab_to(page, "#password")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    page.wait_for_url(world.server("/"))

    page.goto("/learn/sample")
    tab_to(page, "form[action='/quiz/sample/start'] button")
    page.keyboard.press("Enter")
    page.wait_for_url("**/quiz/attempts/*")

    answer_with_keyboard(page, app)
    tab_to(page, "#quiz-form .form-actions button:not([formaction])")
    page.keyboard.press("Enter")
    page.wait_for_url("**/result")
    assert page.locator(".result .score").inner_text().startswith("100")


def answer_with_keyboard(page, app) -> None:
    """Every question of the open attempt, right, in the order the page shows them."""
    for position, kind, options, items, response in attempt_answers(app, attempt_id(page)):
        name = f"q{position}"
        if kind == "single":
            choose_radio(page, name, response)
        elif kind == "true_false":
            choose_radio(page, name, "true" if response else "false")
        elif kind == "multiple":
            for option in sorted(response, key=options.index):
                tab_to(page, f"input[name={name}][value='{option}']")
                page.keyboard.press("Space")
        elif kind == "ordering":
            for option in options:
                choose_in_select(page, f"select[name='{name}-{option}']", response.index(option) + 1)
        else:  # matching: the select lists the options in the attempt's order
            for item in items:
                choose_in_select(page, f"select[name='{name}-{item}']", options.index(response[item]) + 1)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_participant_joins_and_takes_the_quiz_with_the_keyboard_alone(
        browsing, world, class_session: SeededSession, language):
    """On a phone with a keyboard (or a switch device): the code, the name and group, the quiz."""
    code = class_session.code
    page = browsing.new_page(language=language, viewport=VIEWPORTS["phone"])

    page.goto("/j/")
    tab_to(page, "#code")
    page.keyboard.type(code.lower())
    page.keyboard.press("Enter")
    page.wait_for_url(world.server(f"/j/{code}"))
    tab_to(page, "#display_name")
    page.keyboard.type(f"Bàn Phím {language}")
    tab_to(page, "#group_name")
    page.keyboard.type("Thôn 5")
    page.keyboard.press("Enter")
    page.wait_for_url(world.server(f"/j/{code}/me"))

    tab_to(page, "form[action$='/quiz/start'] button")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/j/{code}/quiz/*")
    answer_with_keyboard(page, world.server.app)
    tab_to(page, "#quiz-form .form-actions button:not([formaction])")
    page.keyboard.press("Enter")
    page.wait_for_url("**/result")
    assert page.locator(".result .score").inner_text().startswith("100")
