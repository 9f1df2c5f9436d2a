"""Checking YAML files written by people: every problem collected with its file, line and key.

Course folders (``lms.content.loader``) and scoring policies (``lms.scoring.policy``) are both
read with :class:`YamlReader`, so they report problems the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

LOCALES = ("vi", "en")
LOCALE_NAMES = {"vi": "Vietnamese", "en": "English"}

Text = dict[str, str]


@dataclass(frozen=True)
class Problem:
    path: str
    line: int | None
    message: str
    key: str | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}" + (f" [{self.key}]" if self.key else "")

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.path, "line": self.line, "key": self.key, "message": self.message}


def sorted_problems(problems: list[Problem]) -> list[Problem]:
    """By file, then line (problems of a whole file first), then message."""
    return sorted(problems, key=lambda p: (p.path, p.line or 0, p.message, p.key or ""))


class YamlReader:
    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    # -- reporting -------------------------------------------------------------------------

    def problem(self, line: int | None, message: str, key: str | None = None,
                file: str | None = None) -> None:
        self.problems.append(Problem(file or self.file, line, message, key))

    @staticmethod
    def line_of(node: Any, key: Any = None) -> int | None:
        """1-based line of ``node[key]`` (or of ``node``) in its YAML file."""
        try:
            if key is None:
                return node.lc.line + 1
            if isinstance(node, CommentedMap):
                return node.lc.key(key)[0] + 1
            if isinstance(node, CommentedSeq):
                return node.lc.item(key)[0] + 1
        except (AttributeError, KeyError, IndexError, TypeError):
            return None
        return None

    # -- values ----------------------------------------------------------------------------

    def parse(self, text: str) -> Any:
        """The YAML document, or None with the syntax error reported at its line."""
        try:
            return YAML(typ="rt").load(text)
        except MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            self.problem(mark.line + 1 if mark else None,
                         f"malformed YAML: {error.problem or error.context}")
        except YAMLError as error:
            self.problem(None, f"malformed YAML: {error}")
        except ValueError as error:  # e.g. a date that does not exist: 2026-02-30
            self.problem(_line_of_bad_date(text), f"invalid value: {error}")
        return None

    def mapping(self, node: Any, where: str, allowed: set[str], required: set[str],
                line: int | None) -> CommentedMap | None:
        if not isinstance(node, dict):
            self.problem(line, "expected a mapping (key: value lines)", where or None)
            return None
        for key in node:
            if key not in allowed:
                self.problem(self.line_of(node, key), f"unknown key '{key}'",
                             f"{where}.{key}" if where else str(key))
        for key in sorted(required - set(node)):
            self.problem(self.line_of(node), f"missing key '{key}'",
                         f"{where}.{key}" if where else key)
        return node

    def text(self, node: Any, key: str, where: str) -> Text:
        """A {vi:, en:} text: both present and non-empty."""
        value = node.get(key) if isinstance(node, dict) else None
        line = self.line_of(node, key)
        if not isinstance(value, dict):
            self.problem(line, "expected Vietnamese and English text (vi: …, en: …)", where)
            return {}
        return self.translations(value, where, line)

    def translations(self, value: dict, where: str, line: int | None) -> Text:
        result: Text = {}
        for locale in LOCALES:
            raw = value.get(locale)
            if not isinstance(raw, str) or not raw.strip():
                self.problem(self.line_of(value, locale) or line,
                             f"missing {LOCALE_NAMES[locale]} text", f"{where}.{locale}")
            else:
                result[locale] = raw.strip()
        for extra in set(value) - set(LOCALES):
            self.problem(self.line_of(value, extra), f"unknown language '{extra}'", where)
        return result

    def integer(self, node: dict, key: str, where: str, *, minimum: int,
                maximum: int | None = None, nullable: bool = False) -> int | None:
        value = node.get(key)
        line = self.line_of(node, key)
        if value is None and nullable:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(line, "expected a whole number" + (" or null" if nullable else ""), where)
            return None
        if value < minimum or (maximum is not None and value > maximum):
            bound = f"from {minimum} to {maximum}" if maximum is not None else f"at least {minimum}"
            self.problem(line, f"{value} is out of range: use a number {bound}", where)
            return None
        return value

    def boolean(self, node: dict, key: str, where: str, default: bool) -> bool:
        value = node.get(key, default)
        if not isinstance(value, bool):
            self.problem(self.line_of(node, key), "expected true or false", where)
            return default
        return value


def _line_of_bad_date(text: str) -> int | None:
    """The first line holding a date that does not exist (ruamel reports no position)."""
    for number, line in enumerate(text.splitlines(), start=1):
        for year, month, day in re.findall(r"\b(\d{4})-(\d{2})-(\d{2})\b", line):
            try:
                date(int(year), int(month), int(day))
            except ValueError:
                return number
    return None
