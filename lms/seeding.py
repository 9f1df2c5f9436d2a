"""A large synthetic province for benchmarks: ``lms seed-large --officials N --seed S``.

Everything is invented: the province "Tỉnh Bến Lâm (benchmark)", its departments,
communes, wards, special zones and schools, every person, and a year of quiz activity on the
courses currently loaded. Unit codes start with ``BENCH``, logins are ``b{seed}-{n:07d}``,
and every account shares the password :data:`SEED_PASSWORD` (one-time: it must be changed at
first sign-in).

Built for size, not for audit trails: rows are generated in a stream and written with
SQLAlchemy Core ``executemany`` in chunks of :data:`CHUNK_ROWS`, one commit per chunk, so
memory stays flat from a thousand officials to a million. Ids of units, officials and
attempts are assigned here (after the current maximum) so that later rows can point at
earlier ones without reading anything back; on PostgreSQL the id sequences are moved past
them after every chunk. Nothing else may write to those tables while the command runs.

The same ``--seed``, ``--officials`` and ``--year`` give the same province and the same
activity (ids shift if the tables already held rows; session tokens are always random).
Quiz attempts are written without their attempt items (the questions drawn): they carry
their points, percent and result directly, which is what reports read.
"""

from __future__ import annotations

import queue
import random
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import click
from flask.cli import with_appcontext
from sqlalchemy import Table, func, select, text
from werkzeug.security import generate_password_hash

from lms.accounts.models import Official, StaffCategory, new_session_token
from lms.extensions import db
from lms.learning.models import Course, CourseCompletion, CourseVersion, Lesson, LessonProgress
from lms.org.models import OrgUnit, OrgUnitClosure, UnitKind
from lms.quiz.models import AttemptStatus, QuizAttempt
from lms.text import fold_for_search, vietnamese_sort_key

#: Password of every seeded account (flagged must-change).
SEED_PASSWORD = "seed-password-2026"
#: A cheap hash: computed once and shared, and quick to check when benchmarks sign in.
SEED_HASH_METHOD = "pbkdf2:sha256:1000"
CODE_PREFIX = "BENCH"
#: Rows per table per INSERT ... executemany; one commit per chunk.
CHUNK_ROWS = 5000
#: Folded names kept (the common names repeat; the cache must not grow with N).
NAME_CACHE_SIZE = 50_000
#: About one commune-level unit per this many officials.
OFFICIALS_PER_COMMUNE = 300

CAN_BO = StaffCategory.CAN_BO
CONG_CHUC = StaffCategory.CONG_CHUC
VIEN_CHUC = StaffCategory.VIEN_CHUC
NGUOI_LAO_DONG = StaffCategory.NGUOI_LAO_DONG


# --- The unit tree ----------------------------------------------------------------------

PROVINCE = ("Tỉnh Bến Lâm (benchmark)", "Ben Lam Province (benchmark)")

#: (code suffix, Vietnamese name, English name, kind): the province-level bodies.
DEPARTMENTS: tuple[tuple[str, str, str, UnitKind], ...] = (
    ("VPUB", "Văn phòng UBND tỉnh", "Office of the Provincial People's Committee",
     UnitKind.DEPARTMENT),
    ("VPHDND", "Văn phòng Đoàn ĐBQH và HĐND tỉnh",
     "Office of the National Assembly Delegation and People's Council", UnitKind.DEPARTMENT),
    ("SNV", "Sở Nội vụ", "Department of Home Affairs", UnitKind.DEPARTMENT),
    ("STC", "Sở Tài chính", "Department of Finance", UnitKind.DEPARTMENT),
    ("STP", "Sở Tư pháp", "Department of Justice", UnitKind.DEPARTMENT),
    ("SCT", "Sở Công Thương", "Department of Industry and Trade", UnitKind.DEPARTMENT),
    ("SNNMT", "Sở Nông nghiệp và Môi trường", "Department of Agriculture and Environment",
     UnitKind.DEPARTMENT),
    ("SXD", "Sở Xây dựng", "Department of Construction", UnitKind.DEPARTMENT),
    ("SKHCN", "Sở Khoa học và Công nghệ", "Department of Science and Technology",
     UnitKind.DEPARTMENT),
    ("SGDDT", "Sở Giáo dục và Đào tạo", "Department of Education and Training",
     UnitKind.DEPARTMENT),
    ("SYT", "Sở Y tế", "Department of Health", UnitKind.DEPARTMENT),
    ("SVHTTDL", "Sở Văn hóa, Thể thao và Du lịch", "Department of Culture, Sports and Tourism",
     UnitKind.DEPARTMENT),
    ("SDTTG", "Sở Dân tộc và Tôn giáo", "Department of Ethnic and Religious Affairs",
     UnitKind.DEPARTMENT),
    ("SNGV", "Sở Ngoại vụ", "Department of Foreign Affairs", UnitKind.DEPARTMENT),
    ("TTRA", "Thanh tra tỉnh", "Provincial Inspectorate", UnitKind.DEPARTMENT),
    ("BQLKCN", "Ban Quản lý các khu công nghiệp", "Industrial Zones Authority",
     UnitKind.AGENCY),
    ("TTPVHCC", "Trung tâm Phục vụ hành chính công", "Public Administration Service Centre",
     UnitKind.AGENCY),
    ("BQLDA", "Ban Quản lý dự án đầu tư xây dựng", "Construction Investment Project Board",
     UnitKind.PUBLIC_SERVICE_UNIT),
    ("PTTH", "Đài Phát thanh và Truyền hình", "Radio and Television Station",
     UnitKind.PUBLIC_SERVICE_UNIT),
    ("TCT", "Trường Chính trị tỉnh", "Provincial Political School",
     UnitKind.PUBLIC_SERVICE_UNIT),
)

