"""Turn a submitted quiz form into responses, accepting only values the attempt showed."""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from lms.quiz.models import AttemptItem, QuestionType


def field_name(item: AttemptItem, sub: str | None = None) -> str:
    return f"q{item.position}" + (f"-{sub}" if sub else "")


def parse_item(item: AttemptItem, form: MultiDict) -> Any:
    kind = item.question_version.type
    options = item.option_order
    if kind is QuestionType.SINGLE:
        value = form.get(field_name(item))
        return value if value in options else None
    if kind is QuestionType.TRUE_FALSE:
        value = form.get(field_name(item))
        return {"true": True, "false": False}.get(value or "")
    if kind is QuestionType.MULTIPLE:
        chosen = set(form.getlist(field_name(item)))
        picked = [option for option in options if option in chosen]
        return picked or None
    if kind is QuestionType.ORDERING:
        ranks = {}
        for option in options:
            raw = form.get(field_name(item, option), "")
            if raw.isdigit() and 1 <= int(raw) <= len(options):
                ranks[option] = int(raw)
        if not ranks:
            return None
        # Unranked options go last; ties keep the order in which they were shown.
        return sorted(options, key=lambda option: (ranks.get(option, len(options) + 1),
                                                   options.index(option)))
    if kind is QuestionType.MATCHING:
        pairs = {}
        for matched in item.item_order:
            value = form.get(field_name(item, matched))
            if value in options:
                pairs[matched] = value
        return pairs or None
    raise ValueError(f"unknown question type {kind}")


def parse_responses(items: list[AttemptItem], form: MultiDict) -> dict[int, Any]:
    return {item.position: parse_item(item, form) for item in items}
