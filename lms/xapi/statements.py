"""xAPI 1.0.3 statements for the platform's learning events, as plain functions of the rows.

What the LRS learns and how it is named:

- **Actor**: an ``account`` whose ``homePage`` is the platform's base URL and whose ``name``
  is ``official-<id>``. No name, e-mail or employee code leaves the platform: the LRS holds
  pseudonymous records, and only this platform's database links them to a person.
- **Activities**: ``<base>/xapi/activities/courses/<slug>`` (a course), ``…/<slug>/quiz`` (its
  quiz, an assessment) and ``…/<slug>/questions/<question id>`` (a question, a
  ``cmi.interaction``). Slugs and question ids never change once published
  (docs/course-format.md), so neither do activity ids.
- **Statement ids** are UUID 5 of the event (``graded/<attempt>``, ...) in a namespace derived
  from the base URL: the same event always gets the same id, so queuing or sending it again
  can never store it twice, and two platforms sharing an LRS never collide.
- **Registration**: one UUID per quiz attempt, derived from the attempt's public id, ties the
  attempted, answered and passed/failed statements of one attempt together.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from lms.learning.models import Course, CourseCompletion, CourseVersion
from lms.quiz.grading import is_correct
from lms.quiz.models import AttemptItem, QuestionType, QuestionVersion, QuizAttempt

ADL_VERBS = "http://adlnet.gov/expapi/verbs/"
ADL_ACTIVITIES = "http://adlnet.gov/expapi/activities/"
COURSE_TYPE = ADL_ACTIVITIES + "course"
ASSESSMENT_TYPE = ADL_ACTIVITIES + "assessment"
INTERACTION_TYPE = ADL_ACTIVITIES + "cmi.interaction"

VI, EN = "vi-VN", "en-US"

# verb -> (Vietnamese display, English display)
VERBS: dict[str, tuple[str, str]] = {
    "attempted": ("bắt đầu làm bài", "attempted"),
    "answered": ("trả lời", "answered"),
    "passed": ("đạt", "passed"),
    "failed": ("không đạt", "failed"),
    "completed": ("hoàn thành", "completed"),
}

INTERACTION_TYPES = {
    QuestionType.SINGLE: "choice",
    QuestionType.MULTIPLE: "choice",
    QuestionType.TRUE_FALSE: "true-false",
    QuestionType.ORDERING: "sequencing",
    QuestionType.MATCHING: "matching",
}

# Separators of xAPI response patterns (xAPI 1.0.3, Data, "Interaction Activities").
LIST_SEPARATOR = "[,]"
PAIR_SEPARATOR = "[.]"


def timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with millisecond precision, as the LRS stores it."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def duration(span: timedelta) -> str:
    """An ISO 8601 duration such as ``PT1H2M3.5S`` (xAPI keeps 0.01 s precision)."""
    hundredths = max(0, round(span.total_seconds() * 100))
    hours, rest = divmod(hundredths, 360_000)
    minutes, rest = divmod(rest, 6_000)
    seconds = f"{rest // 100}.{rest % 100:02d}".rstrip("0").rstrip(".")
    return "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "") + f"{seconds}S"


def language_map(vi: str, en: str) -> dict[str, str]:
    return {VI: vi, EN: en}


@dataclass(frozen=True)
class Platform:
    """How this platform names things in the LRS; ``base_url`` is ``LMS_XAPI_BASE_URL``."""

    base_url: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))

    @property
    def namespace(self) -> uuid.UUID:
        return uuid.uuid5(uuid.NAMESPACE_URL, f"{self.base_url}/xapi")

    def uuid_for(self, key: str) -> str:
        return str(uuid.uuid5(self.namespace, key))

    def activity_id(self, *parts: str) -> str:
        return f"{self.base_url}/xapi/activities/" + "/".join(quote(part, safe="") for part in parts)

    def extension(self, name: str) -> str:
        return f"{self.base_url}/xapi/extensions/{name}"

    def actor(self, official_id: int) -> dict[str, Any]:
        return {"objectType": "Agent",
                "account": {"homePage": self.base_url, "name": f"official-{official_id}"}}

    def registration(self, attempt: QuizAttempt) -> str:
        return self.uuid_for(f"registration/{attempt.public_id}")

    # Activities ----------------------------------------------------------------------------

    def course_activity(self, course: Course, version: CourseVersion) -> dict[str, Any]:
        return {"objectType": "Activity", "id": self.activity_id("courses", course.slug),
                "definition": {"type": COURSE_TYPE,
                               "name": language_map(version.title_vi, version.title_en)}}

    def quiz_activity(self, course: Course, version: CourseVersion) -> dict[str, Any]:
        return {"objectType": "Activity", "id": self.activity_id("courses", course.slug, "quiz"),
                "definition": {"type": ASSESSMENT_TYPE,
                               "name": language_map(f"Bài kiểm tra: {version.title_vi}",
                                                    f"Quiz: {version.title_en}")}}

    def question_activity(self, course: Course, key: str,
                          question: QuestionVersion) -> dict[str, Any]:
        return {"objectType": "Activity", "id": self.activity_id("courses", course.slug, "questions", key),
                "definition": interaction_definition(question)}

    # Statements ----------------------------------------------------------------------------

    def _statement(self, key: str, official_id: int, verb: str, activity: dict[str, Any],
                   at: datetime, *, result: dict[str, Any] | None = None,
                   context: dict[str, Any] | None = None) -> dict[str, Any]:
        statement: dict[str, Any] = {
            "id": self.uuid_for(key),
            "actor": self.actor(official_id),
            "verb": {"id": ADL_VERBS + verb, "display": language_map(*VERBS[verb])},
            "object": activity,
        }
        if result is not None:
            statement["result"] = result
        if context is not None:
            statement["context"] = context
        statement["timestamp"] = timestamp(at)
        return statement

    def _attempt_context(self, attempt: QuizAttempt, parent: dict[str, Any],
                         grouping: dict[str, Any] | None = None) -> dict[str, Any]:
        activities: dict[str, Any] = {"parent": [_reference(parent)]}
        if grouping is not None:
            activities["grouping"] = [_reference(grouping)]
        return {
            "registration": self.registration(attempt),
            "contextActivities": activities,
            "extensions": {self.extension("attempt-number"): attempt.number,
                           self.extension("course-version"): attempt.course_version.label},
        }

    def attempted(self, attempt: QuizAttempt) -> dict[str, Any]:
        course, version = attempt.course, attempt.course_version
        return self._statement(
            f"attempted/{attempt.public_id}", attempt.official_id, "attempted",
            self.quiz_activity(course, version), attempt.started_at,
            context=self._attempt_context(attempt, self.course_activity(course, version)))

    def answered(self, attempt: QuizAttempt, question_keys: dict[int, str]) -> list[dict[str, Any]]:
        """One statement per question the learner answered (unanswered ones say nothing).

        ``question_keys`` maps question version ids to the questions' stable ids.
        """
        assert attempt.submitted_at is not None
        course, version = attempt.course, attempt.course_version
        quiz = self.quiz_activity(course, version)
        context = self._attempt_context(attempt, quiz, grouping=self.course_activity(course, version))
        statements = []
        for item in attempt.items:
            if item.response is None:
                continue
            question = item.question_version
            statements.append(self._statement(
                f"answered/{attempt.public_id}/{item.position}", attempt.official_id, "answered",
                self.question_activity(course, question_keys[question.id], question),
                attempt.submitted_at, result=_item_result(item), context=context))
        return statements

    def graded(self, attempt: QuizAttempt) -> dict[str, Any]:
        """``passed`` or ``failed``, with the score and the time the learner spent."""
        assert attempt.submitted_at is not None and attempt.passed is not None
        course, version = attempt.course, attempt.course_version
        result: dict[str, Any] = {"success": attempt.passed, "completion": True,
                                  "duration": duration(_time_spent(attempt)),
                                  "extensions": {self.extension("late"): attempt.late}}
        if attempt.max_points > 0:
            result["score"] = {"scaled": round((attempt.percent or 0.0) / 100, 4),
                               "raw": attempt.points or 0.0, "min": 0.0, "max": attempt.max_points}
        return self._statement(
            f"graded/{attempt.public_id}", attempt.official_id,
            "passed" if attempt.passed else "failed", self.quiz_activity(course, version),
            attempt.submitted_at, result=result,
            context=self._attempt_context(attempt, self.course_activity(course, version)))

    def completed(self, completion: CourseCompletion, course: Course, version: CourseVersion,
                  passing_attempt: QuizAttempt) -> dict[str, Any]:
        """The course is completed: required lessons done and the quiz passed (written once)."""
        return self._statement(
            f"completed/{completion.official_id}/{course.slug}", completion.official_id, "completed",
            self.course_activity(course, version), completion.completed_at,
            result={"completion": True, "success": True,
                    "score": {"scaled": round(completion.percent / 100, 4)}},
            # The statement of the attempt that earned the completion.
            context={"statement": {"objectType": "StatementRef",
                                   "id": self.uuid_for(f"graded/{passing_attempt.public_id}")}})


def _reference(activity: dict[str, Any]) -> dict[str, Any]:
    return {"objectType": "Activity", "id": activity["id"]}


def _time_spent(attempt: QuizAttempt) -> timedelta:
    """Start to submission; an attempt finished for the learner after its time ran out counts
    up to its deadline, not up to the moment it was graded."""
    end = attempt.submitted_at
    assert end is not None
    if attempt.deadline_at is not None and end > attempt.deadline_at:
        end = attempt.deadline_at
    return end - attempt.started_at


def _components(choices: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"id": str(choice["id"]),
             "description": language_map(choice["text"]["vi"], choice["text"]["en"])}
            for choice in choices]


def response_pattern(kind: QuestionType, value: Any) -> str:
    """A response (or right answer) in xAPI's notation for the interaction type."""
    if kind is QuestionType.TRUE_FALSE:
        return "true" if value else "false"
    if kind is QuestionType.SINGLE:
        return str(value)
    if kind is QuestionType.MATCHING:
        return LIST_SEPARATOR.join(f"{source}{PAIR_SEPARATOR}{target}" for source, target in value.items())
    return LIST_SEPARATOR.join(str(option) for option in value)


def interaction_definition(question: QuestionVersion) -> dict[str, Any]:
    content = question.content
    definition: dict[str, Any] = {
        "type": INTERACTION_TYPE,
        "name": language_map(content["text"]["vi"], content["text"]["en"]),
        "interactionType": INTERACTION_TYPES[question.type],
        "correctResponsesPattern": [response_pattern(question.type, question.answer)],
    }
    if question.type is QuestionType.MATCHING:
        definition["source"] = _components(content["items"])
        definition["target"] = _components(content["options"])
    elif question.type is not QuestionType.TRUE_FALSE:
        definition["choices"] = _components(content["options"])
    return definition


def _item_result(item: AttemptItem) -> dict[str, Any]:
    question = item.question_version
    result: dict[str, Any] = {
        "response": response_pattern(question.type, item.response),
        "success": is_correct(question.type, question.answer, item.response),
    }
    if item.max_points > 0:
        points = item.points or 0.0
        result["score"] = {"scaled": round(points / item.max_points, 4), "raw": points,
                           "min": 0.0, "max": item.max_points}
    return result
