"""A scoring policy: a YAML file per year, checked like course files, with errors by key.

The format and every rule are documented in docs/scoring.md; ``default_policy.yaml`` beside
this module is a documented example (not a legal rule).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.content.loader import SLUG_PATTERN, STAFF_CATEGORIES
from lms.content.yaml_reader import Problem, Text, YamlReader, out_of_range, sorted_problems

DEFAULT_POLICY = Path(__file__).parent / "default_policy.yaml"
UNIT_KINDS = ("province", "department", "commune", "ward", "special_zone", "school",
              "public_service_unit", "agency")
RANK_METRICS = ("share_meeting_standard", "mean_indicator", "on_time_share")
PERIODS = ("Q1", "Q2", "Q3", "Q4")
# A year asks for a handful of courses. The scores count an official's courses by status in
# groups of three digits (lms.scoring.compute), and each course is one more branch of the
# query of course rows: 50 is far more than any year needs.
MAX_MANDATORY = 50


def period_label(year: int, period: str) -> str:
    """"Whole year 2026" or "Quarter 2, 2026", in the current language."""
    if period not in PERIODS:
        return _("Whole year %(year)s", year=year)
    return _("Quarter %(number)s, %(year)s", number=period[1], year=year)


@dataclass(frozen=True)
class MandatoryRule:
    course: str
    deadline: date
    staff_categories: tuple[str, ...]
    unit_kinds: tuple[str, ...]  # empty: every kind of unit
    weight: float


@dataclass(frozen=True)
class Band:
    code: str
    min: float
    label: Text


@dataclass(frozen=True)
class Policy:
    name: Text
    year: int
    quarters: bool
    on_time: float
    late: float
    missing: float
    best_score_bonus: float
    grace_days: int
    bands: tuple[Band, ...]
    min_indicator: float
    require_all_mandatory: bool
    rank_by: str
    mandatory: tuple[MandatoryRule, ...]
    text: str
    hash: str

    def band_for(self, indicator: float | None) -> Band | None:
        if indicator is None:
            return None
        return next((band for band in self.bands if indicator >= band.min), self.bands[-1])


class PolicyError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(problem) for problem in problems))
        self.problems = problems


def policy_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@lru_cache(maxsize=32)
def parse_policy(text: str, filename: str = "policy.yaml") -> Policy:
    """The policy in ``text``; raises :class:`PolicyError` listing every problem.

    Cached: pages read the year's policy on every request and parsing YAML costs ~10 ms;
    a Policy is immutable, and errors are not cached."""
    reader = _PolicyReader(filename)
    policy = reader.read(text)
    if reader.problems or policy is None:
        raise PolicyError(sorted_problems(reader.problems))
    return policy


def load_default_policy() -> Policy:
    return parse_policy(DEFAULT_POLICY.read_text(encoding="utf-8"), DEFAULT_POLICY.name)


class _PolicyReader(YamlReader):
    def number(self, node: dict, key: str, where: str, *, minimum: float = 0,
               maximum: float = 100) -> float:
        value = node.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.problem(self.line_of(node, key) or self.line_of(node), _l("expected a number"), where)
            return 0.0
        if not minimum <= value <= maximum:
            self.problem(self.line_of(node, key), out_of_range(value, f"{minimum:g}", f"{maximum:g}"),
                         where)
        return float(value)

    def read(self, text: str) -> Policy | None:
        root = self.parse(text)
        if root is None:
            return None
        root = self.mapping(root, "", {"name", "year", "quarters", "points", "new_officials",
                                       "bands", "standard", "units", "mandatory"},
                            {"name", "year", "points", "bands", "standard", "mandatory"}, 1)
        if root is None:
            return None
        name = self.text(root, "name", "name")
        year = self.integer(root, "year", "year", minimum=2000, maximum=2100)
        quarters = self.boolean(root, "quarters", "quarters", False)

        points = self.mapping(root.get("points"), "points",
                              {"on_time", "late", "missing", "best_score_bonus"},
                              {"on_time", "late", "missing"}, self.line_of(root, "points")) or {}
        on_time = self.number(points, "on_time", "points.on_time") if points else 0.0
        late = self.number(points, "late", "points.late") if points else 0.0
        missing = self.number(points, "missing", "points.missing") if points else 0.0
        bonus = (self.number(points, "best_score_bonus", "points.best_score_bonus")
                 if "best_score_bonus" in points else 0.0)
        if points and not on_time >= late >= missing:
            self.problem(self.line_of(root, "points"),
                         _l("points must not grow for worse results: on_time ≥ late ≥ missing"),
                         "points")
        if points and on_time + bonus > 100:
            self.problem(self.line_of(points, "best_score_bonus"),
                         _l("on_time plus best_score_bonus is more than 100"),
                         "points.best_score_bonus")

        grace = 0
        newcomers = root.get("new_officials")
        if newcomers is not None:
            newcomers = self.mapping(newcomers, "new_officials", {"grace_days"}, {"grace_days"},
                                     self.line_of(root, "new_officials"))
            if newcomers is not None:
                grace = self.integer(newcomers, "grace_days", "new_officials.grace_days",
                                     minimum=0, maximum=365) or 0

        bands = self.bands(root.get("bands"), self.line_of(root, "bands"))
        standard = self.mapping(root.get("standard"), "standard",
                                {"min_indicator", "require_all_mandatory"}, {"min_indicator"},
                                self.line_of(root, "standard")) or {}
        min_indicator = (self.number(standard, "min_indicator", "standard.min_indicator")
                         if standard else 0.0)
        require_all = (self.boolean(standard, "require_all_mandatory",
                                    "standard.require_all_mandatory", False) if standard else False)
        rank_by = "share_meeting_standard"
        units = root.get("units")
        if units is not None:
            units = self.mapping(units, "units", {"rank_by"}, set(), self.line_of(root, "units"))
            if units is not None:
                rank_by = units.get("rank_by", rank_by)
                if rank_by not in RANK_METRICS:
                    self.problem(self.line_of(units, "rank_by"),
                                 _l("unknown ranking '%(rank_by)s' (use one of %(choices)s)",
                                    rank_by=rank_by, choices=", ".join(RANK_METRICS)),
                                 "units.rank_by")
        mandatory = self.rules(root.get("mandatory"), self.line_of(root, "mandatory"), year)
        if self.problems or year is None:
            return None
        return Policy(name=name, year=year, quarters=quarters, on_time=on_time, late=late,
                      missing=missing, best_score_bonus=bonus, grace_days=grace, bands=bands,
                      min_indicator=min_indicator, require_all_mandatory=require_all,
                      rank_by=rank_by, mandatory=mandatory, text=text, hash=policy_hash(text))

    def bands(self, node: Any, line: int | None) -> tuple[Band, ...]:
        if not isinstance(node, list) or not node:
            self.problem(line, _l("expected a list of bands, highest first"), "bands")
            return ()
        bands: list[Band] = []
        for index, entry in enumerate(node):
            where = f"bands[{index}]"
            entry = self.mapping(entry, where, {"code", "min", "label"}, {"code", "min", "label"},
                                 self.line_of(node, index))
            if entry is None:
                continue
            code = entry.get("code")
            if not isinstance(code, str) or not SLUG_PATTERN.match(code):
                self.problem(self.line_of(entry, "code"),
                             _l("band code: lowercase letters, digits, dashes"), f"{where}.code")
                continue
            if any(band.code == code for band in bands):
                self.problem(self.line_of(entry, "code"), _l("duplicate band '%(code)s'", code=code),
                             f"{where}.code")
            minimum = self.number(entry, "min", f"{where}.min")
            if bands and minimum >= bands[-1].min:
                self.problem(self.line_of(entry, "min"),
                             _l("bands go from the highest minimum to the lowest"), f"{where}.min")
            bands.append(Band(code, minimum, self.text(entry, "label", f"{where}.label")))
        if bands and bands[-1].min != 0:
            self.problem(self.line_of(node, len(node) - 1),
                         _l("the last band must start at 0 so that every indicator has a band"),
                         "bands")
        return tuple(bands)

    def rules(self, node: Any, line: int | None, year: int | None) -> tuple[MandatoryRule, ...]:
        if not isinstance(node, list):
            self.problem(line, _l("expected a list of mandatory courses"), "mandatory")
            return ()
        if len(node) > MAX_MANDATORY:
            self.problem(line, _l("at most %(maximum)s mandatory courses, not %(count)s",
                                  maximum=MAX_MANDATORY, count=len(node)), "mandatory")
            return ()
        rules: list[MandatoryRule] = []
        for index, entry in enumerate(node):
            where = f"mandatory[{index}]"
            entry = self.mapping(entry, where,
                                 {"course", "deadline", "staff_categories", "unit_kinds", "weight"},
                                 {"course", "deadline", "staff_categories"},
                                 self.line_of(node, index))
            if entry is None:
                continue
            course = entry.get("course")
            if not isinstance(course, str) or not SLUG_PATTERN.match(course):
                self.problem(self.line_of(entry, "course"), _l("expected a course slug"),
                             f"{where}.course")
                continue
            if any(rule.course == course for rule in rules):
                self.problem(self.line_of(entry, "course"),
                             _l("course '%(course)s' is listed twice", course=course), f"{where}.course")
            deadline = entry.get("deadline")
            if not isinstance(deadline, date):
                self.problem(self.line_of(entry, "deadline"), _l("expected a date: YYYY-MM-DD"),
                             f"{where}.deadline")
                continue
            if year is not None and deadline.year != year:
                self.problem(self.line_of(entry, "deadline"),
                             _l("deadline %(deadline)s is not in %(year)s",
                                deadline=deadline.isoformat(), year=year), f"{where}.deadline")
            categories = self.codes(entry, "staff_categories", STAFF_CATEGORIES, where)
            kinds = self.codes(entry, "unit_kinds", UNIT_KINDS, where) if "unit_kinds" in entry else ()
            weight = self.number(entry, "weight", f"{where}.weight", minimum=0.01,
                                 maximum=100) if "weight" in entry else 1.0
            rules.append(MandatoryRule(course, deadline, categories, kinds, weight))
        return tuple(rules)

    def codes(self, entry: dict, key: str, allowed: tuple[str, ...], where: str) -> tuple[str, ...]:
        values = entry.get(key)
        if not isinstance(values, list) or not values:
            self.problem(self.line_of(entry, key), _l("expected a non-empty list"), f"{where}.{key}")
            return ()
        for index, value in enumerate(values):
            if value not in allowed:
                self.problem(self.line_of(values, index), _l("unknown value '%(value)s'", value=value),
                             f"{where}.{key}[{index}]")
        return tuple(str(value) for value in values)
