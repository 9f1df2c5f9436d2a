"""Pieces of the exam-day load benchmark (tests/bench/test_exam_day_load.py).

- :func:`prepare_database` migrates a fresh database with the real migrations, loads the
  bench course (a copy of ``courses/ai-basics`` whose quiz draws 20 questions) and a unit;
  :func:`create_officials` bulk-inserts officials who all share one pre-computed scrypt hash.
- :class:`Server` runs gunicorn in a child process and reads its CPU time from ``/proc``.
- :class:`Official` is one simulated browser (``requests.Session``): sign in, course page,
  start, autosave after each answer (as ``static/js/quiz.js`` does), submit.
- :class:`Recorder` keeps every request's latency and outcome, per endpoint.
"""

from __future__ import annotations

import html
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from flask_migrate import upgrade
from ruamel.yaml import YAML
from sqlalchemy import insert
from sqlalchemy.engine import make_url
from werkzeug.security import generate_password_hash

from lms import create_app
from lms.accounts.models import Official as OfficialRow
from lms.accounts.models import StaffCategory, new_session_token
from lms.config import REPO_ROOT
from lms.content.sync import sync_courses
from lms.db import MIGRATIONS_DIR, utcnow
from lms.extensions import db
from lms.org.models import OrgUnit, UnitKind
from lms.org.operations import create_unit
from lms.roster.plan import sort_key_fields
from tests.bench.databases import empty_postgres_schema

SOURCE_COURSE = "ai-basics"
COURSE_SLUG = "ai-basics"
DRAW = 20
PASSWORD = "Exam-day-bench-2026!"
SECRET_KEY = "exam-day-bench"
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
FIELDSET = re.compile(r'<fieldset class="question" id="question-(\d+)">')
LEGEND = re.compile(r'<legend><span class="question-number">[^<]*</span>\s*(.*?)</legend>', re.S)
INPUT = re.compile(r'<input type="(radio|checkbox)" name="([^"]+)" id="[^"]+" value="([^"]*)"')
SELECT = re.compile(r'<select name="([^"]+)"[^>]*>(.*?)</select>', re.S)
OPTION_VALUE = re.compile(r'<option value="([^"]+)"')


# --- database -------------------------------------------------------------------------------

def bench_course_folder(root: Path) -> Path:
    """A copy of a real course whose quiz draws 20 questions, with unlimited attempts and no
    lessons required first (on exam day the lessons were read before)."""
    target = root / "courses" / COURSE_SLUG
    shutil.copytree(REPO_ROOT / "courses" / SOURCE_COURSE, target)
    spec = target / "course.yaml"
    source = spec.read_text(encoding="utf-8")
    replaced = (source.replace("  draw: 15\n", f"  draw: {DRAW}\n")
                .replace("  max_attempts: 3\n", "  max_attempts: null\n")
                .replace("  require_lessons: true\n", "  require_lessons: false\n"))
    assert replaced.count(f"draw: {DRAW}") == 1 and "require_lessons: false" in replaced, \
        "the source course's quiz settings changed: update bench_course_folder"
    spec.write_text(replaced, encoding="utf-8")
    return target.parent


def app_config(database_url: str, workdir: Path) -> dict[str, Any]:
    return {"SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": str(workdir / "instance"),
            "SECRET_KEY": SECRET_KEY, "COURSES_PATH": str(workdir / "courses")}


def prepare_database(database_url: str, workdir: Path) -> int:
    """Migrate, load the bench course, create the exam's unit. Returns the unit id."""
    if database_url.startswith("postgresql"):
        empty_postgres_schema(database_url)
    courses = bench_course_folder(workdir)
    app = create_app(app_config(database_url, workdir))
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR)
        sync_courses(courses)
        unit = create_unit(code="BENCH", name_vi="Xã Thi Thử", name_en="Exam Commune",
                           kind=UnitKind.PROVINCE, parent=None)
        db.session.commit()
        unit_id = unit.id
        db.engine.dispose()
    return unit_id


_HASH: dict[str, str] = {}


