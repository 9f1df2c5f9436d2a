"""Answering a quiz page the way a learner does, from responses read off the answer key."""

from __future__ import annotations

from typing import Any

from flask import Flask

from tests.browser.conftest import attempt_answers


def attempt_id(page) -> str:
    """The attempt's public id: an official's /quiz/attempts/<id>, a participant's
    /j/<code>/quiz/<id>."""
    assert "/quiz/attempts/" in page.url or "/j/" in page.url and "/quiz/" in page.url, page.url
    return page.url.rstrip("/").rsplit("/", 1)[-1]


def answer_with_mouse(page, app: Flask, *, right: int | None = None) -> None:
    """Fill the open attempt's form by clicking and choosing, then submit it."""
    for position, kind, _options, _items, response in attempt_answers(app, attempt_id(page), right=right):
        question = page.locator(f"#question-{position}")
        name = f"q{position}"
        if kind == "single":
            question.locator(f"input[name={name}][value='{response}']").check()
        elif kind == "true_false":
            question.locator(f"input[name={name}][value={'true' if response else 'false'}]").check()
        elif kind == "multiple":
            for option in response:
                question.locator(f"input[name={name}][value='{option}']").check()
        elif kind == "ordering":
            for rank, option in enumerate(response, 1):
                question.locator(f"select[name='{name}-{option}']").select_option(str(rank))
        else:  # matching
            for item, option in response.items():
                question.locator(f"select[name='{name}-{item}']").select_option(option)
    submit_button(page).click()
    page.wait_for_url("**/result")


def submit_button(page) -> Any:
    return page.locator("#quiz-form .form-actions button:not([formaction])")