#: Syllables of invented place names ("An Lộc", "Tân Thịnh"...).
PLACE_FIRST = (
    "An", "Bình", "Phú", "Tân", "Hòa", "Long", "Thạnh", "Mỹ", "Vĩnh", "Đông", "Tây", "Nam",
    "Bắc", "Quảng", "Hưng", "Thuận", "Phước", "Kim", "Ngọc", "Trung", "Hải", "Sơn", "Thanh",
    "Đức", "Minh", "Xuân", "Hồng", "Lạc", "Tiên", "Vạn",
)
PLACE_SECOND = (
    "Lộc", "Phú", "Hòa", "Thịnh", "Lợi", "Điền", "Khánh", "Thành", "Hưng", "Lâm", "Giang",
    "Hải", "Sơn", "Yên", "Phong", "Bình", "Xuân", "Mỹ", "Trạch", "Đông", "Hiệp", "Quý",
)

#: (kind, Vietnamese word, English word, code letter)
LOCAL_KINDS = {
    UnitKind.COMMUNE: ("Xã", "Commune", "X", "xã"),
    UnitKind.WARD: ("Phường", "Ward", "P", "phường"),
    UnitKind.SPECIAL_ZONE: ("Đặc khu", "Special Zone", "DK", "đặc khu"),
}

#: (Vietnamese prefix, English suffix, weight)
SCHOOL_TYPES = (
    ("Trường Mầm non", "Kindergarten", 3),
    ("Trường Tiểu học", "Primary School", 4),
    ("Trường THCS", "Lower Secondary School", 3),
    ("Trường THPT", "Upper Secondary School", 1),
)

#: Relative head-count of one unit of each kind (each unit also gets a random factor).
UNIT_WEIGHTS = {
    UnitKind.PROVINCE: 0.0,
    UnitKind.DEPARTMENT: 40.0,
    UnitKind.AGENCY: 25.0,
    UnitKind.PUBLIC_SERVICE_UNIT: 25.0,
    UnitKind.COMMUNE: 12.0,
    UnitKind.WARD: 14.0,
    UnitKind.SPECIAL_ZONE: 18.0,
    UnitKind.SCHOOL: 5.0,
}


# --- People -----------------------------------------------------------------------------

FAMILY_NAMES = (
    ("Nguyễn", 30), ("Trần", 11), ("Lê", 9), ("Phạm", 7), ("Hoàng", 5), ("Huỳnh", 4),
    ("Phan", 4), ("Vũ", 4), ("Võ", 4), ("Đặng", 2), ("Bùi", 2), ("Đỗ", 2), ("Hồ", 2),
    ("Ngô", 2), ("Dương", 1), ("Lý", 1), ("Đinh", 1), ("Trương", 1), ("Lương", 1), ("Mai", 1),
    ("Tạ", 1), ("Cao", 1), ("Lâm", 1), ("Hà", 1), ("Quách", 1),
)
MIDDLE_NAMES_MALE = ("Văn", "Văn", "Đức", "Minh", "Quang", "Hữu", "Công", "Thanh", "Xuân",
                     "Đình", "Ngọc", "Tiến", "Quốc", "Trọng", "Anh")
MIDDLE_NAMES_FEMALE = ("Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Minh", "Thùy", "Kim",
                       "Hồng", "Phương", "Mỹ", "Bảo", "Diệu", "Khánh")
GIVEN_NAMES_MALE = (
    "An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khánh", "Long", "Nam", "Phong", "Quân",
    "Sơn", "Thắng", "Trung", "Tuấn", "Việt", "Hiếu", "Đạt", "Huy", "Khoa", "Lâm", "Lộc",
    "Minh", "Nghĩa", "Phúc", "Quang", "Tài", "Thành", "Toàn", "Vinh",
)
GIVEN_NAMES_FEMALE = (
    "Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh", "Mai", "Nga",
    "Ngân", "Phương", "Thảo", "Trang", "Vân", "Yến", "Hằng", "Huyền", "Loan", "My", "Nhung",
    "Oanh", "Quyên", "Tâm", "Thủy", "Trinh", "Uyên", "Xuân",
)

Post = tuple[str, StaffCategory, int]  # title, category, weight


