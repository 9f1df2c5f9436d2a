"""A fictional demo province for trying the LMS out (``lms demo``).

Everything here is invented: the province "Tỉnh Sơn Hà", its departments, communes, ward,
special zone and schools, and every person's name. Any likeness to real places or people
is a coincidence. Names are drawn from lists of common Vietnamese names with a fixed seed,
so every run produces the same people with the same logins.

:func:`load_demo_data` is idempotent: it looks every unit up by code and every official up
by login before creating it, so a second run changes nothing. It does not commit.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.accounts.models import Official, Role, StaffCategory
from lms.accounts.operations import create_official, find_by_login, grant_role
from lms.classroom.models import Audience, ClassSession, Pacing
from lms.classroom.operations import (
    ParticipantLearner,
    close_session,
    create_session,
    join_session,
    mark_lesson_read,
)
from lms.classroom.queries import session_lessons
from lms.extensions import db
from lms.learning.models import Course, CourseCompletion, CourseVersion, LessonProgress
from lms.learning.queries import current_version
from lms.org.models import OrgUnit, UnitKind
from lms.org.operations import create_unit
from lms.quiz.models import AttemptStatus, QuizAttempt
from lms.quiz.operations import start_attempt, submit_attempt

#: Password of every demo role account below (the generated staff get one-time passwords).
DEMO_PASSWORD = "SonHa-demo-2026!"
DEMO_MAIL_DOMAIN = "sonha.example"

_SEED = 2026

CAN_BO = StaffCategory.CAN_BO
CONG_CHUC = StaffCategory.CONG_CHUC
VIEN_CHUC = StaffCategory.VIEN_CHUC
NGUOI_LAO_DONG = StaffCategory.NGUOI_LAO_DONG


# --- The unit tree ----------------------------------------------------------------------

@dataclass(frozen=True)
class DemoUnit:
    code: str
    name_vi: str
    name_en: str
    kind: UnitKind
    parent: str | None  # code of the parent unit, which comes earlier in UNITS


PROVINCE_CODE = "DEMO"

#: Parents before children.
UNITS: tuple[DemoUnit, ...] = (
    DemoUnit("DEMO", "Tỉnh Sơn Hà (demo)", "Son Ha Province (demo)", UnitKind.PROVINCE, None),
    # Departments
    DemoUnit("DEMO-SNV", "Sở Nội vụ", "Department of Home Affairs",
             UnitKind.DEPARTMENT, "DEMO"),
    DemoUnit("DEMO-SKHCN", "Sở Khoa học và Công nghệ", "Department of Science and Technology",
             UnitKind.DEPARTMENT, "DEMO"),
    DemoUnit("DEMO-STC", "Sở Tài chính", "Department of Finance",
             UnitKind.DEPARTMENT, "DEMO"),
    DemoUnit("DEMO-SGDDT", "Sở Giáo dục và Đào tạo", "Department of Education and Training",
             UnitKind.DEPARTMENT, "DEMO"),
    DemoUnit("DEMO-TTCDS", "Trung tâm Chuyển đổi số", "Digital Transformation Centre",
             UnitKind.PUBLIC_SERVICE_UNIT, "DEMO-SKHCN"),
    # Communes, ward, special zone
    DemoUnit("DEMO-XAP", "Xã An Phú", "An Phu Commune", UnitKind.COMMUNE, "DEMO"),
    DemoUnit("DEMO-XTL", "Xã Tân Lộc", "Tan Loc Commune", UnitKind.COMMUNE, "DEMO"),
    DemoUnit("DEMO-PHB", "Phường Hòa Bình", "Hoa Binh Ward", UnitKind.WARD, "DEMO"),
    DemoUnit("DEMO-DKHN", "Đặc khu Hòn Ngọc", "Hon Ngoc Special Zone",
             UnitKind.SPECIAL_ZONE, "DEMO"),
    # Schools
    DemoUnit("DEMO-THCSAP", "Trường THCS An Phú", "An Phu Lower Secondary School",
             UnitKind.SCHOOL, "DEMO-XAP"),
    DemoUnit("DEMO-THHB", "Trường Tiểu học Hòa Bình", "Hoa Binh Primary School",
             UnitKind.SCHOOL, "DEMO-PHB"),
)


# --- Generated staff (one-time passwords; not meant for demo sign-in) -------------------

#: (position title, staff category, how many)
Post = tuple[str, StaffCategory, int]


def _local_government(level: str) -> tuple[Post, ...]:
    """The usual posts of a commune-level People's Committee; ``level`` is "xã", "phường"..."""
    return (
        (f"Chủ tịch UBND {level}", CAN_BO, 1),
        (f"Phó Chủ tịch UBND {level}", CAN_BO, 1),
        ("Công chức Văn phòng - Thống kê", CONG_CHUC, 1),
        ("Công chức Tư pháp - Hộ tịch", CONG_CHUC, 1),
        ("Công chức Địa chính - Xây dựng", CONG_CHUC, 1),
        ("Công chức Văn hóa - Xã hội", CONG_CHUC, 1),
        ("Nhân viên hợp đồng", NGUOI_LAO_DONG, 1),
    )


