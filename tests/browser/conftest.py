"""Browser tests: the real app on a localhost port, driven by Debian's Chromium through Playwright.

The server runs in a background thread against the suite's test database. Its data is
committed once for the whole package (``world``) and by the tests through the server app's
own operations; nothing here uses the per-test ``app`` fixture, whose teardown empties the
tables, so nothing is wiped under the server mid-test. When the package ends the server
stops and every table is emptied, so no data leaks into later tests.

Without Chromium, Playwright or axe-core the tests are skipped, except when
``LMS_REQUIRE_BROWSER=1`` (CI), where a missing piece fails them.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select, update
from werkzeug.serving import WSGIRequestHandler, make_server

from lms.accounts.models import Official, Role, StaffCategory
from lms.accounts.operations import create_official, grant_role
from lms.certificates.identity import IdentityKind, load_identity
from lms.classroom.models import Audience, Pacing
from lms.classroom.operations import ParticipantLearner, create_session, join_session, mark_lesson_read
from lms.content.sync import sync_courses
from lms.extensions import db, limiter
from lms.learning.models import Course, CourseCompletion
from lms.learning.operations import mark_lesson_done
from lms.learning.queries import course_by_slug, current_version
from lms.org.models import OrgUnit, UnitKind
from lms.org.operations import create_unit
from lms.quiz.models import AttemptStatus, QuizAttempt
from lms.quiz.operations import start_attempt, submit_attempt
from lms.scoring.operations import activate_policy
from tests.conftest import FIXTURE_COURSES, TEST_PASSWORD, _empty_all_tables, make_test_app
from tests.quiz.helpers import wrong_response

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("LMS_CHROMIUM", "/usr/bin/chromium")
AXE_JS = Path(os.environ.get("LMS_AXE_JS") or Path(
    os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "lms-browser" / "node_modules"
    / "axe-core" / "axe.min.js")
ARTIFACTS = Path(__file__).parent / "artifacts"
REQUIRED = os.environ.get("LMS_REQUIRE_BROWSER") == "1"

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}
LOCALES = {"vi": "vi-VN", "en": "en-US"}


def unavailable(reason: str) -> None:
    """Skip locally; fail in CI, where the browser and axe-core must be there."""
    if REQUIRED:
        pytest.fail(f"LMS_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


# --- the server -----------------------------------------------------------------------------

@dataclass
class LiveServer:
    app: Flask
    url: str

    def __call__(self, path: str = "/") -> str:
        return self.url + path


class QuietHandler(WSGIRequestHandler):
    """No line per request: a journey makes hundreds."""

    def log_request(self, *args, **kwargs) -> None:
        pass


@pytest.fixture(scope="package")
def live_server(database_url: str, _migrated: None,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # The real courses and the test suite's sample course, served from one folder.
    courses = tmp_path_factory.mktemp("browser-courses")
    for folder in [*sorted((REPO_ROOT / "courses").iterdir()), FIXTURE_COURSES / "sample"]:
        if folder.is_dir():
            shutil.copytree(folder, courses / folder.name)
    app = make_test_app(database_url, str(tmp_path_factory.mktemp("browser-instance")),
                        COURSES_PATH=str(courses),
                        # Every journey signs in from 127.0.0.1.
                        LOGIN_RATE_LIMIT="1000 per minute")
    with app.app_context():
        _empty_all_tables()
        for kind in IdentityKind:  # RSA keys take a moment: make them before any request
            load_identity(app, kind)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="lms-browser-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.session.remove()
            _empty_all_tables()
            db.engine.dispose()
        limiter.reset()


# --- the province the tests walk through -----------------------------------------------------

_numbers = itertools.count(1)


def policy_text(year: int) -> str:
    return f"""
name: {{vi: Chính sách thử nghiệm trình duyệt, en: Browser test policy}}
year: {year}
quarters: true
points: {{on_time: 90, late: 60, missing: 0, best_score_bonus: 10}}
new_officials: {{grace_days: 30}}
bands:
  - {{code: excellent, min: 90, label: {{vi: Xuất sắc, en: Excellent}}}}
  - {{code: good, min: 70, label: {{vi: Tốt, en: Good}}}}
  - {{code: fair, min: 50, label: {{vi: Đạt, en: Fair}}}}
  - {{code: below, min: 0, label: {{vi: Chưa đạt, en: Below}}}}
standard: {{min_indicator: 70, require_all_mandatory: true}}
units: {{rank_by: share_meeting_standard}}
mandatory:
  - course: sample
    deadline: {year}-12-31
    staff_categories: [can_bo, cong_chuc]