def _local_posts(level: str) -> tuple[tuple[Post, ...], tuple[Post, ...]]:
    leaders = ((f"Chủ tịch UBND {level}", CAN_BO, 1), (f"Phó Chủ tịch UBND {level}", CAN_BO, 1))
    staff = (
        (f"Bí thư Đảng ủy {level}", CAN_BO, 2),
        ("Chủ tịch Ủy ban MTTQ", CAN_BO, 3),
        ("Chủ tịch Hội Liên hiệp Phụ nữ", CAN_BO, 3),
        ("Chủ tịch Hội Nông dân", CAN_BO, 3),
        ("Bí thư Đoàn Thanh niên", CAN_BO, 3),
        ("Công chức Văn phòng - Thống kê", CONG_CHUC, 10),
        ("Công chức Tư pháp - Hộ tịch", CONG_CHUC, 10),
        ("Công chức Địa chính - Xây dựng", CONG_CHUC, 10),
        ("Công chức Văn hóa - Xã hội", CONG_CHUC, 10),
        ("Công chức Tài chính - Kế toán", CONG_CHUC, 10),
        ("Chuyên viên", CONG_CHUC, 22),
        ("Nhân viên hợp đồng", NGUOI_LAO_DONG, 10),
    )
    return leaders, staff


_DEPARTMENT_POSTS = (
    (("Giám đốc", CONG_CHUC, 1), ("Phó Giám đốc", CONG_CHUC, 1)),
    (
        ("Trưởng phòng", CONG_CHUC, 6),
        ("Phó Trưởng phòng", CONG_CHUC, 9),
        ("Chuyên viên chính", CONG_CHUC, 15),
        ("Chuyên viên", CONG_CHUC, 48),
        ("Cán sự", CONG_CHUC, 5),
        ("Kỹ sư", VIEN_CHUC, 5),
        ("Nhân viên hợp đồng", NGUOI_LAO_DONG, 12),
    ),
)
_SERVICE_UNIT_POSTS = (
    (("Giám đốc", VIEN_CHUC, 1), ("Phó Giám đốc", VIEN_CHUC, 1)),
    (
        ("Viên chức chuyên môn", VIEN_CHUC, 55),
        ("Kỹ sư", VIEN_CHUC, 15),
        ("Kế toán viên", VIEN_CHUC, 5),
        ("Chuyên viên", CONG_CHUC, 5),
        ("Nhân viên hợp đồng", NGUOI_LAO_DONG, 20),
    ),
)
_SCHOOL_POSTS = (
    (("Hiệu trưởng", VIEN_CHUC, 1), ("Phó Hiệu trưởng", VIEN_CHUC, 1)),
    (
        ("Giáo viên", VIEN_CHUC, 80),
        ("Nhân viên kế toán", VIEN_CHUC, 3),
        ("Nhân viên thư viện", VIEN_CHUC, 3),
        ("Nhân viên y tế học đường", VIEN_CHUC, 3),
        ("Nhân viên bảo vệ", NGUOI_LAO_DONG, 6),
        ("Nhân viên phục vụ", NGUOI_LAO_DONG, 5),
    ),
)
POSTS: dict[UnitKind, tuple[tuple[Post, ...], tuple[Post, ...]]] = {
    UnitKind.PROVINCE: _DEPARTMENT_POSTS,
    UnitKind.DEPARTMENT: _DEPARTMENT_POSTS,
    UnitKind.AGENCY: _DEPARTMENT_POSTS,
    UnitKind.PUBLIC_SERVICE_UNIT: _SERVICE_UNIT_POSTS,
    UnitKind.COMMUNE: _local_posts("xã"),
    UnitKind.WARD: _local_posts("phường"),
    UnitKind.SPECIAL_ZONE: _local_posts("đặc khu"),
    UnitKind.SCHOOL: _SCHOOL_POSTS,
}


# --- Quiz behaviour ---------------------------------------------------------------------

#: Share of officials who never start a course meant for them (a few more for the
#: least diligent, fewer for the most).
NEVER_START = 0.15
#: Share of officials who take a course that is not meant for their staff category.
OFF_AUDIENCE_START = 0.08
#: Failed attempts an official puts up with before giving up (capped by max_attempts).
PERSISTENCE = ((1, 2, 3, 4), (10, 20, 35, 35))
#: Attempts at most when a course sets no limit.
UNLIMITED_CAP = 4
#: Chance to try once more after passing, to improve the score.
IMPROVE_AFTER_PASS = 0.12
#: Working hours in Vietnam (07:30-17:00, UTC+7) as seconds after midnight UTC.
WORK_START, WORK_END = 1800, 36000


# --- Data classes -----------------------------------------------------------------------

@dataclass(slots=True)
class PlannedUnit:
    id: int
    code: str
    name_vi: str
    name_en: str
    kind: UnitKind
    parent: PlannedUnit | None
    weight: float
    headcount: int = 0