#: (unit code, login prefix, posts)
STAFF: tuple[tuple[str, str, tuple[Post, ...]], ...] = (
    ("DEMO-SNV", "snv", (
        ("Giám đốc Sở", CONG_CHUC, 1),
        ("Phó Giám đốc Sở", CONG_CHUC, 1),
        ("Trưởng phòng Công chức, viên chức", CONG_CHUC, 1),
        ("Chuyên viên", CONG_CHUC, 4),
        ("Nhân viên bảo vệ", NGUOI_LAO_DONG, 1),
    )),
    ("DEMO-SKHCN", "khcn", (
        ("Giám đốc Sở", CONG_CHUC, 1),
        ("Chuyên viên chính", CONG_CHUC, 1),
        ("Chuyên viên", CONG_CHUC, 3),
        ("Nhân viên phục vụ", NGUOI_LAO_DONG, 1),
    )),
    ("DEMO-STC", "stc", (
        ("Phó Giám đốc Sở", CONG_CHUC, 1),
        ("Chuyên viên chính", CONG_CHUC, 1),
        ("Chuyên viên", CONG_CHUC, 2),
        ("Nhân viên lái xe", NGUOI_LAO_DONG, 1),
    )),
    ("DEMO-SGDDT", "gddt", (
        ("Phó Giám đốc Sở", CONG_CHUC, 1),
        ("Thanh tra viên", CONG_CHUC, 1),
        ("Chuyên viên", CONG_CHUC, 3),
    )),
    ("DEMO-TTCDS", "tcds", (
        ("Giám đốc Trung tâm", VIEN_CHUC, 1),
        ("Kỹ sư công nghệ thông tin", VIEN_CHUC, 2),
        ("Nhân viên kỹ thuật", NGUOI_LAO_DONG, 1),
    )),
    ("DEMO-XAP", "xap", _local_government("xã")),
    ("DEMO-XTL", "xtl", _local_government("xã")[:6]),
    ("DEMO-PHB", "phb", _local_government("phường")[:6]),
    ("DEMO-DKHN", "dkhn", _local_government("đặc khu")[:5]),
    ("DEMO-THCSAP", "thcsap", (
        ("Hiệu trưởng", VIEN_CHUC, 1),
        ("Phó Hiệu trưởng", VIEN_CHUC, 1),
        ("Giáo viên", VIEN_CHUC, 4),
        ("Nhân viên bảo vệ", NGUOI_LAO_DONG, 1),
    )),
    ("DEMO-THHB", "thhb", (
        ("Hiệu trưởng", VIEN_CHUC, 1),
        ("Giáo viên", VIEN_CHUC, 4),
        ("Nhân viên kế toán", VIEN_CHUC, 1),
    )),
)