"""


@dataclass
class World:
    server: LiveServer
    year: int
    units: dict[str, OrgUnit] = field(default_factory=dict)
    logins: dict[str, str] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)
    attempts: dict[str, str] = field(default_factory=dict)  # public ids


def _unit(code: str, name: str, kind: UnitKind, parent: OrgUnit | None = None) -> OrgUnit:
    return create_unit(code=code, name_vi=name, name_en=f"{name} (en)", kind=kind, parent=parent)


def _official(login: str, unit: OrgUnit, full_name: str, *, must_change: bool = False,
              category: StaffCategory = StaffCategory.CONG_CHUC,
              roles: tuple[Role, ...] = ()) -> Official:
    official, _ = create_official(login=login, full_name=full_name, unit=unit,
                                  staff_category=category, password=TEST_PASSWORD,
                                  must_change_password=must_change, employee_code=login)
    for role in roles:
        grant_role(official, role, unit)
    return official


def answer_key(attempt: QuizAttempt, *, right: int | None = None) -> dict[int, Any]:
    """Responses by item position: the first ``right`` answers right (all when None), the rest
    wrong. Read from the database's answer key, never from a page."""
    return {item.position: (item.question_version.answer if right is None or item.position < right
                            else wrong_response(item)) for item in attempt.items}


@pytest.fixture(scope="package")
def world(live_server: LiveServer) -> World:
    """A small province: HR and an admin at the top, a learner with a finished course, and
    colleagues with results of the year, under a policy that makes the sample course mandatory."""
    app = live_server.app
    zone = ZoneInfo(app.config["BABEL_DEFAULT_TIMEZONE"])
    now = datetime.now(zone)
    world = World(live_server, now.year)
    with app.app_context():
        sync_courses(Path(app.config["COURSES_PATH"]))
        province = _unit("BP", "Tỉnh Thử Nghiệm", UnitKind.PROVINCE)
        commune = _unit("BX", "Xã Thử Nghiệm", UnitKind.COMMUNE, province)
        school = _unit("BXS", "Trường THCS Thử Nghiệm", UnitKind.SCHOOL, commune)
        db.session.flush()
        people = {
            "hr": _official("hr.browser", province, "Hồ Nhân Sự", roles=(Role.HR,)),
            "admin": _official("admin.browser", province, "Lê Quản Trị", roles=(Role.ADMIN,)),
            "learner": _official("learner.browser", commune, "Phạm Học Viên"),
            "done": _official("bx.done", commune, "Trần Đúng Hạn"),
            "missing": _official("bx.missing", commune, "Lê Chưa Học", category=StaffCategory.CAN_BO),
            # A teacher who runs citizen sessions at the school (no mandatory course for them).
            "facilitator": _official("gv.browser", school, "Trần Thị Giáo Viên",
                                     category=StaffCategory.VIEN_CHUC, roles=(Role.FACILITATOR,)),
        }
        db.session.flush()
        # Everyone was there, and the course published, well before the year began (so no one
        # is a newcomer in their grace period, whatever the date of the run).
        start = datetime(now.year, 1, 1, tzinfo=UTC) - timedelta(days=90)
        db.session.execute(update(Course).values(created_at=start))
        db.session.execute(update(Official).values(created_at=start))
        activate_policy(policy_text(now.year))
        db.session.commit()

        # "done" finished the mandatory course with 100 %; "learner" finished it too and has an
        # attempt open on a real course (the quiz page the accessibility checks look at).
        sample = course_by_slug("sample")
        for key in ("done", "learner"):
            official = db.session.get(Official, people[key].id)
            for lesson in current_version(sample).lessons:
                mark_lesson_done(official.id, sample, lesson.key)
            db.session.commit()
            attempt = start_attempt(official, sample)
            submit_attempt(attempt, answer_key(attempt))
        real = course_by_slug("digital-citizenship")
        learner = db.session.get(Official, people["learner"].id)
        for lesson in current_version(real).lessons:
            mark_lesson_done(learner.id, real, lesson.key)
        db.session.commit()
        open_attempt = start_attempt(learner, real)

        world.units = {"province": db.session.get(OrgUnit, province.id),
                       "commune": db.session.get(OrgUnit, commune.id),
                       "school": db.session.get(OrgUnit, school.id)}
        world.logins = {key: official.login for key, official in people.items()}
        world.ids = {key: official.id for key, official in people.items()}
        passed = db.session.execute(select(QuizAttempt.public_id).where(
            QuizAttempt.official_id == learner.id, QuizAttempt.passed.is_(True))).scalar_one()
        world.attempts = {"passed": passed, "open": open_attempt.public_id}
        completion = db.session.execute(select(CourseCompletion).where(
            CourseCompletion.official_id == learner.id)).scalar_one()
        assert completion.percent == 100.0
        for obj in world.units.values():
            db.session.expunge(obj)
    return world


CITIZEN_COURSE = "citizen-digital-skills"


@dataclass
class SeededSession:
    id: int
    code: str
    lessons: list[str]