@dataclass(frozen=True, slots=True)
class CourseSpec:
    course_id: int
    slug: str
    version_id: int
    draw_count: int
    pass_mark: float
    max_attempts: int | None
    time_limit_minutes: int | None
    require_lessons: bool
    audience: frozenset[str]
    required_keys: tuple[str, ...]
    optional_keys: tuple[str, ...]

    @property
    def attempt_cap(self) -> int:
        return min(self.max_attempts or UNLIMITED_CAP, UNLIMITED_CAP)


@dataclass
class SeedSummary:
    units: int = 0
    closure_rows: int = 0
    officials: int = 0
    attempts: int = 0
    lesson_progress: int = 0
    completions: int = 0
    elapsed_seconds: float = 0.0
    first_login: str = ""
    last_login: str = ""
    courses: list[str] = field(default_factory=list)


class SeedRefused(click.ClickException):
    """The database is not in a state to seed (already seeded, or no course loaded)."""


# --- Chunks: generated in one thread, written in another -------------------------------

#: Rows for some tables, parents first, and how many officials they complete.
Batch = tuple[list[tuple[Table, list[dict[str, Any]]]], int]


class _ChunkBuffer:
    """Collects generated rows per table; when one table has a chunk's worth, hands every
    table's rows on together (parents first, so foreign keys hold) and starts afresh."""

    def __init__(self, tables: list[Table], chunk_rows: int,
                 emit: Callable[[Batch], None]) -> None:
        self.tables = tables  # in foreign-key order
        self.buffers: dict[str, list[dict[str, Any]]] = {table.name: [] for table in tables}
        self.chunk_rows = chunk_rows
        self.emit = emit
        self.officials_done = 0

    def add(self, table: Table, row: dict[str, Any]) -> None:
        buffer = self.buffers[table.name]
        buffer.append(row)
        if len(buffer) >= self.chunk_rows:
            self.flush()

    def tick(self) -> None:
        self.officials_done += 1

    def flush(self) -> None:
        rows = [(table, self.buffers[table.name]) for table in self.tables
                if self.buffers[table.name]]
        if rows:
            for table, _ in rows:
                self.buffers[table.name] = []
            self.emit((rows, self.officials_done))
            self.officials_done = 0


class _DatabaseWriter:
    """Writes batches: Core ``executemany`` (or COPY on PostgreSQL), one commit per batch."""

    def __init__(self, tables: list[Table], own_id_tables: list[Table], use_copy: bool,
                 on_commit: Callable[[int], None]) -> None:
        self.counts: dict[str, int] = {table.name: 0 for table in tables}
        self.own_id_tables = own_id_tables
        self.postgres = db.engine.dialect.name == "postgresql"
        self.use_copy = use_copy and self.postgres
        self.on_commit = on_commit

    def write(self, batch: Batch) -> None:
        rows_by_table, officials_done = batch
        for table, rows in rows_by_table:
            if self.use_copy:
                self._copy(table, rows)
            else:
                db.session.execute(table.insert(), rows)
            self.counts[table.name] += len(rows)
        self.sync_sequences()
        db.session.commit()
        self.on_commit(officials_done)

    @staticmethod
    def _copy(table: Table, rows: list[dict[str, Any]]) -> None:
        """PostgreSQL's COPY, in the session's transaction: several times faster than
        executemany. The rows hold what the driver can send as is (aware datetimes, enum
        values as plain strings), so the column types' bind processing is not needed."""
        columns = list(rows[0])
        names = ", ".join(f'"{column}"' for column in columns)
        driver = db.session.connection().connection.driver_connection
        with driver.cursor() as cursor, cursor.copy(
                f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([row[column] for column in columns])

    def sync_sequences(self) -> None:
        """PostgreSQL: move the id sequences past the ids assigned here."""
        if not self.postgres:
            return
        for table in self.own_id_tables:
            db.session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"(SELECT coalesce(max(id), 0) + 1 FROM {table.name}), false)"
            ))


class _Stopped(Exception):
    """The writing side gave up: the generating thread stops too."""


def _run_pipelined(produce: Callable[[Callable[[Batch], None]], None],
                   write: Callable[[Batch], None], *, queue_size: int = 2) -> None:
    """Generate in a worker thread while this thread writes, so Python and the database
    work at the same time. The queue is short, so memory stays at a few chunks. The worker
    only draws random numbers and builds dicts; every database call stays in this thread."""
    handoff: queue.Queue[object] = queue.Queue(maxsize=queue_size)
    stop = threading.Event()
    done = object()

    def put(item: object) -> None:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.2)
                return
            except queue.Full:
                continue
        raise _Stopped

    def work() -> None:
        try:
            produce(put)
            put(done)
        except _Stopped:
            return
        except BaseException as error:  # handed to the writing thread, which raises it
            try:
                put(error)
            except _Stopped:
                return

    worker = threading.Thread(target=work, name="seed-large-generator", daemon=True)
    worker.start()
    try:
        while True:
            item = handoff.get()
            if item is done:
                break
            if isinstance(item, BaseException):
                raise item
            write(item)  # type: ignore[arg-type]
    finally:
        stop.set()
        worker.join()