FAMILY_NAMES = (
    "Nguyễn", "Nguyễn", "Nguyễn", "Trần", "Trần", "Lê", "Lê", "Phạm", "Hoàng", "Huỳnh",
    "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý",
)
MIDDLE_NAMES_MALE = ("Văn", "Đức", "Minh", "Quang", "Hữu", "Công", "Thanh", "Xuân", "Đình")
MIDDLE_NAMES_FEMALE = ("Thị", "Thị", "Ngọc", "Thu", "Thanh", "Minh", "Thùy", "Kim", "Hồng")
GIVEN_NAMES_MALE = (
    "An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khánh", "Long", "Nam", "Phong",
    "Quân", "Sơn", "Thắng", "Trung", "Tuấn", "Việt", "Hiếu", "Đạt",
)
GIVEN_NAMES_FEMALE = (
    "Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh",
    "Mai", "Nga", "Ngân", "Phương", "Thảo", "Trang", "Vân", "Yến",
)


# --- Role accounts (password DEMO_PASSWORD, no forced change) ----------------------------

@dataclass(frozen=True)
class DemoAccount:
    login: str
    full_name: str
    unit: str  # code of the unit the official works in
    staff_category: StaffCategory
    position_title: str
    description: object  # a lazy gettext string: listed by `lms demo` in its language
    role: Role | None = None  # None: a plain learner
    scope: str | None = None  # code of the unit the role is granted over
    preferred_locale: str | None = None


ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("admin", "Trần Minh Khoa", "DEMO-SNV", CONG_CHUC,
                "Chuyên viên quản trị hệ thống",
                _l("Administrator of the whole province"), Role.ADMIN, "DEMO"),
    DemoAccount("hr.tinh", "Lê Thị Thu Hằng", "DEMO-SNV", CONG_CHUC,
                "Chuyên viên Phòng Công chức, viên chức",
                _l("HR for the whole province (Department of Home Affairs)"), Role.HR, "DEMO"),
    DemoAccount("hr.anphu", "Phạm Văn Lộc", "DEMO-XAP", CONG_CHUC,
                "Công chức Văn phòng - Thống kê",
                _l("HR for An Phu Commune only (commune office)"), Role.HR, "DEMO-XAP"),
    DemoAccount("manager.khcn", "Võ Quang Huy", "DEMO-SKHCN", CONG_CHUC, "Phó Giám đốc Sở",
                _l("Unit manager of the Department of Science and Technology"),
                Role.UNIT_MANAGER, "DEMO-SKHCN"),
    DemoAccount("facilitator", "Đỗ Thị Minh Châu", "DEMO-THCSAP", VIEN_CHUC,
                "Giáo viên Tin học",
                _l("Facilitator (teacher) at An Phu Lower Secondary School"),
                Role.FACILITATOR, "DEMO-THCSAP"),
    DemoAccount("learner", "Nguyễn Văn Bảo", "DEMO-PHB", CONG_CHUC,
                "Công chức Tư pháp - Hộ tịch",
                _l("Learner: a civil servant of Hoa Binh Ward")),
    DemoAccount("learner.en", "Hoàng Thị Lan Anh", "DEMO-DKHN", CONG_CHUC,
                "Công chức Văn hóa - Xã hội",
                _l("Learner who uses the English interface (Hon Ngoc Special Zone)"),
                preferred_locale="en"),
)


# --- Loading ----------------------------------------------------------------------------

def _find_unit(code: str) -> OrgUnit | None:
    return db.session.execute(select(OrgUnit).where(OrgUnit.code == code)).scalar_one_or_none()


def _ensure_unit(spec: DemoUnit) -> OrgUnit:
    unit = _find_unit(spec.code)
    if unit is not None:
        return unit
    parent = _find_unit(spec.parent) if spec.parent else None
    return create_unit(code=spec.code, name_vi=spec.name_vi, name_en=spec.name_en,
                       kind=spec.kind, parent=parent)


def _ensure_official(
    *,
    login: str,
    full_name: str,
    unit: OrgUnit,
    staff_category: StaffCategory,
    position_title: str,
    preferred_locale: str | None = None,
    password: str | None = None,
    employee_code: str | None = None,
) -> Official:
    official = find_by_login(login)
    if official is not None:
        return official
    official, _ = create_official(
        login=login, full_name=full_name, unit=unit, staff_category=staff_category,
        # .example is reserved for examples (RFC 2606): no mail can ever reach anyone.
        email=f"{login}@{DEMO_MAIL_DOMAIN}", position_title=position_title,
        preferred_locale=preferred_locale,
        password=password, must_change_password=password is None, employee_code=employee_code,
    )
    return official


