"""What a phone downloads on a first visit to the pages officials open most: at most 60 KB each
(HTML, CSS, JavaScript and images, uncompressed), and nothing from outside the server."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from lms.learning.queries import course_by_slug, current_version
from tests.browser.conftest import (
    LOCAL_HOSTS,
    PHONE,
    TEST_PASSWORD,
    SeededSession,
    World,
    follow,
    sign_in,
)

BUDGET = 60 * 1024


def heaviest_lesson(world: World) -> str:
    """The real course lesson with the longest text, in either language."""
    app = world.server.app
    courses = Path(app.config["COURSES_PATH"])
    sizes = []
    for folder in sorted((Path(__file__).resolve().parents[2] / "courses").iterdir()):
        for lesson in (courses / folder.name / "lessons").glob("*.md"):
            sizes.append((lesson.stat().st_size, folder.name, lesson.name.split(".")[0]))
    _size, slug, key = max(sizes)
    with app.app_context():  # still a lesson of the course as loaded
        assert key in {lesson.key for lesson in current_version(course_by_slug(slug)).lessons}
    return f"/learn/{slug}/lessons/{key}"


def first_visit_bytes(browsing, storage_state, path: str) -> tuple[int, list[tuple[str, int]]]:
    """Bytes of every response body a fresh phone browser receives to show ``path``."""
    page = browsing.new_page(language="vi", viewport=PHONE, storage_state=storage_state)
    requests = []
    page.on("requestfinished", lambda request: requests.append(request))
    response = page.goto(path, wait_until="networkidle")
    assert response is not None and response.ok, path
    assert urlsplit(page.url).path == urlsplit(path).path, f"{path} redirected to {page.url}"
    parts = []
    for request in requests:
        assert urlsplit(request.url).hostname in LOCAL_HOSTS, request.url
        answer = request.response()
        body = b"" if answer is None or 300 <= answer.status < 400 else answer.body()
        parts.append((urlsplit(request.url).path, len(body)))
    return sum(size for _path, size in parts), parts


@pytest.fixture
def signed_in_state(browsing, world):
    page = browsing.new_page(language="vi", viewport=PHONE)
    sign_in(page, world.logins["learner"], TEST_PASSWORD)
    assert page.url.rstrip("/") == world.server.url
    return page.context.storage_state()


def check_weights(browsing, pages: dict[str, tuple[Any, str]]) -> None:
    """Each page (name: (browser state, path)) weighs at most the budget on a first visit."""
    report, over = [], []
    for name, (storage_state, path) in pages.items():
        total, parts = first_visit_bytes(browsing, storage_state, path)
        detail = ", ".join(f"{part} {size / 1024:.1f} KB" for part, size in parts)
        report.append(f"{name} {path}: {total / 1024:.1f} KB ({detail})")
        if total > BUDGET:
            over.append(name)
    print("\n".join(["first-visit page weight on a phone:", *report]))
    assert not over, "over the 60 KB budget:\n" + "\n".join(report)
    assert not browsing.outside


def test_catalogue_lesson_and_quiz_weigh_at_most_60_kb_on_a_phone(browsing, world, signed_in_state):
    check_weights(browsing, {
        "catalogue": (signed_in_state, "/learn/"),
        "lesson": (signed_in_state, heaviest_lesson(world)),
        "quiz": (signed_in_state, f"/quiz/attempts/{world.attempts['open']}"),
    })


@pytest.fixture
def participant_in_quiz(browsing, class_session: SeededSession) -> tuple[Any, str]:
    """A parent who joined the session and started its quiz: (browser state, quiz path)."""
    page = browsing.new_page(language="vi", viewport=PHONE)
    page.goto(f"/j/{class_session.code}")
    page.fill("#display_name", "Vũ Văn Nhẹ")
    page.fill("#group_name", "8C")
    follow(page, page.locator("main form[action$='/join'] button[type=submit]"))
    follow(page, page.locator("main form[action$='/quiz/start'] button"))
    path = urlsplit(page.url).path
    assert f"/j/{class_session.code}/quiz/" in path, path
    return page.context.storage_state(), path


def test_a_participants_join_page_and_quiz_weigh_at_most_60_kb_on_a_phone(
        browsing, class_session: SeededSession, participant_in_quiz):
    """What a parent's phone downloads in a school session, often on a slow mobile connection."""
    state, quiz = participant_in_quiz
    check_weights(browsing, {
        "code": (None, "/j/"),
        "join": (None, f"/j/{class_session.code}"),
        "participant quiz": (state, quiz),
    })
