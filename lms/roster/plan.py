"""Validate a whole roster file against the database and work out what applying it would do.

Nothing here writes. Every problem is collected (row, column, value, reason) so the user can
fix the file in one go; a plan with any problem cannot be applied.

Matching rules (also in docs/roster.md):

- A row matches the account with the same employee code.
- With no such account, it adopts an account whose login equals the row's login (or, without a
  login column, the employee code) and that has no employee code yet: accounts created by hand
  before the first import are linked rather than duplicated.
- Otherwise the row creates an account; it signs in with a one-time password and must choose
  its own password at first sign-in.
- An empty optional cell clears that field; a column absent from the file leaves it alone.
- Officials of the chosen unit's subtree who are missing from the file are deactivated only
  when the user asks for it, and only if they came from the roster (have an employee code);
  the importing user is never deactivated.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import select

from lms.accounts.models import Official, StaffCategory
from lms.extensions import db
from lms.org.models import OrgUnit
from lms.org.queries import subtree_ids
from lms.roster.columns import (
    COLUMNS,
    category_label_list,
    category_spellings,
    describe_missing,
    header_spellings,
    normalise_header,
)
from lms.roster.reading import RawTable
from lms.text import fold_for_search, name_keys, normalise_login

CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9._/-]{0,31}$")
LOGIN_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")
MAX_NAME = 255
# IN lists are sent in slices well under SQLite's and PostgreSQL's parameter limits.
LOOKUP_SLICE = 5000

FIELDS = ("full_name", "unit_id", "staff_category", "position_title", "email", "login", "active")


@dataclass(frozen=True)
class Problem:
    row: int | None
    column: str | None  # the header as written in the file
    value: str | None
    reason: str


@dataclass
class Entry:
    """One official as the file wants them: created, or updated in the fields listed."""

    row: int
    employee_code: str
    full_name: str
    values: dict[str, Any]
    official_id: int | None = None
    changed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Departure:
    official_id: int
    employee_code: str
    full_name: str


@dataclass
class RosterPlan:
    unit: OrgUnit
    table: RawTable
    problems: list[Problem] = field(default_factory=list)
    creates: list[Entry] = field(default_factory=list)
    updates: list[Entry] = field(default_factory=list)
    deactivations: list[Departure] = field(default_factory=list)
    unchanged: int = 0
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def row_count(self) -> int:
        return len(self.table.rows)

    @property
    def has_changes(self) -> bool:
        return bool(self.creates or self.updates or self.deactivations)

    def fingerprint(self) -> str:
        """A digest of exactly what applying would write: the preview and the apply must agree."""
        digest = hashlib.sha256()
        for kind, entries in (("create", self.creates), ("update", self.updates)):
            for entry in entries:
                values = sorted((key, str(value)) for key, value in entry.values.items())
                digest.update(repr((kind, entry.employee_code, entry.official_id, values)).encode())
        for departure in self.deactivations:
            digest.update(repr(("deactivate", departure.official_id)).encode())
        return digest.hexdigest()


@dataclass(frozen=True)
class _Existing:
    id: int
    employee_code: str | None
    login: str
    full_name: str
    unit_id: int
    staff_category: StaffCategory
    position_title: str | None
    email: str | None
    active: bool


def _slices(values: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), LOOKUP_SLICE):
        yield values[start:start + LOOKUP_SLICE]


def _existing(codes: list[str], logins: list[str]) -> tuple[dict[str, _Existing], dict[str, _Existing]]:
    by_code: dict[str, _Existing] = {}
    by_login: dict[str, _Existing] = {}
    columns = [getattr(Official, name) for name in _Existing.__dataclass_fields__]
    for column, wanted in ((Official.employee_code, codes), (Official.login, logins)):
        for part in _slices(sorted(set(wanted))):
            for row in db.session.execute(select(*columns).where(column.in_(part))):
                found = _Existing(*row)
                if found.employee_code:
                    by_code[found.employee_code] = found
                by_login[found.login] = found
    return by_code, by_login


class _RowChecker:
    """Parses and checks one row's cells, collecting problems against the file's headers."""

    def __init__(self, plan: RosterPlan, positions: dict[str, int]) -> None:
        self.plan = plan
        self.positions = positions
        self.headers = plan.table.headers
        self.categories = category_spellings()
        self.category_memo: dict[str, StaffCategory | None] = {}

    def cell(self, cells: tuple[str, ...], key: str) -> str | None:
        """The cell's text; None when the file has no such column."""
        position = self.positions.get(key)
        if position is None:
            return None
        return cells[position] if position < len(cells) else ""

    def problem(self, row: int, key: str | None, value: str | None, reason: str) -> None:
        column = self.headers[self.positions[key]] if key in self.positions else None
        self.plan.problems.append(Problem(row, column, value, reason))

    def parse(self, number: int, cells: tuple[str, ...]) -> dict[str, Any] | None:
        problems_before = len(self.plan.problems)
        values: dict[str, Any] = {}
        code = (self.cell(cells, "employee_code") or "").upper()
        if not code:
            self.problem(number, "employee_code", "", _("The employee code is missing."))
        elif not CODE_PATTERN.match(code):
            self.problem(number, "employee_code", code,
                         _("An employee code has up to 32 letters, digits, dots, dashes, "
                           "slashes or underscores."))
        values["employee_code"] = code

        name = self.cell(cells, "full_name") or ""
        if not name:
            self.problem(number, "full_name", "", _("The full name is missing."))
        elif len(name) > MAX_NAME:
            self.problem(number, "full_name", name[:40] + "…",
                         _("A name has at most %(count)d characters.", count=MAX_NAME))
        values["full_name"] = name

        values["unit_code"] = (self.cell(cells, "unit_code") or "").upper()

        category_text = self.cell(cells, "staff_category") or ""
        if category_text not in self.category_memo:  # a file uses a handful of spellings
            self.category_memo[category_text] = self.categories.get(fold_for_search(category_text))
        category = self.category_memo[category_text]
        if category is None:
            self.problem(number, "staff_category", category_text,
                         _("Unknown staff category: use one of %(choices)s.",
                           choices=category_label_list()))
        values["staff_category"] = category

        position = self.cell(cells, "position")
        if position is not None:
            values["position_title"] = position or None

        email = self.cell(cells, "email")
        if email is not None:
            if email:
                try:
                    email = validate_email(email, check_deliverability=False).normalized
                except EmailNotValidError:
                    self.problem(number, "email", email, _("This is not an email address."))
            values["email"] = email or None

        login = self.cell(cells, "login")
        if login:
            login = normalise_login(login)
            if not LOGIN_PATTERN.match(login):
                self.problem(number, "login", login,
                             _("A login has 2 to 64 lower-case letters, digits, dots, dashes, "
                               "underscores or @."))
            values["login"] = login
        return values if len(self.plan.problems) == problems_before else None