# --- Planning ---------------------------------------------------------------------------

def _ascii(name: str) -> str:
    return " ".join(word.capitalize() for word in fold_for_search(name).split())


def plan_units(officials: int, rng: random.Random, first_id: int) -> list[PlannedUnit]:
    """The unit tree, parents before children, with each unit's head-count decided."""
    next_id = iter(range(first_id, first_id + 10**9))
    province = PlannedUnit(next(next_id), CODE_PREFIX, PROVINCE[0], PROVINCE[1],
                           UnitKind.PROVINCE, None, 0.0)
    units = [province]
    for suffix, name_vi, name_en, kind in DEPARTMENTS:
        units.append(PlannedUnit(next(next_id), f"{CODE_PREFIX}-{suffix}", f"{name_vi} (benchmark)",
                                 f"{name_en} (benchmark)", kind, province, 0.0))

    local_count = max(4, round(officials / OFFICIALS_PER_COMMUNE))
    special_zones = max(1, round(local_count * 0.01))
    wards = max(1, round(local_count * 0.22))
    kinds = ([UnitKind.SPECIAL_ZONE] * special_zones + [UnitKind.WARD] * wards
             + [UnitKind.COMMUNE] * (local_count - special_zones - wards))
    rng.shuffle(kinds)
    places = [f"{a} {b}" for a in PLACE_FIRST for b in PLACE_SECOND if a != b]
    rng.shuffle(places)
    numbers = {kind: 0 for kind in LOCAL_KINDS}
    local_units: list[tuple[PlannedUnit, str]] = []
    for index, kind in enumerate(kinds):
        place = places[index % len(places)]
        if index >= len(places):
            place = f"{place} {index // len(places) + 1}"
        word_vi, word_en, letter, _ = LOCAL_KINDS[kind]
        numbers[kind] += 1
        unit = PlannedUnit(next(next_id), f"{CODE_PREFIX}-{letter}{numbers[kind]:05d}",
                           f"{word_vi} {place}", f"{_ascii(place)} {word_en}", kind, province, 0.0)
        units.append(unit)
        local_units.append((unit, place))

    # One or two schools for every three communes, wards or special zones.
    school_types = [(vi, en) for vi, en, _ in SCHOOL_TYPES]
    school_weights = [weight for _, _, weight in SCHOOL_TYPES]
    school_number = 0
    for start in range(0, len(local_units), 3):
        group = local_units[start:start + 3]
        taken: set[str] = set()
        for _ in range(rng.randint(1, 2)):
            parent, place = rng.choice(group)
            type_vi, type_en = rng.choices(school_types, school_weights)[0]
            name_vi, name_en = f"{type_vi} {place}", f"{_ascii(place)} {type_en}"
            if name_vi in taken:
                name_vi, name_en = f"{name_vi} số 2", f"{name_en} No. 2"
            taken.add(name_vi)
            school_number += 1
            units.append(PlannedUnit(next(next_id), f"{CODE_PREFIX}-T{school_number:05d}",
                                     name_vi, name_en, UnitKind.SCHOOL, parent, 0.0))

    for unit in units:
        unit.weight = UNIT_WEIGHTS[unit.kind] * rng.uniform(0.6, 1.5)
    _share_out(officials, units)
    return units


def _share_out(officials: int, units: list[PlannedUnit]) -> None:
    """Head-counts proportional to the weights, summing to exactly ``officials``."""
    total = sum(unit.weight for unit in units)
    shares = [officials * unit.weight / total for unit in units]
    for unit, share in zip(units, shares, strict=True):
        unit.headcount = int(share)
    left = officials - sum(unit.headcount for unit in units)
    by_remainder = sorted(range(len(units)), key=lambda i: (-(shares[i] - int(shares[i])), i))
    for i in by_remainder[:left]:
        units[i].headcount += 1


def closure_rows(units: list[PlannedUnit]) -> Iterator[dict[str, int]]:
    """One row per (ancestor, descendant), each unit with itself at depth 0."""
    for unit in units:
        ancestor: PlannedUnit | None = unit
        depth = 0
        while ancestor is not None:
            yield {"ancestor_id": ancestor.id, "descendant_id": unit.id, "depth": depth}
            ancestor = ancestor.parent
            depth += 1


def load_course_specs() -> list[CourseSpec]:
    """Every course with a current version, by slug."""
    rows = db.session.execute(
        select(Course.id, Course.slug, CourseVersion)
        .join(CourseVersion, CourseVersion.course_id == Course.id)
        .where(CourseVersion.is_current.is_(True))
        .order_by(Course.slug)
    ).all()
    specs = []
    for course_id, slug, version in rows:
        lessons = db.session.execute(
            select(Lesson.key, Lesson.required).where(Lesson.course_version_id == version.id)
            .order_by(Lesson.position)
        ).all()
        specs.append(CourseSpec(
            course_id=course_id, slug=slug, version_id=version.id,
            draw_count=version.draw_count, pass_mark=version.pass_mark,
            max_attempts=version.max_attempts, time_limit_minutes=version.time_limit_minutes,
            require_lessons=version.require_lessons, audience=frozenset(version.audience or ()),
            required_keys=tuple(key for key, required in lessons if required),
            optional_keys=tuple(key for key, required in lessons if not required),
        ))
    return specs


