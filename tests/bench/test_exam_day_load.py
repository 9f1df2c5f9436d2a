"""Benchmark: exam day. N officials sign in, start the same 20-question quiz within one minute,
answer with think times (autosaving each answer, as static/js/quiz.js does) and submit within
one minute, against the app served by gunicorn on SQLite and on PostgreSQL.

Run on demand (tests/bench is not part of the normal suite):

    .venv/bin/pytest tests/bench/test_exam_day_load.py -s

Both databases run: SQLite in a file in a temporary folder, PostgreSQL at
``LMS_BENCH_DATABASE_URL`` (default: the local database ``lms_bench_exam_day``, whose
``public`` schema is dropped and rebuilt); ``LMS_BENCH_DATABASES=sqlite`` runs one only.

Settings (environment):

- ``LMS_BENCH_EXAM_STEPS`` (default ``50,100,200,400,800``): the N tried, smallest first; the
  run stops at the first N with an error or a p95 latency of 500 ms or more on any endpoint.
- ``LMS_BENCH_COMPRESSION`` (default ``20``): the answering time (``LMS_BENCH_ANSWER_MINUTES``,
  default 20 minutes between the start minute and the submit minute) is divided by this. The
  start minute and the submit minute themselves are never compressed: they are the peaks.
- ``LMS_BENCH_WORKERS`` / ``LMS_BENCH_THREADS`` (default 2 / 4): gunicorn gthread workers.

The submit endpoint's and the lesson page's throughput are measured closed-loop
(``LMS_BENCH_CONCURRENCY`` clients, default 8, each sending its next request when the last
one answered) against ``/healthz`` on the same server in the same run. Figures go in
docs/benchmarks.md.
"""

from __future__ import annotations

import os
import random
import resource
import threading
import time
from pathlib import Path

import pytest

from tests.bench.exam_day import (
    COURSE_SLUG,
    DRAW,
    Browser,
    ExamTaker,
    Recorder,
    RequestFailed,
    Server,
    answer_key,
    create_officials,
    percentile,
    prepare_database,
)

pytestmark = pytest.mark.bench

STEPS = [int(n) for n in os.environ.get("LMS_BENCH_EXAM_STEPS", "50,100,200,400,800").split(",")]
COMPRESSION = float(os.environ.get("LMS_BENCH_COMPRESSION", "20"))
ANSWER_MINUTES = float(os.environ.get("LMS_BENCH_ANSWER_MINUTES", "20"))
WORKERS = int(os.environ.get("LMS_BENCH_WORKERS", "2"))
THREADS = int(os.environ.get("LMS_BENCH_THREADS", "4"))
CONCURRENCY = int(os.environ.get("LMS_BENCH_CONCURRENCY", "8"))
THROUGHPUT_SECONDS = float(os.environ.get("LMS_BENCH_THROUGHPUT_SECONDS", "10"))
SUBMITS = int(os.environ.get("LMS_BENCH_SUBMITS", "240"))
POSTGRES_URL = os.environ.get("LMS_BENCH_DATABASE_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/lms_bench_exam_day")
DATABASES = os.environ.get("LMS_BENCH_DATABASES", "sqlite,postgresql").split(",")
START_WINDOW = 60.0   # every start falls within this minute (real time)
SUBMIT_WINDOW = 60.0  # every submit falls within this minute (real time)
P95_LIMIT = 0.5
KEEPALIVE = 2.0       # gunicorn's default keep-alive
TIMELINE_BUCKET = 15.0
LESSON_KEYS = ("what-is-ai", "ai-at-work", "prompts", "hallucinations")


def cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Phase:
    """Wall time, load-generator CPU, server CPU and new server-log lines of one phase."""

    def __init__(self, server: Server) -> None:
        self.server = server

    def __enter__(self) -> Phase:
        self.log_start = len(self.server.log_text())
        self.wall = time.monotonic()
        self.cpu = cpu_self()
        self.server_cpu = self.server.cpu_seconds()
        self.baseline = (0.0, self.server_cpu["app"] + self.server_cpu["database"], self.cpu)
        self.samples: list[tuple[float, float, float]] = []  # (seconds, server CPU, loadgen CPU)
        self._done = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()
        return self

    def _sample(self) -> None:
        """Server and load-generator CPU every TIMELINE_BUCKET seconds, for the timeline."""
        started = time.monotonic()
        while not self._done.wait(TIMELINE_BUCKET):
            server = self.server.cpu_seconds()
            self.samples.append((time.monotonic() - started, server["app"] + server["database"],
                                 cpu_self()))

    def cpu_share(self, index: int) -> tuple[float, float]:
        """Server and load-generator CPU (share of all cores) in the index-th bucket."""
        cores = os.cpu_count() or 1
        if index >= len(self.samples):
            return float("nan"), float("nan")
        before = self.samples[index - 1] if index else self.baseline
        after = self.samples[index]
        span = after[0] - before[0]
        return (after[1] - before[1]) / span / cores, (after[2] - before[2]) / span / cores

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._sampler.join()
        self.wall = time.monotonic() - self.wall
        self.cpu = cpu_self() - self.cpu
        after = self.server.cpu_seconds()
        self.server_cpu = {part: after[part] - self.server_cpu[part] for part in after}
        self.log = self.server.log_text()[self.log_start:]

    def cpu_line(self) -> str:
        cores = os.cpu_count() or 1
        return (f"wall {self.wall:.1f} s; CPU (share of {cores} cores): load generator "
                f"{self.cpu:.1f} s ({self.cpu / self.wall / cores:.0%}), gunicorn "
                f"{self.server_cpu['app']:.1f} s ({self.server_cpu['app'] / self.wall / cores:.0%})"
                + (f", PostgreSQL backends {self.server_cpu['database']:.1f} s "
                   f"({self.server_cpu['database'] / self.wall / cores:.0%})"
                   if self.server_cpu["database"] else ""))


def locked_in_log(log: str) -> int:
    return log.count("database is locked")


