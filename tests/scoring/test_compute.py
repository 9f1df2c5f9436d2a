"""Every scoring rule and edge case, on controlled data (SQLite and PostgreSQL alike)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update

from lms.accounts.models import Official
from lms.extensions import db
from lms.learning.models import Course, CourseVersion
from lms.learning.operations import record_completion_if_earned
from lms.org.queries import subtree_ids
from lms.quiz.models import AttemptStatus, QuizAttempt
from lms.scoring.operations import activate_policy, live_run
from tests.scoring.conftest import END_OF_YEAR, POLICY, at, complete


def scores(app, period: str = "Y", now: datetime = END_OF_YEAR, scope_unit=None) -> dict:
    with app.app_context():
        run = live_run(2026, period, now=now)
        scope = subtree_ids(scope_unit.id) if scope_unit else None
        rows = db.session.execute(run.official_rows(scope=scope)).mappings().all()
        logins = dict(db.session.execute(select(Official.id, Official.login)).all())
        return {logins[row["official_id"]]: dict(row) for row in rows}


def test_status_points_band_and_standard(app, world):
    result = scores(app)
    on_time, late, missing = result["a1"], result["a2"], result["a3"]
    # on time: 90 + 10 × best 80% = 98
    assert (on_time["indicator"], on_time["band"], on_time["meets_standard"]) == (98.0, "excellent", True)
    # late: 60 + 10 × 80% = 68, below the standard's 70
    assert (late["indicator"], late["band"], late["meets_standard"]) == (68.0, "fair", False)
    assert (missing["indicator"], missing["band"], missing["missing"]) == (0.0, "below", 1)
    # 23:00 on the deadline day in Vietnam is still on time.
    assert result["b1"]["indicator"] == 100.0 and result["b1"]["on_time"] == 1


def test_officials_with_no_mandatory_course_are_left_out(app, world):
    result = scores(app)
    assert "a4" not in result  # public employees are not named by the rule
    assert set(result) == {"a1", "a2", "a3", "b1", "hr"}


def test_official_who_joined_late_gets_the_grace_period(app, world, make_official):
    newcomer = make_official("new", unit=world["commune_a"])
    with app.app_context():
        db.session.execute(update(Official).where(Official.id == newcomer.id)
                           .values(created_at=at(6, 15)))
        db.session.commit()
    # Joined on 15 June, 15 days before the 30 June deadline: due 30 days after joining.
    complete(app, newcomer, at(7, 10), [100.0])
    assert scores(app)["new"]["on_time"] == 1
    with app.app_context():
        run = live_run(2026, now=END_OF_YEAR)
        rows = db.session.execute(run.course_rows(official_id=newcomer.id)).mappings().all()
    assert rows[0]["deadline_at"].date().isoformat() == "2026-07-15"
    # Someone who joined in time keeps the policy's deadline: 10 July is late for them.
    assert scores(app)["a2"]["late"] == 1


def test_a_late_joiner_past_the_grace_period_is_late(app, world, make_official):
    newcomer = make_official("new", unit=world["commune_a"])
    with app.app_context():
        db.session.execute(update(Official).where(Official.id == newcomer.id)
                           .values(created_at=at(6, 15)))
        db.session.commit()
    complete(app, newcomer, at(8, 20), [100.0])
    assert scores(app)["new"]["late"] == 1


def test_course_published_late_moves_its_deadline(app, world):
    with app.app_context():
        db.session.execute(update(Course).values(created_at=at(7, 10)))
        db.session.commit()
    # Published after its deadline: everyone gets 30 days from publication (to 9 August),
    # so the completion of 1 August is on time.
    result = scores(app)
    assert result["a2"]["on_time"] == 1 and result["a2"]["indicator"] == 98.0


def test_official_who_changed_unit_counts_for_the_new_unit(app, world):
    with app.app_context():
        db.session.execute(update(Official).where(Official.login == "a1")
                           .values(unit_id=world["commune_b"].id))
        db.session.commit()
    in_b = scores(app, scope_unit=world["commune_b"])
    assert set(in_b) == {"a1", "b1"} and in_b["a1"]["indicator"] == 98.0


def test_live_preview_before_the_deadline_shows_pending(app, world):
    result = scores(app, now=at(5, 15))
    assert result["a1"]["on_time"] == 1
    assert result["a2"]["missing"] == 1  # not done yet, deadline ahead: pending counts as not done
    with app.app_context():
        run = live_run(2026, now=at(5, 15))
        statuses = {row.status for row in db.session.execute(run.course_rows())}
    assert statuses == {"on_time", "pending"}


def test_quarters_count_only_courses_due_by_the_quarter_end(app, world):
    assert scores(app, "Q1") == {}  # nothing due before 30 June
    q2 = scores(app, "Q2")
    assert q2["a1"]["indicator"] == 98.0
    assert q2["a2"]["missing"] == 1  # completed in August: not done as of the end of Q2
    assert q2["b1"]["on_time"] == 1


def test_best_score_counts_only_attempts_before_the_period_end(app, world):
    complete_again = datetime(2026, 10, 1, tzinfo=UTC)
    with app.app_context():
        course_id = db.session.execute(select(Course.id)).scalar_one()
        version_id = db.session.execute(select(CourseVersion.id)).scalar_one()
        db.session.add(QuizAttempt(official_id=world["on_time"].id, course_id=course_id,
                                   course_version_id=version_id, number=3,
                                   status=AttemptStatus.SUBMITTED, started_at=complete_again,
                                   submitted_at=complete_again, points=5, max_points=5,
                                   percent=100.0, passed=True))
        db.session.flush()
        # As a submission does: the completion keeps the best score up to date.
        record_completion_if_earned(world["on_time"].id, db.session.get(Course, course_id))
        db.session.commit()
    assert scores(app, "Q2")["a1"]["indicator"] == 98.0   # best 80% by 30 June
    assert scores(app)["a1"]["indicator"] == 100.0        # best 100% by year end


def test_units_aggregate_their_subtree_and_rank_among_siblings(app, world):
    with app.app_context():
        run = live_run(2026, now=END_OF_YEAR)
        rows = {row["unit_code"]: dict(row) for row in db.session.execute(
            run.unit_rows(subtree_ids(world["province"].id))).mappings()}
    a, b, province = rows["XA"], rows["XB"], rows["P"]
    assert (a["headcount"], a["meeting"], a["share_meeting"]) == (3, 1, 33.33)  # school included
    assert (b["headcount"], b["meeting"], b["share_meeting"]) == (1, 1, 100.0)
    assert (b["rank"], a["rank"]) == (1, 2)  # siblings ranked by the share meeting the standard
    assert province["headcount"] == 5
    assert a["mean_indicator"] == round((98 + 68 + 0) / 3, 2)
    assert a["on_time_share"] == 33.33


def test_policy_rules_narrowed_by_unit_kind(app, world):
    with app.app_context():
        activate_policy(POLICY.replace("staff_categories: [can_bo, cong_chuc]",
                                       "staff_categories: [can_bo, cong_chuc]\n"
                                       "    unit_kinds: [school]"))
        db.session.commit()
    assert set(scores(app)) == {"a3"}  # only the school's cadre is asked