def _random_name(rng: random.Random) -> str:
    if rng.random() < 0.5:
        middle, given = MIDDLE_NAMES_MALE, GIVEN_NAMES_MALE
    else:
        middle, given = MIDDLE_NAMES_FEMALE, GIVEN_NAMES_FEMALE
    return f"{rng.choice(FAMILY_NAMES)} {rng.choice(middle)} {rng.choice(given)}"


def _staff_posts() -> Iterator[tuple[str, str, str, StaffCategory]]:
    """(unit code, login, position title, category) of every generated official, in order."""
    for unit_code, prefix, posts in STAFF:
        number = 0
        for position_title, category, count in posts:
            for _ in range(count):
                number += 1
                yield unit_code, f"{prefix}{number:03d}", position_title, category


def _load_staff(units: dict[str, OrgUnit]) -> None:
    # The generator is always drawn from in the same order, so names stay the same whether
    # or not an official exists already.
    rng = random.Random(_SEED)
    for unit_code, login, position_title, category in _staff_posts():
        # Staff come from the HR office's roster: their employee code is their login.
        _ensure_official(login=login, full_name=_random_name(rng), unit=units[unit_code],
                         staff_category=category, position_title=position_title,
                         employee_code=login.upper())


def _load_accounts(units: dict[str, OrgUnit]) -> list[tuple[str, object]]:
    listed = []
    for spec in ACCOUNTS:
        official = _ensure_official(
            login=spec.login, full_name=spec.full_name, unit=units[spec.unit],
            staff_category=spec.staff_category, position_title=spec.position_title,
            preferred_locale=spec.preferred_locale, password=DEMO_PASSWORD,
        )
        if spec.role is not None and spec.scope is not None:
            grant_role(official, spec.role, units[spec.scope])  # None when already granted
        listed.append((spec.login, spec.description))
    return listed


def load_demo_data() -> list[tuple[str, object]]:
    """Create the demo province (if missing) and return ``(login, description)`` of the
    role accounts, which all sign in with :data:`DEMO_PASSWORD`; each description is a lazy
    gettext string, read in the language current when it is printed. The caller commits."""
    units = {spec.code: _ensure_unit(spec) for spec in UNITS}
    _load_staff(units)
    return _load_accounts(units)


# --- Learning history of the generated staff (so the HR pages have something to show) -----

#: Share of the generated staff who complete each course, and of those, who finish late.
_COMPLETION_SHARE = 0.7
_LATE_SHARE = 0.25


def load_demo_activity(year: int) -> int:
    """Give the generated staff a plausible year of quiz attempts and completions.

    Runs once: nothing happens when any generated official already has an attempt. Role
    accounts keep a clean slate so that visitors can take the quizzes themselves. Attempts
    are summaries (score and outcome) without per-question answers. Returns the number of
    attempts written; the caller commits.
    """
    staff_logins = [login for _unit, login, _title, _category in _staff_posts()]
    staff = list(db.session.execute(
        select(Official).where(Official.login.in_(staff_logins)).order_by(Official.login)
    ).scalars())
    if not staff or db.session.execute(
            select(QuizAttempt.id).where(QuizAttempt.official_id.in_([o.id for o in staff]))
            .limit(1)).first():
        return 0
    versions = list(db.session.execute(
        select(CourseVersion).where(CourseVersion.is_current.is_(True))
        .order_by(CourseVersion.course_id)).scalars())
    rng = random.Random(_SEED + year)
    written = 0
    for official in staff:
        for version in versions:
            if official.staff_category.value not in version.audience or rng.random() > _COMPLETION_SHARE:
                continue
            month = rng.randint(2, 10) if rng.random() > _LATE_SHARE else rng.randint(10, 11)
            finished = datetime(year, month, rng.randint(1, 28), rng.randint(1, 9), tzinfo=UTC)
            scores = [rng.choice((40.0, 53.33, 66.67)) for _ in range(rng.randint(0, 2))]
            scores.append(rng.choice((80.0, 86.67, 93.33, 100.0)))
            attempts = []
            for number, percent in enumerate(scores, start=1):
                when = finished - timedelta(days=2 * (len(scores) - number))
                attempt = QuizAttempt(
                    official_id=official.id, course_id=version.course_id,
                    course_version_id=version.id, number=number, status=AttemptStatus.SUBMITTED,
                    started_at=when - timedelta(minutes=15), submitted_at=when,
                    max_points=float(version.draw_count), points=percent * version.draw_count / 100,
                    percent=percent, passed=percent >= version.pass_mark)
                db.session.add(attempt)
                attempts.append(attempt)
            db.session.flush()
            for lesson in version.lessons:
                db.session.add(LessonProgress(official_id=official.id, course_id=version.course_id,
                                              lesson_key=lesson.key,
                                              completed_at=finished - timedelta(days=7)))
            db.session.add(CourseCompletion(
                official_id=official.id, course_id=version.course_id, course_version_id=version.id,
                attempt_id=attempts[-1].id, completed_at=finished, percent=scores[-1],
                best_percent=max(scores)))
            written += len(attempts)
    return written