def run_exam(server: Server, logins: list[str], key: dict, seed: int) -> Recorder:
    """Every official's exam in its own thread, on the timeline described in the module doc."""
    recorder = Recorder()
    rng = random.Random(seed)
    answering = ANSWER_MINUTES * 60 / COMPRESSION
    plans = [(login, rng.uniform(0, START_WINDOW - 6),
              rng.uniform(START_WINDOW + answering, START_WINDOW + answering + SUBMIT_WINDOW),
              random.Random(rng.random())) for login in logins]
    origin = recorder.origin
    takers: list[ExamTaker] = []

    def wait_until(moment: float, browser: Browser) -> None:
        browser.think(moment - (time.monotonic() - origin))

    def take(login: str, arrive: float, submit_at: float, own_rng: random.Random) -> None:
        browser = Browser(server.base, recorder, KEEPALIVE)
        taker = ExamTaker(browser, login, key, own_rng)
        takers.append(taker)
        try:
            wait_until(arrive, browser)
            taker.sign_in()          # read the form, type, sign in: about 2 s
            browser.think(1.0)
            taker.open_course()      # the course page, then "Start the quiz"
            browser.think(2.0)
            taker.start()
            began = time.monotonic() - origin
            gap = (submit_at - began) / (DRAW + 1)
            for index in range(DRAW):
                wait_until(began + gap * (index + 1) + own_rng.uniform(-0.3, 0.3) * gap, browser)
                taker.answer(index)
                browser.think(0.6)   # quiz.js saves 600 ms after the last change
                taker.autosave()
            wait_until(submit_at, browser)
            taker.submit()
        except RequestFailed:
            pass  # the failed request is in the recorder; this official stops there
        finally:
            browser.session.close()

    threads = [threading.Thread(target=take, args=plan, daemon=True) for plan in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    recorder.passed = sum(1 for taker in takers if taker.passed)
    recorder.submitted = sum(1 for taker in takers if taker.passed is not None)
    return recorder


def closed_loop(server: Server, browsers: list[Browser], endpoint: str, request) -> tuple[float, Recorder]:
    """Each browser sends ``request(browser)`` again as soon as the last one answered, for
    THROUGHPUT_SECONDS. Returns requests per second and the recorder."""
    recorder = Recorder()
    stop = time.monotonic() + THROUGHPUT_SECONDS

    def loop(browser: Browser) -> None:
        browser.recorder = recorder
        while time.monotonic() < stop:
            try:
                request(browser)
            except RequestFailed:
                pass

    threads = [threading.Thread(target=loop, args=(browser,)) for browser in browsers]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return len(recorder.samples) / elapsed, recorder


def signed_in(server: Server, logins: list[str], key: dict) -> list[ExamTaker]:
    recorder = Recorder()
    takers = [ExamTaker(Browser(server.base, recorder, KEEPALIVE), login, key, random.Random(number))
              for number, login in enumerate(logins)]
    chunks = [takers[index::CONCURRENCY] for index in range(CONCURRENCY)]

    def sign_in_all(chunk: list[ExamTaker]) -> None:
        for taker in chunk:
            taker.sign_in()

    threads = [threading.Thread(target=sign_in_all, args=(chunk,)) for chunk in chunks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not recorder.errors(), recorder.errors()[:3]
    return takers


def measure_throughput(server: Server, database_url: str, workdir: Path, unit_id: int,
                       key: dict) -> list[str]:
    lines = [f"Closed loop, {CONCURRENCY} clients, {THROUGHPUT_SECONDS:.0f} s per endpoint:"]
    logins = create_officials(database_url, workdir, unit_id, "tp", max(SUBMITS, CONCURRENCY))
    takers = signed_in(server, logins, key)
    browsers = [taker.browser for taker in takers[:CONCURRENCY]]
    rates = {}

    def healthz(browser: Browser) -> None:
        browser.call("GET /healthz", "GET", "/healthz", expect=200)

    counter = iter(range(10**9))

    def lesson(browser: Browser) -> None:
        lesson_key = LESSON_KEYS[next(counter) % len(LESSON_KEYS)]
        browser.call("GET lesson page", "GET", f"/learn/{COURSE_SLUG}/lessons/{lesson_key}",
                     expect=200)

    for name, request in (("healthz (before)", healthz), ("lesson page", lesson),
                          ("healthz (after)", healthz)):
        with Phase(server) as phase:
            rate, recorder = closed_loop(server, browsers, name, request)
        rates[name] = rate
        times = recorder.by_endpoint()
        (values,) = times.values()
        lines.append(f"  {name:<18} {rate:7.1f} req/s  p50 {percentile(values, .5) * 1000:5.0f} ms"
                     f"  p95 {percentile(values, .95) * 1000:5.0f} ms  errors {len(recorder.errors())}"
                     f"  | {phase.cpu_line()}")
    trivial = (rates["healthz (before)"] + rates["healthz (after)"]) / 2

    # Submits: every official starts an attempt and fills it in (not timed), then the attempts
    # are submitted back to back by CONCURRENCY clients.
    prep = Recorder()
    for taker in takers:
        taker.browser.recorder = prep
        taker.start()
        for index in range(DRAW):
            taker.answer(index)
    assert not prep.errors(), prep.errors()[:3]
    submits = Recorder()
    chunks = [takers[index::CONCURRENCY] for index in range(CONCURRENCY)]

    def submit_all(chunk: list[ExamTaker]) -> None:
        for taker in chunk:
            taker.browser.recorder = submits
            try:
                taker.browser.call("POST submit", "POST", taker.attempt_path + "/submit",
                                   expect=302, data=taker._form_data())
            except RequestFailed:
                pass

    threads = [threading.Thread(target=submit_all, args=(chunk,)) for chunk in chunks]
    with Phase(server) as phase:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    rate = len(submits.samples) / phase.wall
    values = submits.by_endpoint()["POST submit"]
    lines.append(f"  {'submit':<18} {rate:7.1f} req/s  p50 {percentile(values, .5) * 1000:5.0f} ms"
                 f"  p95 {percentile(values, .95) * 1000:5.0f} ms  errors {len(submits.errors())}"
                 f"  ({len(values)} submits) | {phase.cpu_line()}")
    lines.append(f"  ratios to /healthz ({trivial:.1f} req/s): lesson page "
                 f"{rates['lesson page'] / trivial:.2f}x, submit {rate / trivial:.2f}x")
    locked = locked_in_log(phase.log)
    if locked or submits.errors():
        lines.append(f"  submit phase: {locked} 'database is locked' in the server log; errors: "
                     + "; ".join(sorted({sample.detail for sample in submits.errors()}))[:500])
    for taker in takers:
        taker.browser.session.close()
    return lines


def report_step(n: int, recorder: Recorder, phase: Phase) -> tuple[bool, list[str]]:
    times = recorder.by_endpoint()
    errors = recorder.errors()
    locked_log = locked_in_log(phase.log)
    locked_responses = sum(1 for sample in errors if "database is locked" in sample.detail)
    worst_endpoint, worst = max(((endpoint, percentile(values, .95))
                                 for endpoint, values in times.items()), key=lambda pair: pair[1])
    overall = percentile([sample.seconds for sample in recorder.samples], .95)
    ok = not errors and overall < P95_LIMIT
    lines = [f"N = {n}: {'PASS' if ok else 'FAIL'} — {len(recorder.samples)} requests, "
             f"{len(errors)} errors, p95 of all requests {overall * 1000:.0f} ms; slowest endpoint "
             f"{worst_endpoint} p95 {worst * 1000:.0f} ms"
             f" ({'every endpoint' if worst < P95_LIMIT else 'not every endpoint'} under 500 ms); "
             f"{recorder.submitted} submitted, {recorder.passed} passed",
             f"  mean {len(recorder.samples) / phase.wall:.1f} req/s, peak {recorder.peak_rate()} "
             f"req in one second; {phase.cpu_line()}",
             f"  'database is locked': {locked_log} in the server log, {locked_responses} in "
             f"responses; 5xx: {sum(1 for s in errors if s.detail.startswith('HTTP 5'))}"]
    for endpoint, values in sorted(times.items()):
        lines.append(f"  {endpoint:<16} {len(values):6d}  p50 {percentile(values, .5) * 1000:6.0f} ms"
                     f"  p95 {percentile(values, .95) * 1000:6.0f} ms  max {max(values) * 1000:6.0f} ms")
    lines.append(f"  timeline (per {TIMELINE_BUCKET:g} s: requests started, p95, errors, CPU share "
                 "of the server incl. PostgreSQL / of the load generator):")
    for index, (second, count, p95, failed) in enumerate(recorder.timeline(TIMELINE_BUCKET)):
        server_share, generator_share = phase.cpu_share(index)
        lines.append(f"    {second:4d} s  {count:5d} req  p95 {p95 * 1000:6.0f} ms  errors {failed:3d}"
                     f"  CPU {server_share:4.0%} / {generator_share:4.0%}")
    if errors:
        kinds: dict[str, int] = {}
        for sample in errors:
            label = f"{sample.endpoint}: {sample.detail[:120]}"
            kinds[label] = kinds.get(label, 0) + 1
        lines += [f"  error x{count}: {label}" for label, count in sorted(kinds.items())][:10]
    if "Traceback" in phase.log:
        tail = phase.log[phase.log.index("Traceback"):][:1500]
        lines.append("  first traceback in the server log:\n" + tail)
    return ok, worst < P95_LIMIT and ok, lines


@pytest.mark.parametrize("database", DATABASES)
def test_exam_day_load(database: str, tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'exam-day.sqlite3'}" if database == "sqlite" \
        else POSTGRES_URL
    unit_id = prepare_database(database_url, tmp_path)
    key = answer_key()
    server = Server(database_url, tmp_path, WORKERS, THREADS)
    try:
        server.start()
    except BaseException:
        server.stop()  # a server that never answered must not outlive the run
        raise
    report = [f"== {database}: gunicorn gthread, {WORKERS} workers x {THREADS} threads; "
              f"answering {ANSWER_MINUTES:g} min compressed {COMPRESSION:g}x to "
              f"{ANSWER_MINUTES * 60 / COMPRESSION:.0f} s; start and submit windows 60 s each"]
    try:
        report += measure_throughput(server, database_url, tmp_path, unit_id, key)
        print("\n".join(report), flush=True)
        largest = largest_every_endpoint = 0
        for number, n in enumerate(STEPS):
            logins = create_officials(database_url, tmp_path, unit_id, f"s{number}-", n)
            with Phase(server) as phase:
                recorder = run_exam(server, logins, key, seed=n)
            ok, every_endpoint_ok, lines = report_step(n, recorder, phase)
            print("\n".join(lines), flush=True)
            report += lines
            if not ok:
                break
            largest = n
            if every_endpoint_ok and largest_every_endpoint == (STEPS[number - 1] if number else 0):
                largest_every_endpoint = n  # only while no smaller N missed it
        summary = (f"== {database}: largest N with zero errors and p95 < 500 ms: {largest or 'none'}"
                   f" (over all requests); {largest_every_endpoint or 'none'} (every endpoint)")
        report.append(summary)
        print(summary, flush=True)
    finally:
        server.stop()
    report_dir = Path(os.environ.get("LMS_BENCH_REPORT_DIR", "/tmp"))
    report_dir.mkdir(parents=True, exist_ok=True)
    (report_dir / f"exam-day-{database}.txt").write_text(
        "\n".join(report) + "\n", encoding="utf-8")