def build_plan(table: RawTable, unit: OrgUnit, *, manageable_unit_ids: Iterable[int] | None,
               deactivate_missing: bool, importer_id: int | None,
               progress: Callable[[int], None] | None = None) -> RosterPlan:
    """Check every row and work out the changes, importing into ``unit``'s subtree.

    ``manageable_unit_ids``: units whose officials the importer may change (None: all, for the
    command line). An existing official outside them can be neither moved nor updated.
    """
    plan = RosterPlan(unit=unit, table=table)
    positions = _match_headers(plan)
    if not plan.ok:
        return plan
    checker = _RowChecker(plan, positions)
    target_units = set(db.session.execute(subtree_ids(unit.id)).scalars())
    manageable = None if manageable_unit_ids is None else set(manageable_unit_ids)
    unit_ids = dict(db.session.execute(select(OrgUnit.code, OrgUnit.id)).all())

    parsed: list[tuple[int, dict[str, Any]]] = []
    first_row_of_code: dict[str, int] = {}
    first_row_of_login: dict[str, int] = {}
    for position, raw in enumerate(table.rows, start=1):
        values = checker.parse(raw.number, raw.cells)
        if progress and position % 1000 == 0:
            progress(1000)
        if values is None:
            continue
        code = values["employee_code"]
        if code in first_row_of_code:
            checker.problem(raw.number, "employee_code", code,
                            _("The employee code %(code)s appears again (first on row %(row)d).",
                              code=code, row=first_row_of_code[code]))
            continue
        first_row_of_code[code] = raw.number
        login = values.get("login")
        if login and login in first_row_of_login:
            checker.problem(raw.number, "login", login,
                            _("The login %(login)s appears again (first on row %(row)d).",
                              login=login, row=first_row_of_login[login]))
            continue
        if login:
            first_row_of_login[login] = raw.number
        unit_id = unit_ids.get(values["unit_code"])
        if unit_id is None or unit_id not in target_units:
            checker.problem(raw.number, "unit_code", values["unit_code"],
                            _("No unit has this code within %(unit)s.", unit=unit.name))
            continue
        values["unit_id"] = unit_id
        parsed.append((raw.number, values))
    if progress:
        progress(len(table.rows) % 1000)

    codes = [values["employee_code"] for _row, values in parsed]
    logins = [values.get("login") or normalise_login(values["employee_code"]) for _row, values in parsed]
    by_code, by_login = _existing(codes, logins)
    claimed_logins: set[str] = set()
    for number, values in parsed:
        _plan_row(plan, checker, number, values, by_code, by_login, manageable, claimed_logins)

    if deactivate_missing and plan.ok:
        present = set(codes)
        for official_id, code, name in db.session.execute(
            select(Official.id, Official.employee_code, Official.full_name)
            .where(Official.unit_id.in_(target_units), Official.active.is_(True),
                   Official.employee_code.is_not(None))
            .order_by(Official.name_sort, Official.id)
        ):
            if code not in present and official_id != importer_id:
                plan.deactivations.append(Departure(official_id, code, name))
    if not plan.ok:
        plan.creates.clear()
        plan.updates.clear()
        plan.deactivations.clear()
        plan.unchanged = 0
    return plan