# --- School sessions (citizen digital skills) ---------------------------------------------

DEMO_SESSION_COURSE = "citizen-digital-skills"
DEMO_CLOSED_SESSION = "Dùng VNeID và dịch vụ công an toàn — phụ huynh lớp 8A"
DEMO_OPEN_SESSION = "Kỹ năng số cho học sinh lớp 9"
#: Fictional participants of the closed example session: (display name, group, share of
#: questions they answer right).
DEMO_PARTICIPANTS = (
    ("Nguyễn Thị Hằng", "8A", 1.0), ("Trần Văn Phúc", "8A", 0.8), ("Lê Thị Thu", "8A", 1.0),
    ("Phạm Văn Long", "8A", 0.4), ("Hoàng Thị Mai", "8A", 0.8), ("Vũ Đức Tài", "8A", 0.2),
)


def load_demo_sessions(now: datetime) -> int:
    """One closed example session with a few fictional parents, and one open session, both
    at An Phu Lower Secondary School, run by the ``facilitator`` account. Idempotent: nothing
    happens when they exist. Returns the number of sessions created. Commits (the quiz engine
    does, answer by answer, as in a real session)."""
    school = _find_unit("DEMO-THCSAP")
    facilitator = find_by_login("facilitator")
    course = db.session.execute(
        select(Course).where(Course.slug == DEMO_SESSION_COURSE)).scalar_one_or_none()
    if school is None or facilitator is None or course is None:
        return 0
    existing = set(db.session.execute(
        select(ClassSession.title).where(ClassSession.unit_id == school.id)).scalars())
    created = 0
    version = current_version(course)
    if DEMO_CLOSED_SESSION not in existing:
        session = create_session(
            unit=school, course=course, title=DEMO_CLOSED_SESSION, lesson_keys=None,
            starts_at=now - timedelta(days=7), place="Phòng học 8A", audience=Audience.PARENTS,
            expected_size=8, pacing=Pacing.SELF_PACED, by=facilitator)
        db.session.commit()
        for name, group, share in DEMO_PARTICIPANTS:
            participant = join_session(session, display_name=name, group_name=group,
                                       now=session.starts_at)
            db.session.flush()
            for lesson in session_lessons(session, version):
                mark_lesson_read(participant, version, lesson.key)
            db.session.commit()
            learner = ParticipantLearner(participant)
            attempt = start_attempt(learner, course)
            right = round(share * len(attempt.items))
            submit_attempt(attempt, {item.position: item.question_version.answer
                                     for item in attempt.items[:right]}, learner=learner)
        close_session(session, by=facilitator)
        db.session.commit()
        created += 1
    if DEMO_OPEN_SESSION not in existing:
        create_session(
            unit=school, course=course, title=DEMO_OPEN_SESSION, lesson_keys=None,
            starts_at=now, place="Phòng Tin học", audience=Audience.STUDENTS, expected_size=35,
            pacing=Pacing.LED, by=facilitator)
        db.session.commit()
        created += 1
    return created
