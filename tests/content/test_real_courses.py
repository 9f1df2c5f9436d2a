"""The real courses under courses/: they check clean and meet the content minimums."""

from __future__ import annotations

import pytest

from lms.config import REPO_ROOT
from lms.content.loader import LOCALES, QUESTION_TYPES, find_course_folders, load_course

COURSES = REPO_ROOT / "courses"
CITIZEN_COURSE = "citizen-digital-skills"
EXPECTED = {"online-public-services", "e-signatures", "ai-basics", "digital-citizenship",
            CITIZEN_COURSE}


def test_all_five_courses_are_there():
    assert {folder.name for folder in find_course_folders(COURSES)} == EXPECTED


@pytest.fixture(scope="module", params=sorted(EXPECTED))
def report(request):
    return load_course(COURSES / request.param, base=COURSES)


def test_course_checks_clean(report):
    assert [str(problem) for problem in report.problems] == []


def test_course_meets_the_minimums(report):
    spec = report.spec
    assert spec is not None
    citizen = spec.slug == CITIZEN_COURSE
    assert len(spec.lessons) >= 5
    assert len(spec.questions) >= (20 if citizen else 40)
    assert {question.type for question in spec.questions} == set(QUESTION_TYPES)
    assert 10 <= spec.quiz.draw <= 20
    assert spec.quiz.pass_mark >= 60
    assert spec.sources, "a course lists what it relies on"
    for lesson in spec.lessons:
        assert lesson.competences, f"{spec.slug}/{lesson.id} maps to no competence"
        for locale in LOCALES:
            assert lesson.title.get(locale) and lesson.html.get(locale)
    for question in spec.questions:
        for locale in LOCALES:
            assert question.text.get(locale), question.id
            assert question.explanation.get(locale), f"{question.id} has no {locale} explanation"


def test_courses_map_to_the_frameworks_they_promise(report):
    spec = report.spec
    frameworks = {c["framework"] for lesson in spec.lessons for c in lesson.competences}
    assert "digcomp-2.2" in frameworks
    if spec.slug == "ai-basics":
        assert "unesco-ai-2024" in frameworks
    if spec.slug == CITIZEN_COURSE:
        domains = {c["code"] for lesson in spec.lessons for c in lesson.competences
                   if c["framework"] == "tt-02-2025"}
        assert len(domains) == 6  # the six domains of Thông tư 02/2025/TT-BGDĐT
