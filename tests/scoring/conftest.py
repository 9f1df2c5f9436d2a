"""A small province with known results, for the scoring tests."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from lms.accounts.models import Official, Role, StaffCategory
from lms.extensions import db
from lms.learning.models import Course, CourseCompletion, CourseVersion
from lms.org.models import UnitKind
from lms.quiz.models import AttemptStatus, QuizAttempt
from lms.scoring.operations import activate_policy

POLICY = """
name: {vi: Chính sách thử, en: Test policy}
year: 2026
quarters: true
points: {on_time: 90, late: 60, missing: 0, best_score_bonus: 10}
new_officials: {grace_days: 30}
bands:
  - {code: excellent, min: 90, label: {vi: Xuất sắc, en: Excellent}}
  - {code: good, min: 70, label: {vi: Tốt, en: Good}}
  - {code: fair, min: 50, label: {vi: Đạt, en: Fair}}
  - {code: below, min: 0, label: {vi: Chưa đạt, en: Below}}
standard: {min_indicator: 70, require_all_mandatory: true}
units: {rank_by: share_meeting_standard}
mandatory:
  - course: sample
    deadline: 2026-06-30
    staff_categories: [can_bo, cong_chuc]
"""
END_OF_YEAR = datetime(2026, 12, 31, 12, tzinfo=UTC)


def at(month: int, day: int, hour: int = 3) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


@pytest.fixture
def world(app, sample_course, make_unit, make_official):
    province = make_unit("Tỉnh", code="P")
    commune_a = make_unit("Xã A", parent=province, kind=UnitKind.COMMUNE, code="XA")
    school_a = make_unit("Trường A", parent=commune_a, kind=UnitKind.SCHOOL, code="XA-T")
    commune_b = make_unit("Xã B", parent=province, kind=UnitKind.COMMUNE, code="XB")
    people = {
        "on_time": make_official("a1", unit=commune_a, full_name="Lê Đúng Hạn"),
        "late": make_official("a2", unit=commune_a, full_name="Lê Trễ Hạn"),
        "missing": make_official("a3", unit=school_a, full_name="Lê Chưa Học",
                                 staff_category=StaffCategory.CAN_BO),
        "teacher": make_official("a4", unit=school_a, full_name="Lê Giáo Viên",
                                 staff_category=StaffCategory.VIEN_CHUC),
        "b_on_time": make_official("b1", unit=commune_b, full_name="Trần Đúng Hạn"),
        "hr": make_official("hr", unit=province, roles=[(Role.HR, province)], full_name="Hồ Nhân Sự"),
    }
    with app.app_context():
        # Everyone joined and the course was published at the start of the year.
        db.session.execute(update(Course).values(created_at=at(1, 1)))
        db.session.execute(update(Official).values(created_at=at(1, 2)))
        activate_policy(POLICY)
        db.session.commit()
    complete(app, people["on_time"], at(5, 1), [60.0, 80.0])
    complete(app, people["late"], at(8, 1), [80.0])
    complete(app, people["b_on_time"], at(6, 30, 16), [100.0])  # 23:00 on 30 June in Hà Nội
    people.update(province=province, commune_a=commune_a, commune_b=commune_b, school_a=school_a)
    return people


def complete(app, official, when: datetime, percents: list[float], course_slug: str = "sample") -> None:
    """Submitted attempts with these scores, the last one passing at ``when``."""
    with app.app_context():
        course = db.session.execute(select(Course).where(Course.slug == course_slug)).scalar_one()
        version = db.session.execute(select(CourseVersion).where(
            CourseVersion.course_id == course.id)).scalar_one()
        attempts = []
        for number, percent in enumerate(percents, start=1):
            attempt = QuizAttempt(official_id=official.id, course_id=course.id,
                                  course_version_id=version.id, number=number,
                                  status=AttemptStatus.SUBMITTED, started_at=when, submitted_at=when,
                                  points=percent / 20, max_points=5.0, percent=percent,
                                  passed=percent >= 60)
            db.session.add(attempt)
            attempts.append(attempt)
        db.session.flush()
        db.session.add(CourseCompletion(official_id=official.id, course_id=course.id,
                                        course_version_id=version.id, attempt_id=attempts[-1].id,
                                        completed_at=when, percent=percents[-1],
                                        best_percent=max(percents)))
        db.session.commit()


