"""``lms seed-large``: a big synthetic province for benchmarks, consistent with the schema's rules."""

from __future__ import annotations

import threading
from collections import defaultdict

import pytest
from sqlalchemy import func, select

import lms.seeding
from lms.accounts.models import Official
from lms.accounts.operations import authenticate
from lms.content.sync import sync_courses
from lms.extensions import db
from lms.learning.models import CourseCompletion, CourseVersion, Lesson, LessonProgress
from lms.org.models import OrgUnit, OrgUnitClosure, UnitKind
from lms.quiz.grading import percent
from lms.quiz.models import AttemptStatus, QuizAttempt
from lms.seeding import SEED_PASSWORD, seed_large, seed_large_command
from lms.text import fold_for_search, vietnamese_sort_key
from tests.conftest import FIXTURE_COURSES, _empty_all_tables

ARGS = ["--officials", "600", "--seed", "7"]


def _seed(runner, args=ARGS):
    return runner.invoke(seed_large_command, args)


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_seed_large_builds_a_consistent_province(app, runner, sample_course):
    result = _seed(runner)
    assert result.exit_code == 0, result.output
    assert "Officials: 600" in result.output

    with app.app_context():
        units = list(db.session.execute(select(OrgUnit)).scalars())
        assert units and all(unit.code.startswith("BENCH") for unit in units)
        province = next(unit for unit in units if unit.parent_id is None)
        assert province.kind is UnitKind.PROVINCE and province.code == "BENCH"
        kinds = defaultdict(int)
        for unit in units:
            kinds[unit.kind] += 1
        assert kinds[UnitKind.COMMUNE] + kinds[UnitKind.WARD] + kinds[UnitKind.SPECIAL_ZONE] >= 4
        assert kinds[UnitKind.SCHOOL] >= 1
        assert sum(kinds.values()) == len(units)

        # The closure table holds exactly the ancestor chain of every unit.
        by_id = {unit.id: unit for unit in units}
        expected = set()
        for unit in units:
            ancestor, depth = unit, 0
            while ancestor is not None:
                expected.add((ancestor.id, unit.id, depth))
                ancestor, depth = by_id.get(ancestor.parent_id), depth + 1
        closure = {tuple(row) for row in db.session.execute(
            select(OrgUnitClosure.ancestor_id, OrgUnitClosure.descendant_id, OrgUnitClosure.depth))}
        assert closure == expected

        officials = list(db.session.execute(select(Official)).scalars())
        assert len(officials) == 600
        assert len({official.login for official in officials}) == 600
        under_province = db.session.execute(
            select(func.count()).select_from(Official)
            .join(OrgUnitClosure, OrgUnitClosure.descendant_id == Official.unit_id)
            .where(OrgUnitClosure.ancestor_id == province.id)
        ).scalar_one()
        assert under_province == 600
        categories = {official.staff_category.value for official in officials}
        assert {"cong_chuc", "vien_chuc", "nguoi_lao_dong"} <= categories
        hashes = {official.password_hash for official in officials}
        assert len(hashes) == 1
        for official in officials[:50]:
            assert official.name_search == fold_for_search(official.full_name)
            assert official.name_sort == vietnamese_sort_key(official.full_name)
            assert official.must_change_password
            assert official.created_at.tzinfo is not None
        assert len({official.session_token for official in officials}) == 600

        version = db.session.execute(
            select(CourseVersion).where(CourseVersion.is_current.is_(True))
        ).scalar_one()
        assert version.max_attempts == 3

        attempts = list(db.session.execute(select(QuizAttempt)).scalars())
        assert attempts
        per_official = defaultdict(list)
        for attempt in attempts:
            assert attempt.status is AttemptStatus.SUBMITTED
            assert attempt.course_version_id == version.id
            assert attempt.passed == (attempt.percent >= version.pass_mark)
            assert attempt.max_points == version.draw_count
            assert attempt.percent == percent(attempt.points, attempt.max_points)
            assert attempt.started_at < attempt.submitted_at <= attempt.deadline_at
            assert attempt.started_at.year == 2026
            assert (attempt.started_at.month, attempt.started_at.day) >= (1, 15)
            assert (attempt.submitted_at.month, attempt.submitted_at.day) <= (12, 10)
            per_official[attempt.official_id].append(attempt)
        assert len({attempt.public_id for attempt in attempts}) == len(attempts)
        for own in per_official.values():
            own.sort(key=lambda attempt: attempt.number)
            assert [attempt.number for attempt in own] == list(range(1, len(own) + 1))
            assert len(own) <= version.max_attempts
            assert all(a.submitted_at < b.started_at for a, b in zip(own, own[1:], strict=False))
        # A realistic mix: some never start, some need several tries, some pass.
        assert 0 < len(per_official) < 600
        assert any(len(own) > 1 for own in per_official.values())
        assert any(attempt.passed for attempt in attempts)
        assert any(not attempt.passed for attempt in attempts)

        required = set(db.session.execute(
            select(Lesson.key).where(Lesson.course_version_id == version.id,
                                     Lesson.required.is_(True))).scalars())
        progress = defaultdict(dict)
        for row in db.session.execute(select(LessonProgress)).scalars():
            progress[row.official_id][row.lesson_key] = row.completed_at
        completions = list(db.session.execute(select(CourseCompletion)).scalars())
        assert completions
        completed = set()
        for completion in completions:
            own = per_official[completion.official_id]
            first_pass = next(attempt for attempt in own if attempt.passed)
            assert completion.attempt_id == first_pass.id
            assert completion.course_version_id == version.id
            assert completion.completed_at == first_pass.submitted_at
            assert completion.percent == first_pass.percent
            assert completion.best_percent == max(attempt.percent for attempt in own)
            done = progress[completion.official_id]
            assert required <= set(done)
            assert all(done[key] < first_pass.started_at for key in required)
            completed.add(completion.official_id)
        # Everyone who passed has completed (the lessons were done first), nobody else has.
        passed = {attempt.official_id for attempt in attempts if attempt.passed}
        assert completed == passed
        # The sample course requires its lessons before the quiz.
        for official_id, own in per_official.items():
            assert all(progress[official_id][key] < own[0].started_at for key in required)