def create_officials(database_url: str, workdir: Path, unit_id: int, prefix: str,
                     count: int) -> list[str]:
    """``count`` officials in one executemany. The password is hashed once with the production
    method (scrypt) and the hash shared by every row: signing in still verifies it in full."""
    if "hash" not in _HASH:
        _HASH["hash"] = generate_password_hash(PASSWORD, method="scrypt")
    app = create_app(app_config(database_url, workdir))
    now = utcnow()
    logins = [f"{prefix}{number:05d}" for number in range(count)]
    rows = [{"login": login, "full_name": f"Cán bộ Thi Thử {login}", **sort_key_fields(
             f"Cán bộ Thi Thử {login}"), "unit_id": unit_id,
             "staff_category": StaffCategory.CONG_CHUC, "password_hash": _HASH["hash"],
             "must_change_password": False, "active": True, "session_token": new_session_token(),
             "password_changed_at": now, "created_at": now, "updated_at": now}
            for login in logins]
    with app.app_context():
        with db.engine.begin() as connection:
            connection.execute(insert(OfficialRow.__table__), rows)
        assert db.session.get(OrgUnit, unit_id) is not None
        db.engine.dispose()
    return logins


def answer_key() -> dict[str, dict]:
    """Question text (Vietnamese, as the page shows it) → the question, for right answers."""
    questions = YAML(typ="safe").load(
        (REPO_ROOT / "courses" / SOURCE_COURSE / "questions.yaml").read_text(encoding="utf-8"))
    return {_squash(question["text"]["vi"]): question for question in questions}