@pytest.fixture(scope="package")
def class_session(world: World) -> SeededSession:
    """An open, self-paced session of the citizen course at the school, for parents, on two of
    its lessons; two parents have read them and taken the quiz (one passed, one not)."""
    app = world.server.app
    with app.app_context():
        school = db.session.get(OrgUnit, world.units["school"].id)
        facilitator = db.session.get(Official, world.ids["facilitator"])
        course = course_by_slug(CITIZEN_COURSE)
        version = current_version(course)
        keys = [lesson.key for lesson in version.lessons][:2]
        session = create_session(
            unit=school, course=course, title="Buổi học mẫu: phụ huynh lớp 8", lesson_keys=keys,
            starts_at=datetime.now(UTC), place="Phòng 8A", audience=Audience.PARENTS,
            expected_size=30, pacing=Pacing.SELF_PACED, by=facilitator)
        db.session.commit()
        for name, right in (("Nguyễn Văn An", None), ("Lê Thị Bình", 2)):
            participant = join_session(session, display_name=name, group_name="8A")
            for key in keys:
                mark_lesson_read(participant, version, key)
            db.session.commit()
            learner = ParticipantLearner(participant)
            attempt = start_attempt(learner, course)
            submit_attempt(attempt, answer_key(attempt, right=right), learner=learner)
        return SeededSession(session.id, session.join_code, keys)


@pytest.fixture
def new_official(world: World) -> Callable[..., tuple[str, str]]:
    """A new official of the test commune; returns (login, password)."""

    def factory(*, must_change: bool = True, full_name: str = "Nguyễn Thị Mới") -> tuple[str, str]:
        login = f"new.{next(_numbers):03d}"
        with world.server.app.app_context():
            unit = db.session.get(OrgUnit, world.units["commune"].id)
            _official(login, unit, full_name, must_change=must_change)
            db.session.commit()
        return login, TEST_PASSWORD

    return factory


def attempt_answers(app: Flask, public_id: str, *, right: int | None = None):
    """The attempt's items (type, position, option order) and the responses to give."""
    with app.app_context():
        attempt = db.session.execute(
            select(QuizAttempt).where(QuizAttempt.public_id == public_id)).scalar_one()
        assert attempt.status is AttemptStatus.IN_PROGRESS
        responses = answer_key(attempt, right=right)
        return [(item.position, item.question_version.type.value, list(item.option_order),
                 list(item.item_order or []), responses[item.position]) for item in attempt.items]


# --- the browser ----------------------------------------------------------------------------

@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright is not installed (pip install -e '.[test]')")
    if not Path(CHROMIUM).exists():
        unavailable(f"Chromium is missing at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        yield browser
        browser.close()


@pytest.fixture(scope="package")
def axe_source() -> str:
    if not AXE_JS.exists():
        unavailable(f"axe-core is missing at {AXE_JS} (npm install --prefix "
                    f"~/.cache/lms-browser axe-core@4, or set LMS_AXE_JS)")
    return AXE_JS.read_text(encoding="utf-8")


LOCAL_HOSTS = {"127.0.0.1", "localhost"}


@dataclass
class Browsing:
    """Contexts opened by a test: every request is checked to stay on localhost."""

    browser: Any
    server: LiveServer
    contexts: list[Any] = field(default_factory=list)
    pages: list[Any] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)

    def new_page(self, *, language: str = "vi", viewport: dict[str, int] = DESKTOP,
                 storage_state: Any = None) -> Any:
        context = self.browser.new_context(
            viewport=viewport, locale=LOCALES[language], base_url=self.server.url,
            accept_downloads=True, storage_state=storage_state,
            is_mobile=viewport is PHONE, has_touch=viewport is PHONE)
        context.set_default_timeout(15_000)
        context.route("**/*", self._guard)
        self.contexts.append(context)
        page = context.new_page()
        self.pages.append(page)
        return page

    def _guard(self, route) -> None:
        url = route.request.url
        if urlsplit(url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()


@pytest.fixture
def browsing(browser, live_server: LiveServer, request) -> Iterator[Browsing]:
    browsing = Browsing(browser, live_server)
    yield browsing
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed and browsing.pages:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid.split("::", 1)[-1])
        for number, page in enumerate(browsing.pages, 1):
            try:
                page.screenshot(path=str(ARTIFACTS / f"{name}-{number}.png"), full_page=True)
            except Exception as error:  # a crashed page: say so, keep the test's own failure
                print(f"no screenshot of page {number}: {error}")
    for context in browsing.contexts:
        context.close()
    assert not browsing.outside, f"requests left localhost: {browsing.outside}"


def sign_in(page, login: str, password: str) -> None:
    page.goto("/login")
    page.fill("#login", login)
    page.fill("#password", password)
    follow(page, page.locator("main form button[type=submit]"))


def follow(page, element) -> None:
    """Click a link or a form's button and wait for the page it leads to.

    A bare click returns before the next page has loaded: what is read right after it may
    still be the page the click left, or the next one before its rows arrive."""
    with page.expect_navigation():
        element.click()


def journey_params() -> list[Any]:
    """Both languages, each on the phone and on the desktop."""
    return [pytest.param(language, name, id=f"{language}-{name}")
            for language in LOCALES for name in VIEWPORTS]


@pytest.fixture(autouse=True)
def _fresh_limits() -> Iterator[None]:
    yield
    limiter.reset()