def _max_id(table: Table) -> int:
    return db.session.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()


# --- Generation -------------------------------------------------------------------------

class _Seeder:
    def __init__(self, *, officials: int, seed: int, year: int, courses: list[CourseSpec],
                 writer: _ChunkBuffer, first_official_id: int, first_attempt_id: int) -> None:
        self.officials = officials
        self.seed = seed
        self.rng = random.Random(seed)
        self.courses = courses
        self.writer = writer
        self.next_official_id = first_official_id
        self.next_attempt_id = first_attempt_id
        self.window_start = datetime(year, 1, 15, tzinfo=UTC)
        self.window_seconds = (datetime(year, 12, 11, tzinfo=UTC) - self.window_start).total_seconds()
        self.window_days = int(self.window_seconds // 86400)
        self.created_at = datetime(year, 1, 2, 1, 0, tzinfo=UTC)
        self.password_hash = generate_password_hash(SEED_PASSWORD, SEED_HASH_METHOD)
        self.names: dict[str, tuple[str, str]] = {}
        self.login_number = 0
        self.official_table = Official.__table__
        self.attempt_table = QuizAttempt.__table__
        self.progress_table = LessonProgress.__table__
        self.completion_table = CourseCompletion.__table__
        self.family, self.family_weights = zip(*FAMILY_NAMES, strict=True)
        self.family_cum = list(_cumulative(self.family_weights))

    def login(self, number: int) -> str:
        return _login(self.seed, number)

    # People

    def _name(self) -> str:
        rng = self.rng
        if rng.random() < 0.5:
            middles, givens = MIDDLE_NAMES_MALE, GIVEN_NAMES_MALE
        else:
            middles, givens = MIDDLE_NAMES_FEMALE, GIVEN_NAMES_FEMALE
        family = rng.choices(self.family, cum_weights=self.family_cum)[0]
        middle = rng.choice(middles)
        if rng.random() < 0.25:
            second = rng.choice(middles)
            if second != middle:
                middle = f"{middle} {second}"
        return f"{family} {middle} {rng.choice(givens)}"

    def _folded(self, name: str) -> tuple[str, str]:
        folded = self.names.get(name)
        if folded is None:
            folded = (fold_for_search(name), vietnamese_sort_key(name))
            if len(self.names) < NAME_CACHE_SIZE:
                self.names[name] = folded
        return folded

    def run_officials(self, units: list[PlannedUnit]) -> None:
        rng = self.rng
        for unit in units:
            if not unit.headcount:
                continue
            leaders, staff = POSTS[unit.kind]
            head_count = min(len(leaders), unit.headcount)
            posts = list(leaders[:head_count])
            if unit.headcount > head_count:
                staff_cum = list(_cumulative(weight for _, _, weight in staff))
                posts.extend(rng.choices(staff, cum_weights=staff_cum,
                                         k=unit.headcount - head_count))
            for title, category, _ in posts:
                self._official(unit, title, category)
                self.writer.tick()

    def _official(self, unit: PlannedUnit, title: str, category: StaffCategory) -> None:
        rng = self.rng
        official_id = self.next_official_id
        self.next_official_id += 1
        self.login_number += 1
        login = self.login(self.login_number)
        name = self._name()
        name_search, name_sort = self._folded(name)
        roll = rng.random()
        locale = "en" if roll < 0.01 else "vi" if roll < 0.03 else None
        created = self.created_at + timedelta(seconds=rng.randint(0, 12 * 86400))
        self.writer.add(self.official_table, {
            "id": official_id, "login": login, "full_name": name,
            "name_search": name_search, "name_sort": name_sort,
            "email": f"{login}@bench.invalid" if rng.random() < 0.7 else None,
            "password_hash": self.password_hash, "unit_id": unit.id,
            "staff_category": category.value, "position_title": title,
            "preferred_locale": locale, "active": rng.random() >= 0.01,
            "must_change_password": True, "session_token": new_session_token(),
            "password_changed_at": None, "last_login_at": None,
            "created_at": created, "updated_at": created,
        })
        skill = rng.gauss(0.0, 1.0)
        diligence = rng.random()
        for course in self.courses:
            self._learn(official_id, category, skill, diligence, course)

    # Learning

    def _at(self, seconds: float) -> datetime:
        return self.window_start + timedelta(seconds=round(seconds))

    def _learn(self, official_id: int, category: StaffCategory, skill: float,
               diligence: float, course: CourseSpec) -> None:
        rng = self.rng
        if category.value in course.audience or not course.audience:
            starts = rng.random() >= NEVER_START * (0.4 + 1.2 * (1.0 - diligence))
        else:
            starts = rng.random() < OFF_AUDIENCE_START
        lessons = course.required_keys + course.optional_keys
        day = int(self.window_days * rng.betavariate(1.2, 1.5))
        day = min(day, self.window_days - 1)
        if not starts:
            if lessons and rng.random() < 0.3:  # read a little, never tried the quiz
                read = lessons[:rng.randint(1, len(lessons))]
                self._lessons(official_id, course, read, day * 86400 + rng.uniform(
                    WORK_START, WORK_END))
            return

        # Lessons first (all required ones when the quiz demands them), then the attempts.
        lesson_minutes = [rng.uniform(4, 20) for _ in lessons]
        reading = 60 * sum(lesson_minutes) + 300
        first_start = day * 86400 + rng.uniform(WORK_START, WORK_END)
        first_start = max(first_start, reading + 60)

        cap = course.attempt_cap
        persistence = min(rng.choices(*PERSISTENCE)[0], cap)
        time_limit = course.time_limit_minutes
        draw = course.draw_count
        pass_mark = course.pass_mark
        attempts: list[tuple[int, float, float, float, bool]] = []  # id, start, end, %, passed
        started = first_start
        failures = 0
        improving = False
        for number in range(1, cap + 1):
            if time_limit:
                longest = min(time_limit * 60 - 5, 1800)
                duration = rng.uniform(min(120, longest / 2), longest)
            else:
                duration = rng.uniform(180, 1800)
            submitted = started + duration
            if submitted >= self.window_seconds:
                break
            score = rng.gauss(pass_mark - 19 + 12 * skill + 10 * (number - 1), 13)
            correct = min(draw, max(0, round(score / 100 * draw)))
            percent = round(correct * 100 / draw, 2) if draw else 0.0
            passed = percent >= pass_mark
            attempt_id = self.next_attempt_id
            self.next_attempt_id += 1
            attempts.append((attempt_id, started, submitted, percent, passed))
            self.writer.add(self.attempt_table, {
                "id": attempt_id, "public_id": f"bench-{attempt_id}",
                "official_id": official_id, "course_id": course.course_id,
                "course_version_id": course.version_id, "number": number,
                "status": AttemptStatus.SUBMITTED.value,
                "started_at": self._at(started),
                "deadline_at": self._at(started + time_limit * 60) if time_limit else None,
                "submitted_at": self._at(submitted),
                "points": float(correct), "max_points": float(draw),
                "percent": percent, "passed": passed, "late": False,
            })
            if improving:
                break
            if passed:
                if rng.random() < IMPROVE_AFTER_PASS:
                    improving = True
                else:
                    break
            else:
                failures += 1
                if failures >= persistence:
                    break
            if rng.random() < 0.35:  # again the same day
                started = submitted + rng.uniform(300, 5400)
            else:
                next_day = int(submitted // 86400) + rng.randint(1, 21)
                started = next_day * 86400 + rng.uniform(WORK_START, WORK_END)
        if not attempts:
            return

        passing = next((attempt for attempt in attempts if attempt[4]), None)
        if course.require_lessons or passing is not None:
            read = list(course.required_keys)
        else:
            read = list(course.required_keys[:rng.randint(0, len(course.required_keys))])
        read += [key for key in course.optional_keys if rng.random() < 0.35]
        self._lessons(official_id, course, read, first_start - reading + 60,
                      [lesson_minutes[lessons.index(key)] for key in read])

        if passing is not None:
            self.writer.add(self.completion_table, {
                "official_id": official_id, "course_id": course.course_id,
                "course_version_id": course.version_id, "attempt_id": passing[0],
                "completed_at": self._at(passing[2]), "percent": passing[3],
                "best_percent": max(attempt[3] for attempt in attempts),
            })

    def _lessons(self, official_id: int, course: CourseSpec, keys: list[str] | tuple[str, ...],
                 start: float, minutes: list[float] | None = None) -> None:
        at = start
        for index, key in enumerate(keys):
            at += 60 * (minutes[index] if minutes else self.rng.uniform(4, 20))
            self.writer.add(self.progress_table, {
                "official_id": official_id, "course_id": course.course_id,
                "lesson_key": key, "completed_at": self._at(at),
            })


def _login(seed: int, number: int) -> str:
    return f"b{seed}-{number:07d}"


def _cumulative(weights) -> Iterator[float]:
    total = 0.0
    for weight in weights:
        total += weight
        yield total


# --- Entry points -----------------------------------------------------------------------

def seed_large(officials: int, seed: int, year: int = 2026, *, progress: bool = False,
               chunk_rows: int = CHUNK_ROWS, use_copy: bool = True,
               pipelined: bool | None = None) -> SeedSummary:
    """Create the benchmark province with ``officials`` officials and a year of quiz activity.

    Rows go in with SQLAlchemy Core ``executemany`` (on PostgreSQL with ``COPY`` unless
    ``use_copy`` is false), at most ``chunk_rows`` per table at a time, one commit per
    chunk. With ``pipelined`` the rows are generated in a worker thread meanwhile, which
    pays on PostgreSQL (the server works while Python generates; the default there) but not
    on SQLite (in-process: the two threads only contend for the GIL). Raises
    :class:`SeedRefused` when units coded ``BENCH...`` exist already or when no course is
    loaded.
    """
    began = time.monotonic()
    unit_table = OrgUnit.__table__
    existing = db.session.execute(
        select(func.count()).select_from(unit_table)
        .where(unit_table.c.code.like(f"{CODE_PREFIX}%"))
    ).scalar_one()
    if existing:
        raise SeedRefused(f"The database holds {existing} units with codes starting with "
                          f"{CODE_PREFIX} already: seed-large runs once per database.")
    courses = load_course_specs()
    if not courses:
        raise SeedRefused("No course is loaded: run `lms init` first.")
    first_login = _login(seed, 1)
    if db.session.execute(select(Official.id).where(Official.login == first_login)).first():
        raise SeedRefused(f"An official with login {first_login} exists already.")

    official_table = Official.__table__
    attempt_table = QuizAttempt.__table__
    closure_table = OrgUnitClosure.__table__
    tables = [unit_table, closure_table, official_table, attempt_table,
              LessonProgress.__table__, CourseCompletion.__table__]
    first_unit_id = _max_id(unit_table) + 1
    first_official_id = _max_id(official_table) + 1
    first_attempt_id = _max_id(attempt_table) + 1
    db.session.commit()  # end the read transaction: nothing is held while generating

    bar = click.progressbar(length=officials, label="Seeding officials",
                            hidden=not progress, show_pos=True)
    writer = _DatabaseWriter(tables, own_id_tables=[unit_table, official_table, attempt_table],
                             use_copy=use_copy, on_commit=bar.update)
    unit_created = datetime(year, 1, 2, 0, 0, tzinfo=UTC)

    def produce(emit: Callable[[Batch], None]) -> None:
        buffer = _ChunkBuffer(tables, chunk_rows, emit)
        seeder = _Seeder(officials=officials, seed=seed, year=year, courses=courses,
                         writer=buffer, first_official_id=first_official_id,
                         first_attempt_id=first_attempt_id)
        units = plan_units(officials, seeder.rng, first_unit_id)
        for unit in units:
            buffer.add(unit_table, {
                "id": unit.id, "code": unit.code, "name_vi": unit.name_vi,
                "name_en": unit.name_en, "kind": unit.kind.value,
                "parent_id": unit.parent.id if unit.parent else None,
                "active": True, "created_at": unit_created,
            })
        for row in closure_rows(units):
            buffer.add(closure_table, row)
        seeder.run_officials(units)
        buffer.flush()

    try:
        with bar:
            if pipelined if pipelined is not None else writer.postgres:
                _run_pipelined(produce, writer.write)
            else:
                produce(writer.write)
    except BaseException:
        db.session.rollback()
        raise

    counts = writer.counts
    return SeedSummary(
        units=counts[unit_table.name], closure_rows=counts[closure_table.name],
        officials=counts[official_table.name], attempts=counts[attempt_table.name],
        lesson_progress=counts[LessonProgress.__tablename__],
        completions=counts[CourseCompletion.__tablename__],
        elapsed_seconds=time.monotonic() - began,
        first_login=_login(seed, 1), last_login=_login(seed, officials),
        courses=[course.slug for course in courses],
    )


@click.command("seed-large")
@click.option("--officials", type=click.IntRange(min=1), required=True,
              help="How many officials to create.")
@click.option("--seed", type=int, required=True,
              help="Random seed: the same seed gives the same province.")
@click.option("--year", type=click.IntRange(2000, 2100), default=2026, show_default=True,
              help="Year of the quiz activity (15 January to 10 December).")
@click.option("--copy/--no-copy", "use_copy", default=True, show_default=True,
              help="On PostgreSQL, load the rows with COPY (faster) rather than INSERT.")
@with_appcontext
def seed_large_command(officials: int, seed: int, year: int, use_copy: bool) -> None:
    """Create a large fictional province with a year of quiz activity, for benchmarks."""
    summary = seed_large(officials, seed, year, progress=sys.stdout.isatty(), use_copy=use_copy)
    click.echo(f"Courses: {', '.join(summary.courses)}")
    click.echo(f"Units: {summary.units} (closure rows: {summary.closure_rows})")
    click.echo(f"Officials: {summary.officials} "
               f"(logins {summary.first_login} to {summary.last_login}, "
               f"password {SEED_PASSWORD}, to be changed at first sign-in)")
    click.echo(f"Quiz attempts: {summary.attempts}")
    click.echo(f"Lesson progress rows: {summary.lesson_progress}")
    click.echo(f"Completions: {summary.completions}")
    click.echo(f"Elapsed: {summary.elapsed_seconds:.1f} s")