def _squash(value: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", value)).split())


# --- server ---------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _processes() -> list[tuple[int, int, str]]:
    """(pid, parent pid, command line) of every process we can read."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (FileNotFoundError, ProcessLookupError, PermissionError, IndexError):
            continue
        found.append((int(entry.name), ppid, cmdline))
    return found


@dataclass
class Server:
    """gunicorn serving ``lms:create_app()`` with gthread workers, in a child process."""

    database_url: str
    workdir: Path
    workers: int
    threads: int
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / "gunicorn.log"

    def start(self) -> None:
        config = app_config(self.database_url, self.workdir)
        env = {**os.environ,
               "LMS_DATABASE_URL": self.database_url, "LMS_SECRET_KEY": SECRET_KEY,
               "LMS_INSTANCE_PATH": config["INSTANCE_PATH"], "LMS_COURSES_PATH": config["COURSES_PATH"],
               "LMS_COOKIE_SECURE": "0", "LMS_LOG_LEVEL": "WARNING",
               # Every simulated official signs in from 127.0.0.1: the per-address limit would
               # refuse the 21st. The limiter still runs (and costs what it costs); its limit
               # is what a proxy's X-Forwarded-For would give per real address.
               "LMS_LOGIN_RATE_LIMIT": "1000000 per minute"}
        env.pop("LMS_XAPI_ENDPOINT", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}",
             "--worker-class", "gthread", "--workers", str(self.workers),
             "--threads", str(self.threads), "--timeout", "60", "--log-level", "warning",
             "lms:create_app()"],
            env=env, cwd=REPO_ROOT, stdout=subprocess.DEVNULL,
            stderr=self.log_path.open("ab"), start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log_path.read_text()[-3000:]}")
            try:
                if requests.get(self.base + "/healthz", timeout=10).status_code == 200:
                    # Both workers answer only once each has built its app: warm them all.
                    for _ in range(self.workers * self.threads * 2):
                        requests.get(self.base + "/healthz", timeout=10)
                    return
            except requests.RequestException:  # not listening yet, or a worker still booting
                pass
            time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer /healthz within 60 s")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def cpu_seconds(self) -> dict[str, float]:
        """CPU used so far by gunicorn (master + live workers) and by this database's
        PostgreSQL backends (found by the database name in their process title)."""
        processes = _processes()
        assert self.process is not None
        master = self.process.pid
        app = _cpu_seconds(master) + sum(_cpu_seconds(pid) for pid, ppid, _ in processes
                                         if ppid == master)
        database = 0.0
        if self.database_url.startswith("postgresql"):
            name = make_url(self.database_url).database
            database = sum(_cpu_seconds(pid) for pid, _, cmdline in processes
                           if cmdline.startswith("postgres:") and f" {name} " in cmdline)
        return {"app": app, "database": database}

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


# --- measurements ---------------------------------------------------------------------------

@dataclass
class Sample:
    endpoint: str
    started: float  # seconds since the phase began
    seconds: float
    ok: bool
    detail: str


class Recorder:
    """Latency and outcome of every request of one phase, thread-safe."""

    def __init__(self) -> None:
        self.samples: list[Sample] = []
        self.origin = time.monotonic()
        self._lock = threading.Lock()

    def add(self, sample: Sample) -> None:
        with self._lock:
            self.samples.append(sample)

    def errors(self) -> list[Sample]:
        return [sample for sample in self.samples if not sample.ok]

    def by_endpoint(self) -> dict[str, list[float]]:
        times: dict[str, list[float]] = defaultdict(list)
        for sample in self.samples:
            times[sample.endpoint].append(sample.seconds)
        return times

    def timeline(self, bucket: float) -> list[tuple[int, int, float, int]]:
        """Per ``bucket`` seconds from the start: (start second, requests started, p95 seconds,
        errors)."""
        buckets: dict[int, list[Sample]] = defaultdict(list)
        for sample in self.samples:
            buckets[int(sample.started // bucket)].append(sample)
        return [(int(index * bucket), len(samples),
                 percentile([sample.seconds for sample in samples], .95),
                 sum(1 for sample in samples if not sample.ok))
                for index, samples in sorted(buckets.items())]

    def peak_rate(self) -> int:
        """Most requests started in any one second."""
        per_second: dict[int, int] = defaultdict(int)
        for sample in self.samples:
            per_second[int(sample.started)] += 1
        return max(per_second.values(), default=0)


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))]


class RequestFailed(Exception):
    pass


# --- one simulated official -----------------------------------------------------------------

class Browser:
    """A ``requests.Session`` that times each request under an endpoint name and checks it."""

    def __init__(self, base: str, recorder: Recorder, keepalive: float) -> None:
        self.base = base
        self.recorder = recorder
        self.keepalive = keepalive
        self.session = requests.Session()
        self.session.headers["Accept-Language"] = "vi"
        self.last_answer = 0.0

    def call(self, endpoint: str, method: str, path: str, *, expect: int, json: bool = False,
             **kwargs) -> requests.Response:
        headers = {"Accept": "application/json"} if json else {}
        if time.monotonic() - self.last_answer > self.keepalive / 2:
            # gunicorn closes a connection left idle for its keep-alive time; a browser then
            # opens a new one. Do so before the server's close can race our next request.
            self.session.close()
        started = time.monotonic()
        detail = ""
        try:
            response = self.session.request(method, self.base + path, allow_redirects=False,
                                            timeout=60, headers=headers, **kwargs)
            ok = response.status_code == expect
            if not ok:
                detail = f"HTTP {response.status_code}"
                if "database is locked" in response.text:
                    detail += " database is locked"
        except requests.RequestException as error:
            response, ok, detail = None, False, f"{type(error).__name__}: {error}"
        self.last_answer = time.monotonic()
        elapsed = self.last_answer - started
        self.recorder.add(Sample(endpoint, started - self.recorder.origin, elapsed, ok, detail))
        if not ok:
            raise RequestFailed(f"{endpoint}: {detail}")
        return response

    def think(self, seconds: float) -> None:
        """Wait like a person."""
        if seconds > 0:
            time.sleep(seconds)


@dataclass
class Timeline:
    """When one official acts, in seconds since the run began (already compressed)."""

    sign_in: float
    submit: float
    answers: int = DRAW


class ExamTaker:
    """One official's exam: sign in, open the course, start, answer and autosave, submit."""

    def __init__(self, browser: Browser, login: str, key: dict[str, dict], rng: random.Random,
                 right_answers: float = 0.9) -> None:
        self.browser = browser
        self.login = login
        self.key = key
        self.rng = rng
        self.right_answers = right_answers
        self.attempt_path = ""
        self.csrf = ""
        self.questions: list[dict[str, Any]] = []
        self.form: dict[str, list[str]] = {}
        self.passed: bool | None = None

    def sign_in(self) -> None:
        page = self.browser.call("GET /login", "GET", "/login", expect=200)
        token = CSRF.search(page.text).group(1)
        self.browser.call("POST /login", "POST", "/login", expect=302,
                          data={"csrf_token": token, "login": self.login, "password": PASSWORD})
        self.browser.call("GET / (home)", "GET", "/", expect=200)

    def open_course(self) -> None:
        page = self.browser.call("GET course page", "GET", f"/learn/{COURSE_SLUG}", expect=200)
        self.csrf = CSRF.search(page.text).group(1)

    def start(self) -> None:
        """Press "Start the quiz" on the course page (opened first when it is not yet)."""
        if not self.csrf:
            self.open_course()
        started = self.browser.call("POST start", "POST", f"/quiz/{COURSE_SLUG}/start",
                                    expect=302, data={"csrf_token": self.csrf})
        self.attempt_path = started.headers["Location"].removeprefix(self.browser.base)
        assert "/quiz/attempts/" in self.attempt_path, self.attempt_path
        self.read_attempt_page()

    def read_attempt_page(self) -> None:
        page = self.browser.call("GET quiz page", "GET", self.attempt_path, expect=200).text
        self.csrf = CSRF.search(page).group(1)
        self.questions = parse_questions(page)
        self.form = {}
        if len(self.questions) != DRAW:
            raise RequestFailed(f"GET quiz page: {len(self.questions)} questions shown, not {DRAW}")

    def answer(self, index: int) -> None:
        question = self.questions[index]
        self.form.update(choose(question, self.key, self.rng, self.right_answers))

    def autosave(self) -> None:
        response = self.browser.call("POST autosave", "POST", self.attempt_path + "/save",
                                     expect=200, json=True, data=self._form_data())
        if response.json() != {"saved": True}:
            raise RequestFailed(f"POST autosave: {response.text[:100]}")

    def submit(self) -> None:
        submitted = self.browser.call("POST submit", "POST", self.attempt_path + "/submit",
                                      expect=302, data=self._form_data())
        location = submitted.headers["Location"].removeprefix(self.browser.base)
        if not location.endswith("/result"):
            raise RequestFailed(f"POST submit: redirected to {location}")
        result = self.browser.call("GET result", "GET", location, expect=200).text
        self.passed = "result-pass\"" in result or "result-pass " in result

    def _form_data(self) -> list[tuple[str, str]]:
        return [("csrf_token", self.csrf)] + [(name, value) for name, values in self.form.items()
                                              for value in values]


def parse_questions(page: str) -> list[dict[str, Any]]:
    """Each question's text and form fields, read from the quiz page as a browser sees it."""
    parts = FIELDSET.split(page)
    questions = []
    for position in range(1, len(parts), 2):
        chunk = parts[position + 1].split("</fieldset>", 1)[0]
        legend = LEGEND.search(chunk)
        inputs: dict[str, list[str]] = defaultdict(list)
        kinds: dict[str, str] = {}
        for kind, name, value in INPUT.findall(chunk):
            inputs[name].append(value)
            kinds[name] = kind
        selects = {name: OPTION_VALUE.findall(body) for name, body in SELECT.findall(chunk)}
        questions.append({"position": int(parts[position]), "text": _squash(legend.group(1)),
                          "inputs": dict(inputs), "kinds": kinds, "selects": selects})
    return questions


def choose(question: dict[str, Any], key: dict[str, dict], rng: random.Random,
           right: float) -> dict[str, list[str]]:
    """Form values for one question: the right answer with probability ``right``, else a guess."""
    known = key.get(question["text"])
    name = f"q{question['position']}"
    if known is not None and rng.random() < right:
        answer = known["answer"]
        kind = known["type"]
        if kind == "single":
            return {name: [answer]}
        if kind == "true_false":
            return {name: ["true" if answer else "false"]}
        if kind == "multiple":
            return {name: list(answer)}
        if kind == "ordering":
            return {f"{name}-{option}": [str(place)] for place, option in enumerate(answer, 1)}
        if kind == "matching":
            return {f"{name}-{item}": [option] for item, option in answer.items()}
    values: dict[str, list[str]] = {}
    for field_name, options in question["inputs"].items():
        if question["kinds"][field_name] == "checkbox":
            values[field_name] = rng.sample(options, rng.randint(1, len(options)))
        else:
            values[field_name] = [rng.choice(options)]
    for field_name, options in question["selects"].items():
        values[field_name] = [rng.choice(options)]
    return values
