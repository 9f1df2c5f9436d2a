from __future__ import annotations

import pytest

from lms.scoring.policy import MAX_MANDATORY, PolicyError, load_default_policy, parse_policy
from tests.scoring.conftest import POLICY


def problems(text: str) -> list[str]:
    with pytest.raises(PolicyError) as error:
        parse_policy(text, "2026.yaml")
    return [str(problem) for problem in error.value.problems]


def test_the_shipped_example_policy_is_valid():
    policy = load_default_policy()
    assert policy.year == 2026 and len(policy.mandatory) == 4
    assert [band.code for band in policy.bands] == ["excellent", "good", "fair", "below"]


def test_problems_are_reported_by_key_and_line_all_at_once():
    found = problems(POLICY.replace("min_indicator: 70", "min_indicator: 170")
                     .replace("rank_by: share_meeting_standard", "rank_by: loudest")
                     .replace("deadline: 2026-06-30", "deadline: 2027-06-30"))
    assert any("[standard.min_indicator]" in p and "out of range" in p for p in found)
    assert any("[units.rank_by]" in p for p in found)
    assert any("2026.yaml:16: deadline 2027-06-30 is not in 2026" in p for p in found)


def test_bands_must_descend_and_end_at_zero():
    found = problems(POLICY.replace("{code: fair, min: 50", "{code: fair, min: 75")
                     .replace("{code: below, min: 0", "{code: below, min: 10"))
    assert any("highest minimum to the lowest" in p for p in found)
    assert any("the last band must start at 0" in p for p in found)


def test_a_date_that_does_not_exist_is_reported_at_its_line():
    found = problems(POLICY.replace("deadline: 2026-06-30", "deadline: 2026-02-30"))
    assert found == ["2026.yaml:16: invalid value: day is out of range for month"]


def test_malformed_yaml_and_missing_keys():
    assert problems("name: [unclosed")[0].startswith("2026.yaml:1: malformed YAML")
    found = problems("name: {vi: A, en: B}\nyear: 2026\n")
    assert {"[points]", "[bands]", "[standard]", "[mandatory]"} <= {p[p.index("["):] for p in found}


def test_more_mandatory_courses_than_a_query_can_join_are_refused():
    rule = ("  - course: course-{number}\n    deadline: 2026-06-30\n"
            "    staff_categories: [can_bo]\n")
    head = POLICY[:POLICY.index("\nmandatory:") + 1]
    allowed = head + "mandatory:\n" + "".join(rule.format(number=n) for n in range(MAX_MANDATORY))
    assert len(parse_policy(allowed, "2026.yaml").mandatory) == MAX_MANDATORY
    found = problems(allowed + rule.format(number=MAX_MANDATORY))
    line = head.count("\n") + 1  # of the mandatory key
    assert found == [f"2026.yaml:{line}: at most {MAX_MANDATORY} mandatory courses, not "
                     f"{MAX_MANDATORY + 1} [mandatory]"]
