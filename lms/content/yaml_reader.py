"""Checking YAML files written by people: every problem collected with its file, line and key.

Course folders (``lms.content.loader``) and scoring policies (``lms.scoring.policy``) are both
read with :class:`YamlReader`, so they report problems the same way. A problem's message is
translated lazily: it reads in the language in force when it is shown (the user's on a page,
the default or ``--lang`` in the CLI; English, the msgid, outside any app context).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from markupsafe import Markup, escape
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

LOCALES = ("vi", "en")
MISSING_TEXT = {"vi": _l("missing Vietnamese text"), "en": _l("missing English text")}

Text = dict[str, str]


class Message(LazyString):
    """A problem's sentence, translated (``str()``) into the language in force each time it is shown.

    flask_babel's lazy strings give themselves to Jinja as markup, unescaped; a problem quotes
    what the file says (a key, a value), so this one is escaped like any other text."""

    def __init__(self, message: str | LazyString) -> None:
        super().__init__(str, message)

    def __html__(self) -> Markup:
        return escape(str(self))


@dataclass(frozen=True)
class Problem:
    path: str
    line: int | None
    message: str | LazyString  # kept as a Message (see __post_init__)
    key: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.message, Message):
            object.__setattr__(self, "message", Message(self.message))

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {str(self.message)}" + (f" [{self.key}]" if self.key else "")

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.path, "line": self.line, "key": self.key, "message": str(self.message)}


def sorted_problems(problems: list[Problem]) -> list[Problem]:
    """By file, then line (problems of a whole file first), then message as it reads now."""
    return sorted(problems, key=lambda p: (p.path, p.line or 0, str(p.message), p.key or ""))


class YamlReader:
    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    # -- reporting -------------------------------------------------------------------------

    def problem(self, line: int | None, message: str | LazyString, key: str | None = None,
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
                         _l("malformed YAML: %(error)s", error=str(error.problem or error.context)))
        except YAMLError as error:
            self.problem(None, _l("malformed YAML: %(error)s", error=str(error)))
        except ValueError as error:  # e.g. a date that does not exist: 2026-02-30
            self.problem(_line_of_bad_date(text), _l("invalid value: %(error)s", error=str(error)))
        return None

    def mapping(self, node: Any, where: str, allowed: set[str], required: set[str],
                line: int | None) -> CommentedMap | None:
        if not isinstance(node, dict):
            self.problem(line, _l("expected a mapping (key: value lines)"), where or None)
            return None
        for key in node:
            if key not in allowed:
                self.problem(self.line_of(node, key), _l("unknown key '%(key)s'", key=key),
                             f"{where}.{key}" if where else str(key))
        for key in sorted(required - set(node)):
            self.problem(self.line_of(node), _l("missing key '%(key)s'", key=key),
                         f"{where}.{key}" if where else key)
        return node

    def text(self, node: Any, key: str, where: str) -> Text:
        """A {vi:, en:} text: both present and non-empty."""
        value = node.get(key) if isinstance(node, dict) else None
        line = self.line_of(node, key)
        if not isinstance(value, dict):
            self.problem(line, _l("expected Vietnamese and English text (vi: …, en: …)"), where)
            return {}
        return self.translations(value, where, line)

    def translations(self, value: dict, where: str, line: int | None) -> Text:
        result: Text = {}
        for locale in LOCALES:
            raw = value.get(locale)
            if not isinstance(raw, str) or not raw.strip():
                self.problem(self.line_of(value, locale) or line,
                             MISSING_TEXT[locale], f"{where}.{locale}")
            else:
                result[locale] = raw.strip()
        for extra in set(value) - set(LOCALES):
            self.problem(self.line_of(value, extra),
                         _l("unknown language '%(language)s'", language=extra), where)
        return result

    def integer(self, node: dict, key: str, where: str, *, minimum: int,
                maximum: int | None = None, nullable: bool = False) -> int | None:
        value = node.get(key)
        line = self.line_of(node, key)
        if value is None and nullable:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(line, _l("expected a whole number or null") if nullable
                         else _l("expected a whole number"), where)
            return None
        if value < minimum or (maximum is not None and value > maximum):
            self.problem(line, out_of_range(value, minimum, maximum), where)
            return None
        return value

    def boolean(self, node: dict, key: str, where: str, default: bool) -> bool:
        value = node.get(key, default)
        if not isinstance(value, bool):
            self.problem(self.line_of(node, key), _l("expected true or false"), where)
            return default
        return value


def out_of_range(value: object, minimum: object, maximum: object | None) -> LazyString:
    if maximum is None:
        return _l("%(value)s is out of range: use a number at least %(minimum)s",
                  value=value, minimum=minimum)
    return _l("%(value)s is out of range: use a number from %(minimum)s to %(maximum)s",
              value=value, minimum=minimum, maximum=maximum)


def _line_of_bad_date(text: str) -> int | None:
    """The first line holding a date that does not exist (ruamel reports no position)."""
    for number, line in enumerate(text.splitlines(), start=1):
        for year, month, day in re.findall(r"\b(\d{4})-(\d{2})-(\d{2})\b", line):
            try:
                date(int(year), int(month), int(day))
            except ValueError:
                return number
    return None
