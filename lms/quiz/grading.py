"""Grading, as plain functions. The rules are documented in docs/course-format.md."""

from __future__ import annotations

from typing import Any

from lms.quiz.models import QuestionType


def _fraction(kind: QuestionType, answer: Any, response: Any) -> float:
    """Share of the question's points earned, from 0.0 to 1.0."""
    if response is None:
        return 0.0
    if kind in (QuestionType.SINGLE, QuestionType.TRUE_FALSE):
        return 1.0 if response == answer else 0.0
    if kind is QuestionType.MULTIPLE:
        if not isinstance(response, list):
            return 0.0
        chosen = set(response)
        right = set(answer)
        return max(0.0, (len(chosen & right) - len(chosen - right)) / len(right))
    if kind is QuestionType.ORDERING:
        if not isinstance(response, list):
            return 0.0
        placed = sum(1 for position, option in enumerate(answer)
                     if position < len(response) and response[position] == option)
        return placed / len(answer)
    if kind is QuestionType.MATCHING:
        if not isinstance(response, dict):
            return 0.0
        return sum(1 for item, option in answer.items() if response.get(item) == option) / len(answer)
    raise ValueError(f"unknown question type {kind}")


def grade_response(kind: QuestionType, answer: Any, points: float, response: Any) -> float:
    """Points earned for one response, rounded to three decimals."""
    return round(points * _fraction(kind, answer, response), 3)


def percent(points: float, max_points: float) -> float:
    return round(points / max_points * 100, 2) if max_points else 0.0


def is_correct(kind: QuestionType, answer: Any, response: Any) -> bool:
    return _fraction(kind, answer, response) == 1.0