def test_seeded_officials_can_sign_in(app, runner, sample_course):
    assert _seed(runner, ["--officials", "50", "--seed", "3"]).exit_code == 0
    with app.app_context():
        login = db.session.execute(
            select(Official.login).where(Official.active.is_(True)).order_by(Official.id).limit(1)
        ).scalar_one()
        assert login.startswith("b3-")
        official = authenticate(login, SEED_PASSWORD)
        assert official is not None and official.must_change_password


def test_seed_large_refuses_a_second_run(app, runner, sample_course):
    assert _seed(runner).exit_code == 0
    result = _seed(runner, ["--officials", "10", "--seed", "8"])
    assert result.exit_code != 0
    assert "BENCH" in result.output
    with app.app_context():
        assert _count(Official) == 600


def test_seed_large_refuses_without_courses(app, runner):
    result = _seed(runner)
    assert result.exit_code != 0
    assert "lms init" in result.output
    with app.app_context():
        assert _count(OrgUnit) == 0
        assert _count(Official) == 0


def _fingerprint() -> dict[str, object]:
    login_of = dict(db.session.execute(select(Official.id, Official.login)).all())
    code_of = dict(db.session.execute(select(OrgUnit.id, OrgUnit.code)).all())
    return {
        "units": sorted(tuple(row) for row in db.session.execute(
            select(OrgUnit.code, OrgUnit.name_vi))),
        "officials": sorted(
            (login, name, code_of[unit_id], category.value, title)
            for login, name, unit_id, category, title in db.session.execute(
                select(Official.login, Official.full_name, Official.unit_id,
                       Official.staff_category, Official.position_title)).all()),
        "attempts": sorted(
            (login_of[official_id], number, percent, submitted_at)
            for official_id, number, percent, submitted_at in db.session.execute(
                select(QuizAttempt.official_id, QuizAttempt.number, QuizAttempt.percent,
                       QuizAttempt.submitted_at)).all()),
        "completions": _count(CourseCompletion),
        "progress": _count(LessonProgress),
    }


def _start_afresh() -> None:
    db.session.remove()
    _empty_all_tables()
    sync_courses(FIXTURE_COURSES)


def test_same_seed_gives_the_same_province(app, runner, sample_course):
    with app.app_context():
        seed_large(300, 11, pipelined=True)  # generated in a worker thread
        first = _fingerprint()
        _start_afresh()
        # Plain INSERTs (PostgreSQL uses COPY by default), other chunks and no worker thread:
        # the same rows.
        summary = seed_large(300, 11, use_copy=False, chunk_rows=700, pipelined=False)
        assert summary.officials == 300
        assert summary.attempts == len(first["attempts"])
        assert summary.completions == first["completions"]
        assert _fingerprint() == first
        _start_afresh()
    assert _seed(runner, ["--officials", "300", "--seed", "12"]).exit_code == 0
    with app.app_context():
        assert _fingerprint() != first


def test_seeded_ids_leave_the_sequences_usable(app, runner, sample_course, make_official):
    """Rows created the ordinary way after seeding get fresh ids (PostgreSQL sequences)."""
    assert _seed(runner, ["--officials", "40", "--seed", "5"]).exit_code == 0
    official = make_official("after.seed")
    with app.app_context():
        assert official.id == db.session.execute(select(func.max(Official.id))).scalar_one()
        assert _count(Official) == 41


def test_a_failure_while_generating_reaches_the_caller(app, sample_course, monkeypatch):
    def broken(self, *args, **kwargs):
        raise RuntimeError("generator broke")

    monkeypatch.setattr(lms.seeding._Seeder, "_learn", broken)
    with app.app_context():
        with pytest.raises(RuntimeError, match="generator broke"):
            seed_large(20, 9, pipelined=True)
        assert _count(Official) == 0


def test_a_failure_while_writing_stops_the_generator(app, sample_course, monkeypatch):
    original = lms.seeding._DatabaseWriter.write
    calls = []

    def write_then_break(self, batch):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("database broke")
        original(self, batch)

    monkeypatch.setattr(lms.seeding._DatabaseWriter, "write", write_then_break)
    with app.app_context():
        with pytest.raises(RuntimeError, match="database broke"):
            seed_large(500, 9, chunk_rows=50, pipelined=True)
    assert not any(thread.name == "seed-large-generator" for thread in threading.enumerate())
