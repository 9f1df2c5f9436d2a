"""An official's personal data: everything held about them (right of access), and erasing
the identifying part once they have left (anonymisation).

Anonymisation keeps the official's row, unit, staff category and every learning result, so
unit statistics and frozen score figures stay exactly as they were; what identifies the person
(name, login, employee code, email, position, password, language, sign-in times) is replaced or
cleared, here, in the identity columns of frozen score snapshots and on certificates (whose
signed PDFs, which print the name, are deleted). The audit log keeps its
records of what was done and by whom (a legal trail, kept separately from learning data).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from lms.accounts.models import Official, RoleGrant, new_session_token
from lms.audit.models import AuditEvent
from lms.audit.operations import record_event
from lms.certificates.models import Certificate
from lms.certificates.operations import anonymise_holder
from lms.db import utcnow
from lms.extensions import db
from lms.learning.models import Course, CourseCompletion, LessonProgress
from lms.quiz.models import AttemptItem, QuestionVersion, QuizAttempt
from lms.scoring.models import ScoreSnapshot, SnapshotCourse, SnapshotOfficial

FORMAT_VERSION = 1


class PrivacyError(ValueError):
    pass


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def personal_data(official: Official) -> dict[str, Any]:
    """Everything the platform holds about one official, as plain JSON-ready data."""
    slugs = dict(db.session.execute(select(Course.id, Course.slug)).all())
    attempts = []
    for attempt in db.session.execute(
        select(QuizAttempt).where(QuizAttempt.official_id == official.id)
        .order_by(QuizAttempt.started_at, QuizAttempt.id)
    ).scalars():
        items = db.session.execute(
            select(AttemptItem, QuestionVersion.content)
            .join(QuestionVersion, QuestionVersion.id == AttemptItem.question_version_id)
            .where(AttemptItem.attempt_id == attempt.id).order_by(AttemptItem.position)
        ).all()
        attempts.append({
            "course": slugs.get(attempt.course_id), "number": attempt.number,
            "status": attempt.status.value, "started_at": _when(attempt.started_at),
            "submitted_at": _when(attempt.submitted_at), "percent": attempt.percent,
            "passed": attempt.passed, "late": attempt.late,
            "answers": [{"position": item.position,
                         "question": (content.get("text") or {}),
                         "response": item.response, "points": item.points,
                         "max_points": item.max_points, "saved_at": _when(item.saved_at)}
                        for item, content in items],
        })
    snapshots = []
    for snapshot, row in db.session.execute(
        select(ScoreSnapshot, SnapshotOfficial)
        .join(SnapshotOfficial, SnapshotOfficial.snapshot_id == ScoreSnapshot.id)
        .where(SnapshotOfficial.official_id == official.id).order_by(ScoreSnapshot.frozen_at)
    ):
        courses = db.session.execute(
            select(SnapshotCourse).where(SnapshotCourse.snapshot_id == snapshot.id,
                                         SnapshotCourse.official_id == official.id)
        ).scalars()
        snapshots.append({
            "year": snapshot.year, "period": snapshot.period,
            "frozen_at": _when(snapshot.frozen_at), "policy_hash": snapshot.policy_hash,
            "indicator": row.indicator, "band": row.band, "meets_standard": row.meets_standard,
            "courses": [{"course": course.course_slug, "status": course.status,
                         "best_percent": course.best_percent,
                         "completed_at": _when(course.completed_at)} for course in courses],
        })
    return {
        "format": "lms-personal-data", "version": FORMAT_VERSION,
        "generated_at": _when(utcnow()),
        "official": {
            "id": official.id, "login": official.login, "employee_code": official.employee_code,
            "full_name": official.full_name, "email": official.email,
            "unit": {"code": official.unit.code, "name_vi": official.unit.name_vi,
                     "name_en": official.unit.name_en},
            "staff_category": official.staff_category.value,
            "position_title": official.position_title,
            "preferred_locale": official.preferred_locale, "active": official.active,
            "must_change_password": official.must_change_password,
            "password_changed_at": _when(official.password_changed_at),
            "last_login_at": _when(official.last_login_at),
            "created_at": _when(official.created_at),
            "anonymised_at": _when(official.anonymised_at),
        },
        "roles": [{"role": grant.role.value, "unit": grant.unit.code,
                   "granted_at": _when(grant.granted_at)}
                  for grant in db.session.execute(
                      select(RoleGrant).where(RoleGrant.official_id == official.id)
                      .order_by(RoleGrant.id)).scalars()],
        "lessons_completed": [{"course": slugs.get(progress.course_id),
                               "lesson": progress.lesson_key,
                               "completed_at": _when(progress.completed_at)}
                              for progress in db.session.execute(
                                  select(LessonProgress)
                                  .where(LessonProgress.official_id == official.id)
                                  .order_by(LessonProgress.completed_at)).scalars()],
        "courses_completed": [{"course": slugs.get(completion.course_id),
                               "completed_at": _when(completion.completed_at),
                               "percent": completion.percent,
                               "best_percent": completion.best_percent}
                              for completion in db.session.execute(
                                  select(CourseCompletion)
                                  .where(CourseCompletion.official_id == official.id)
                                  .order_by(CourseCompletion.completed_at)).scalars()],
        "certificates": [{"serial": certificate.serial, "course": slugs.get(certificate.course_id),
                          "holder_name": certificate.holder_name,
                          "unit_name": certificate.unit_name,
                          "completed_at": _when(certificate.completed_at),
                          "percent": certificate.percent,
                          "issued_at": _when(certificate.issued_at),
                          "revoked_at": _when(certificate.revoked_at)}
                         for certificate in db.session.execute(
                             select(Certificate).where(Certificate.official_id == official.id)
                             .order_by(Certificate.issued_at, Certificate.id)).scalars()],
        "quiz_attempts": attempts,
        "frozen_scores": snapshots,
        "audit_events": [{"at": _when(event.at), "action": event.action,
                          "by_self": event.actor_id == official.id}
                         for event in db.session.execute(
                             select(AuditEvent)
                             .where((AuditEvent.actor_id == official.id)
                                    | ((AuditEvent.target_type == "official")
                                       & (AuditEvent.target_id == official.id)))
                             .order_by(AuditEvent.at, AuditEvent.id)).scalars()],
    }


def anonymous_name(official_id: int) -> str:
    return f"#{official_id:06d}"


def anonymise(official: Official) -> None:
    """Erase what identifies a departed official; their results stay counted. Caller commits."""
    if official.anonymised_at is not None:
        raise PrivacyError("already anonymised")
    if official.active:
        raise PrivacyError("active")
    placeholder = anonymous_name(official.id)
    official.full_name = placeholder
    official.login = f"anon-{official.id}"
    official.employee_code = None
    official.email = None
    official.position_title = None
    official.preferred_locale = None
    official.password_hash = None
    official.must_change_password = True
    official.password_changed_at = None
    official.last_login_at = None
    official.session_token = new_session_token()
    official.anonymised_at = utcnow()
    db.session.execute(
        update(SnapshotOfficial).where(SnapshotOfficial.official_id == official.id)
        .values(login=official.login, full_name=placeholder, name_sort=official.name_sort,
                position_title=None)
    )
    anonymise_holder(official.id, placeholder)
    for grant in list(official.grants):
        db.session.delete(grant)
    record_event("official.anonymise", target_type="official", target_id=official.id,
                 unit_id=official.unit_id)