def _match_headers(plan: RosterPlan) -> dict[str, int]:
    spellings = header_spellings()
    positions: dict[str, int] = {}
    for index, header in enumerate(plan.table.headers):
        key = spellings.get(normalise_header(header))
        if key is None:
            if header:
                plan.ignored_columns.append(header)
            continue
        if key in positions:
            plan.problems.append(Problem(1, header, None, _(
                "Two columns mean the same thing (%(first)s and %(second)s): keep one.",
                first=plan.table.headers[positions[key]], second=header)))
            continue
        positions[key] = index
    missing = [column.key for column in COLUMNS if column.required and column.key not in positions]
    if missing:
        plan.problems.append(Problem(1, None, None, describe_missing(missing)))
    return positions


def _plan_row(plan: RosterPlan, checker: _RowChecker, number: int, values: dict[str, Any],
              by_code: dict[str, _Existing], by_login: dict[str, _Existing],
              manageable: set[int] | None, claimed_logins: set[str]) -> None:
    code = values["employee_code"]
    wanted_login = values.get("login") or normalise_login(code)
    existing = by_code.get(code)
    if existing is None:
        holder = by_login.get(wanted_login)
        if holder is not None and holder.employee_code is None and _may_manage(holder, manageable):
            existing = holder  # a hand-made account, linked to the roster from now on
        elif holder is not None:
            checker.problem(number, "login" if "login" in values else "employee_code",
                            wanted_login, _("The login %(login)s belongs to another account.",
                                            login=wanted_login))
            return
    if existing is not None and not _may_manage(existing, manageable):
        checker.problem(number, "employee_code", code,
                        _("This employee code belongs to an account outside the units you manage."))
        return
    if "login" in values and existing is not None and values["login"] != existing.login:
        holder = by_login.get(values["login"])
        if holder is not None and holder.id != existing.id:
            checker.problem(number, "login", values["login"],
                            _("The login %(login)s belongs to another account.",
                              login=values["login"]))
            return
    if wanted_login in claimed_logins:
        checker.problem(number, "login" if "login" in values else "employee_code", wanted_login,
                        _("The login %(login)s belongs to another account.", login=wanted_login))
        return
    claimed_logins.add(wanted_login)

    wanted = {
        "full_name": values["full_name"],
        "unit_id": values["unit_id"],
        "staff_category": values["staff_category"],
        "active": True,
    }
    for key in ("position_title", "email", "login"):
        if key in values:
            wanted[key] = values[key]
    if existing is None:
        wanted.setdefault("login", wanted_login)
        wanted.setdefault("position_title", None)
        wanted.setdefault("email", None)
        plan.creates.append(Entry(number, code, wanted["full_name"], wanted))
        return
    changed = tuple(key for key in FIELDS if key in wanted and getattr(existing, key) != wanted[key])
    if existing.employee_code is None:
        changed += ("employee_code",)
    if changed:
        plan.updates.append(Entry(number, code, wanted["full_name"], {key: wanted[key] for key in changed
                                                 if key != "employee_code"},
                                  official_id=existing.id, changed=changed))
    else:
        plan.unchanged += 1


def _may_manage(official: _Existing, manageable: set[int] | None) -> bool:
    return manageable is None or official.unit_id in manageable


def sort_key_fields(full_name: str) -> dict[str, str]:
    """The derived name columns bulk writes must fill in (the ORM validators are bypassed)."""
    search, sort = name_keys(full_name)
    return {"name_search": search, "name_sort": sort}


def problem_rows(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda problem: (problem.row or 0))

