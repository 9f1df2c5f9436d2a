from __future__ import annotations

import pytest

from lms.quiz.grading import grade_response, percent
from lms.quiz.models import QuestionType as T


@pytest.mark.parametrize("kind, answer, response, points", [
    (T.SINGLE, "b", "b", 2.0),
    (T.SINGLE, "b", "a", 0.0),
    (T.SINGLE, "b", None, 0.0),
    (T.TRUE_FALSE, False, False, 2.0),
    (T.TRUE_FALSE, False, True, 0.0),
    # multiple: (right ticked - wrong ticked) / right, never below zero
    (T.MULTIPLE, ["a", "c"], ["a", "c"], 2.0),
    (T.MULTIPLE, ["a", "c"], ["a"], 1.0),
    (T.MULTIPLE, ["a", "c"], ["a", "b"], 0.0),
    (T.MULTIPLE, ["a", "c"], ["a", "b", "c", "d"], 0.0),
    (T.MULTIPLE, ["a", "b", "c"], ["a", "b", "d"], round(2 * 1 / 3, 3)),
    (T.MULTIPLE, ["a", "c"], ["b", "d"], 0.0),
    # ordering: share of steps in their right place
    (T.ORDERING, ["x", "y", "z"], ["x", "y", "z"], 2.0),
    (T.ORDERING, ["x", "y", "z"], ["x", "z", "y"], round(2 / 3, 3)),
    (T.ORDERING, ["x", "y", "z"], ["y", "z", "x"], 0.0),
    # matching: share of items paired right
    (T.MATCHING, {"p": "1", "q": "2"}, {"p": "1", "q": "2"}, 2.0),
    (T.MATCHING, {"p": "1", "q": "2"}, {"p": "1", "q": "3"}, 1.0),
    (T.MATCHING, {"p": "1", "q": "2"}, {}, 0.0),
])
def test_scoring_rules(kind, answer, response, points):
    assert grade_response(kind, answer, 2.0, response) == points


def test_malformed_responses_earn_nothing():
    assert grade_response(T.MULTIPLE, ["a"], 1, "a") == 0.0
    assert grade_response(T.ORDERING, ["a", "b"], 1, {"a": 1}) == 0.0
    assert grade_response(T.MATCHING, {"p": "1"}, 1, ["1"]) == 0.0


def test_percent_is_rounded_to_two_decimals():
    assert percent(2, 3) == 66.67
    assert percent(0, 0) == 0.0
