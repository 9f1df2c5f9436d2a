"""axe-core on every main page, in both languages, on a phone and a desktop: no serious or
critical violation, and the page's language is the one shown."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from lms.certificates.models import Certificate
from lms.extensions import db
from tests.browser.conftest import (
    PHONE,
    TEST_PASSWORD,
    VIEWPORTS,
    SeededSession,
    World,
    follow,
    sign_in,
)
from tests.browser.quiz_ui import answer_with_mouse

BLOCKING = {"serious", "critical"}


def axe_violations(page) -> list[dict[str, Any]]:
    result = page.evaluate("""async () => {
        const outcome = await axe.run(document, {resultTypes: ['violations']});
        return outcome.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}));
    }""")
    return [violation for violation in result if violation["impact"] in BLOCKING]


def describe(found: dict[str, list[dict[str, Any]]]) -> str:
    lines = []
    for url, violations in found.items():
        lines.append(url)
        for violation in violations:
            lines.append(f"  [{violation['impact']}] {violation['id']}: {violation['help']}")
            for node in violation["nodes"][:5]:
                summary = " / ".join(node["summary"].splitlines()[1:]).strip()
                lines.append(f"      {node['target']} — {summary}")
            if len(violation["nodes"]) > 5:
                lines.append(f"      … and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)


def learner_pages(world: World) -> list[str]:
    with world.server.app.app_context():
        serial = db.session.execute(select(Certificate.serial).where(
            Certificate.official_id == world.ids["learner"])).scalar_one()
    return [
        "/", "/learn/", "/learn/sample", "/learn/sample/lessons/welcome",
        "/learn/digital-citizenship", "/learn/digital-citizenship/lessons/"
        + _first_lesson(world, "digital-citizenship"),
        f"/quiz/attempts/{world.attempts['open']}",
        f"/quiz/attempts/{world.attempts['passed']}/result",
        "/learn/results", "/certificates/", "/scores/me", "/account/password",
        "/learn/lab/e-signature", "/learn/lab/e-signature/check",
        f"/verify/{serial}", "/verify",
    ]


def _first_lesson(world: World, slug: str) -> str:
    from lms.learning.queries import course_by_slug, current_version

    with world.server.app.app_context():
        return current_version(course_by_slug(slug)).lessons[0].key


def hr_pages(world: World) -> list[str]:
    done = world.ids["done"]
    return [
        "/scores/", "/scores/officials", f"/scores/officials/{done}", "/scores/policy",
        "/people/", f"/people/{done}", "/hr/exports/", "/hr/roster/",
    ]


def admin_pages(world: World) -> list[str]:
    return [
        "/admin/units", "/admin/units/new", f"/admin/units/{world.units['commune'].id}/edit",
        "/admin/officials/new", f"/admin/officials/{world.ids['done']}", "/admin/audit",
        "/certificates/manage", "/admin/api-tokens", "/admin/api-tokens/new",
    ]


ROLES: dict[str, Callable[[World], list[str]]] = {
    "learner": learner_pages, "hr": hr_pages, "admin": admin_pages}


def check_pages(page, paths: list[str], language: str) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for path in paths:
        response = page.goto(path)
        assert response is not None and response.ok, f"{path}: {response and response.status}"
        check_shown(page, found, path, language)
    return found


def check_shown(page, found: dict[str, list[dict[str, Any]]], label: str, language: str) -> None:
    """The page shown: its language, axe-core, and reflow."""
    assert page.locator("html").get_attribute("lang") == language, label
    violations = axe_violations(page)
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 0:  # WCAG 1.4.10 reflow: only a wide table may scroll, inside its frame
        violations.append({"id": "reflow", "impact": "serious",
                           "help": f"the page is {overflow}px wider than the screen", "nodes": []})
    if violations:
        found[label] = violations


def params() -> list[Any]:
    return [pytest.param(role, language, viewport, id=f"{role}-{language}-{viewport}")
            for role in (*ROLES, "anonymous") for language in ("vi", "en") for viewport in VIEWPORTS]


@pytest.mark.parametrize("role, language, viewport", params())
def test_main_pages_have_no_serious_accessibility_violations(
        browsing, world, axe_source, role, language, viewport):
    page = browsing.new_page(language=language, viewport=VIEWPORTS[viewport])
    # Loaded before the page's own scripts, which the content security policy limits to ours.
    page.context.add_init_script(script=axe_source)
    if role == "anonymous":
        paths = ["/login", "/verify", "/no-such-page"]
        found = {}
        for path in paths:
            page.goto(path)
            assert page.locator("html").get_attribute("lang") == language, path
            if violations := axe_violations(page):
                found[path] = violations
    else:
        sign_in(page, world.logins[role], TEST_PASSWORD)
        found = check_pages(page, ROLES[role](world), language)
    assert not found, "serious or critical accessibility violations:\n" + describe(found)


def check_current(page, found: dict[str, list[dict[str, Any]]], label: str, language: str) -> None:
    assert page.locator("html").get_attribute("lang") == language, label
    if violations := axe_violations(page):
        found[label] = violations


@pytest.mark.parametrize("language", ["vi", "en"])
def test_pages_after_an_action_have_no_serious_accessibility_violations(
        browsing, world, axe_source, language):
    """Forms with errors, search results and uploaded files' reports, on a phone."""
    found: dict[str, list[dict[str, Any]]] = {}
    page = browsing.new_page(language=language, viewport=VIEWPORTS["phone"])
    page.context.add_init_script(script=axe_source)

    sign_in(page, world.logins["learner"], "not-the-password")
    check_current(page, found, "sign-in refused", language)
    with world.server.app.app_context():
        serial = db.session.execute(select(Certificate.serial).where(
            Certificate.official_id == world.ids["learner"])).scalar_one()
    page.goto(f"/verify?serial={serial}")
    check_current(page, found, "verify: serial found", language)
    page.goto("/verify?serial=XXXX-XXXX-XXXX")
    check_current(page, found, "verify: serial unknown", language)

    sign_in(page, world.logins["learner"], TEST_PASSWORD)
    page.goto("/account/password")
    follow(page, page.locator("main form button[type=submit]"))
    assert page.locator(".error-summary").count() == 1
    check_current(page, found, "change password: errors", language)
    for variant in ("signed", "altered"):
        document = page.request.get(f"/learn/lab/e-signature/practice-{variant}.pdf").body()
        page.goto("/learn/lab/e-signature/check")
        page.locator("input[type=file]").set_input_files(
            {"name": f"practice-{variant}.pdf", "mimeType": "application/pdf", "buffer": document})
        follow(page, page.locator("main form button[type=submit]"))
        assert page.locator("#report-heading").count() == 1
        check_current(page, found, f"lab: {variant} practice document checked", language)

    follow(page, page.locator("nav.site-nav .account button"))  # sign out
    sign_in(page, world.logins["hr"], TEST_PASSWORD)
    page.goto("/hr/roster/")
    template = page.request.get("/hr/roster/template.csv").body()
    rows = template + "\r\nBX.NEW,Nguyễn Văn Mới,BX,cc,,,\r\n,,NOWHERE,??,,,\r\n".encode()
    page.locator("input[type=file]").set_input_files(
        {"name": "roster.csv", "mimeType": "text/csv", "buffer": rows})
    follow(page, page.locator("main form button[type=submit]").first)
    assert page.locator("section.problems tbody tr").count() >= 1  # the bad row's problems
    check_current(page, found, "roster upload with problems", language)
    assert not found, "serious or critical accessibility violations:\n" + describe(found)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_session_pages_have_no_serious_accessibility_violations(
        browsing, world, class_session: SeededSession, axe_source, language):
    """A school session's pages: the facilitator's on a desktop (the rollup as HR), the
    participant's on a phone, from the code to the quiz's result."""
    found: dict[str, list[dict[str, Any]]] = {}
    number, code = class_session.id, class_session.code

    teacher = browsing.new_page(language=language)
    teacher.context.add_init_script(script=axe_source)
    sign_in(teacher, world.logins["facilitator"], TEST_PASSWORD)
    found |= check_pages(teacher, [
        "/sessions/", "/sessions/new", f"/sessions/{number}", f"/sessions/{number}/projector",
        f"/sessions/{number}/report"], language)
    hr = browsing.new_page(language=language)
    hr.context.add_init_script(script=axe_source)
    sign_in(hr, world.logins["hr"], TEST_PASSWORD)
    found |= check_pages(hr, ["/scores/citizen-sessions/",
                              f"/scores/citizen-sessions/?year={world.year}"], language)

    phone = browsing.new_page(language=language, viewport=PHONE)
    phone.context.add_init_script(script=axe_source)
    found |= check_pages(phone, ["/j/", f"/j/{code}"], language)
    follow(phone, phone.locator("main form[action$='/join'] button[type=submit]"))
    assert phone.locator(".error-summary").count() == 1  # no name given
    check_shown(phone, found, "join: errors", language)
    phone.fill("#display_name", "Đỗ Thị Hạnh")
    phone.fill("#group_name", "Thôn 3")
    follow(phone, phone.locator("main form[action$='/join'] button[type=submit]"))
    check_shown(phone, found, "session home", language)
    found |= check_pages(phone, [f"/j/{code}/lessons/{class_session.lessons[0]}"], language)
    phone.goto(f"/j/{code}/me")
    follow(phone, phone.locator("main form[action$='/quiz/start'] button"))
    check_shown(phone, found, "quiz attempt", language)
    answer_with_mouse(phone, world.server.app, right=2)
    check_shown(phone, found, "quiz result", language)
    phone.goto("/j/ZZZZZZ")
    check_shown(phone, found, "join: no session with this code", language)
    assert not found, "serious or critical accessibility violations:\n" + describe(found)
