"""Read a course folder into a :class:`CourseSpec`, collecting every problem with file and line.

The format is described in ``docs/course-format.md``. Nothing here touches the database:
``lms courses check`` uses it to report, ``lms courses sync`` to load.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from lms.content import markdown
from lms.content.yaml_reader import LOCALES, Problem, Text, YamlReader, sorted_problems

QUESTION_TYPES = ("single", "multiple", "true_false", "ordering", "matching")
REVEAL_MODES = ("after_each_attempt", "after_passing", "never")
FRAMEWORKS = ("digcomp-2.2", "qd-757-2025", "tt-02-2025", "unesco-ai-2024")
STAFF_CATEGORIES = ("can_bo", "cong_chuc", "vien_chuc", "nguoi_lao_dong", "hoc_sinh", "nguoi_dan")
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
READING_WORDS_PER_MINUTE = 180




@dataclass(frozen=True)
class Choice:
    id: str
    text: Text


@dataclass(frozen=True)
class QuestionSpec:
    id: str
    type: str
    points: float
    text: Text
    options: tuple[Choice, ...]
    items: tuple[Choice, ...]
    answer: Any
    explanation: Text

    def content(self) -> dict[str, Any]:
        """What a learner sees (never the answer): stored per question version."""
        return {
            "text": self.text,
            "options": [{"id": c.id, "text": c.text} for c in self.options],
            "items": [{"id": c.id, "text": c.text} for c in self.items],
            "explanation": self.explanation,
        }


@dataclass(frozen=True)
class LessonSpec:
    id: str
    required: bool
    competences: tuple[dict[str, str], ...]
    title: Text
    html: Text
    minutes: int


@dataclass(frozen=True)
class QuizSpec:
    draw: int
    pass_mark: float
    max_attempts: int | None
    time_limit_minutes: int | None
    shuffle_questions: bool
    shuffle_options: bool
    reveal: str
    require_lessons: bool


@dataclass(frozen=True)
class CourseSpec:
    slug: str
    version: str
    content_hash: str
    title: Text
    description: Text
    estimated_minutes: int
    audience: tuple[str, ...]
    competences: tuple[dict[str, str], ...]
    sources: tuple[Text, ...]
    lessons: tuple[LessonSpec, ...]
    questions: tuple[QuestionSpec, ...]
    quiz: QuizSpec
    folder: Path = field(compare=False)


@dataclass
class CourseReport:
    folder: Path
    spec: CourseSpec | None
    problems: list[Problem]


def content_hash(folder: Path) -> str:
    """A hash of every file in the course folder: the same files give the same version."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def find_course_folders(root: Path) -> list[Path]:
    """A course folder itself, or every folder below ``root`` that holds a course.yaml."""
    if (root / "course.yaml").is_file():
        return [root]
    return sorted(path.parent for path in root.glob("*/course.yaml"))


def load_courses(root: Path) -> list[CourseReport]:
    return [load_course(folder, base=root) for folder in find_course_folders(root)]


def load_course(folder: Path, base: Path | None = None) -> CourseReport:
    reader = _CourseReader(folder, base or folder.parent)
    spec = reader.read()
    return CourseReport(folder, spec if not reader.problems else None, sorted_problems(reader.problems))


class _CourseReader(YamlReader):
    def __init__(self, folder: Path, base: Path) -> None:
        super().__init__("")
        self.folder = folder
        self.base = base if folder.is_relative_to(base) else folder.parent

    def rel(self, path: Path) -> str:
        return path.relative_to(self.base).as_posix() if path.is_relative_to(self.base) else str(path)

    def load_yaml(self, name: str) -> Any:
        path = self.folder / name
        self.file = self.rel(path)
        if not path.is_file():
            self.problem(None, _l("missing file %(name)s", name=name))
            return None
        try:
            return self.parse(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            self.problem(None, _l("not UTF-8 text"))
            return None


    def competences(self, node: Any, where: str) -> tuple[dict[str, str], ...]:
        if node is None:
            return ()
        if not isinstance(node, list):
            self.problem(self.line_of(node), _l("expected a list of {framework, code}"), where)
            return ()
        result = []
        for index, entry in enumerate(node):
            here = f"{where}[{index}]"
            entry = self.mapping(entry, here, {"framework", "code"}, {"framework", "code"},
                                 self.line_of(node, index))
            if entry is None:
                continue
            framework, code = entry.get("framework"), entry.get("code")
            if framework not in FRAMEWORKS:
                self.problem(self.line_of(entry, "framework"),
                             _l("unknown framework '%(framework)s' (use one of %(choices)s)",
                                framework=framework, choices=", ".join(FRAMEWORKS)), here)
            elif code is None or not str(code).strip():
                self.problem(self.line_of(entry, "code"), _l("missing competence code"), here)
            else:
                result.append({"framework": framework, "code": str(code).strip()})
        return tuple(result)

    # -- the course ------------------------------------------------------------------------

    def read(self) -> CourseSpec | None:
        course = self.load_yaml("course.yaml")
        course_file = self.file
        lessons: tuple[LessonSpec, ...] = ()
        quiz_node = None
        spec_fields: dict[str, Any] = {}
        if course is not None:
            course = self.mapping(
                course, "",
                {"slug", "version", "title", "description", "estimated_minutes", "audience",
                 "competences", "sources", "lessons", "quiz"},
                {"slug", "version", "title", "description", "estimated_minutes", "audience",
                 "lessons", "quiz"},
                1,
            )
        if course is not None:
            spec_fields = self.course_fields(course)
            lessons = self.lessons(course.get("lessons"), course_file)
            quiz_node = course.get("quiz")
        questions = self.questions()
        self.file = course_file
        quiz = self.quiz(quiz_node, course, len(questions)) if course is not None else None
        if self.problems or quiz is None:
            return None
        return CourseSpec(content_hash=content_hash(self.folder), lessons=lessons,
                          questions=questions, quiz=quiz, folder=self.folder, **spec_fields)

    def course_fields(self, course: CommentedMap) -> dict[str, Any]:
        slug = course.get("slug")
        if not isinstance(slug, str) or not SLUG_PATTERN.match(slug):
            self.problem(self.line_of(course, "slug"),
                         _l("slug must be lowercase letters, digits and dashes"), "slug")
        elif slug != self.folder.name:
            self.problem(self.line_of(course, "slug"),
                         _l("slug '%(slug)s' differs from the folder name '%(folder)s'",
                            slug=slug, folder=self.folder.name), "slug")
        audience = course.get("audience")
        if not isinstance(audience, list) or not audience:
            self.problem(self.line_of(course, "audience"), _l("expected a list of staff categories"),
                         "audience")
            audience = []
        for index, category in enumerate(audience):
            if category not in STAFF_CATEGORIES:
                self.problem(self.line_of(audience, index),
                             _l("unknown staff category '%(category)s'", category=category),
                             f"audience[{index}]")
        sources = course.get("sources") or []
        if not isinstance(sources, list):
            self.problem(self.line_of(course, "sources"), _l("expected a list of texts"), "sources")
            sources = []
        return {
            "slug": slug,
            "version": str(course.get("version", "")),
            "title": self.text(course, "title", "title"),
            "description": self.text(course, "description", "description"),
            "estimated_minutes": self.integer(course, "estimated_minutes", "estimated_minutes",
                                              minimum=1),
            "audience": tuple(audience),
            "competences": self.competences(course.get("competences"), "competences"),
            "sources": tuple(
                self.translations(source, f"sources[{index}]", self.line_of(sources, index))
                if isinstance(source, dict) else self._bad_source(sources, index)
                for index, source in enumerate(sources)
            ),
        }

    def _bad_source(self, sources: CommentedSeq, index: int) -> Text:
        self.problem(self.line_of(sources, index), _l("expected vi: and en: text"),
                     f"sources[{index}]")
        return {}

    def lessons(self, node: Any, course_file: str) -> tuple[LessonSpec, ...]:
        if not isinstance(node, list) or not node:
            self.problem(self.line_of(node) if node is not None else None,
                         _l("expected a list of lessons"), "lessons")
            return ()
        entries: list[tuple[str, bool, tuple[dict[str, str], ...], int | None]] = []
        seen: set[str] = set()
        for index, entry in enumerate(node):
            here = f"lessons[{index}]"
            line = self.line_of(node, index)
            entry = self.mapping(entry, here, {"id", "required", "competences"}, {"id"}, line)
            if entry is None:
                continue
            lesson_id = entry.get("id")
            if not isinstance(lesson_id, str) or not ID_PATTERN.match(lesson_id):
                self.problem(self.line_of(entry, "id"), _l("lesson id must be lowercase letters, "
                             "digits, dashes or underscores"), f"{here}.id")
                continue
            if lesson_id in seen:
                self.problem(self.line_of(entry, "id"), _l("duplicate lesson id '%(id)s'", id=lesson_id),
                             f"{here}.id")
                continue
            seen.add(lesson_id)
            entries.append((lesson_id, self.boolean(entry, "required", here, True),
                            self.competences(entry.get("competences"), f"{here}.competences"),
                            self.line_of(entry, "id")))
        lessons = []
        for lesson_id, required, competences, line in entries:
            lesson = self.lesson_files(lesson_id, required, competences, seen, course_file, line)
            if lesson is not None:
                lessons.append(lesson)
        self.file = course_file
        return tuple(lessons)

    def lesson_files(self, lesson_id: str, required: bool, competences, lesson_ids: set[str],
                     course_file: str, line: int | None) -> LessonSpec | None:
        titles: Text = {}
        html: Text = {}
        words = 0
        for locale in LOCALES:
            path = self.folder / "lessons" / f"{lesson_id}.{locale}.md"
            self.file = self.rel(path)
            if not path.is_file():
                name = f"lessons/{lesson_id}.{locale}.md"
                self.problem(line, _l("missing Vietnamese lesson file %(file)s", file=name)
                             if locale == "vi" else _l("missing English lesson file %(file)s", file=name),
                             f"lessons.{lesson_id}", file=course_file)
                continue
            try:
                source = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                self.problem(None, _l("not UTF-8 text"))
                continue
            title, body, offset = markdown.split_title(source)
            if not title:
                self.problem(1, _l("the first line must be the lesson title: '# Title'"))
                continue
            if not body.strip():
                self.problem(2, _l("the lesson has no text after its title"))
            references, raw = markdown.inspect(body, offset)
            for reference in references:
                self.check_reference(reference, lesson_ids)
            for fragment in raw:
                self.problem(fragment.line, _raw_html(fragment))
            titles[locale] = title
            html[locale] = markdown.render_lesson(body)
            words = max(words, markdown.word_count(body))
        if len(titles) != len(LOCALES):
            return None
        return LessonSpec(id=lesson_id, required=required, competences=competences, title=titles,
                          html=html, minutes=max(1, round(words / READING_WORDS_PER_MINUTE)))

    def check_reference(self, reference: markdown.Reference, lesson_ids: set[str]) -> None:
        if reference.kind == "lesson" and reference.target not in lesson_ids:
            self.problem(reference.line, _l("link to a lesson that does not exist: lesson:%(id)s",
                                            id=reference.target))
        elif reference.kind == "image":
            target = (self.folder / reference.target).resolve()
            if "://" in reference.target or not target.is_relative_to(self.folder.resolve()):
                self.problem(reference.line, _l("image must be a file in the course folder: %(image)s",
                                                image=reference.target))
            elif not target.is_file():
                self.problem(reference.line, _l("missing image %(image)s", image=reference.target))
            if not reference.alt.strip():
                self.problem(reference.line, _l("image %(image)s has no alt text", image=reference.target))
        elif reference.kind == "link" and reference.target.endswith(".md"):
            self.problem(reference.line, _l("link to a file: use lesson:<id> to link lessons "
                                            "(%(target)s)", target=reference.target))

    # -- questions -------------------------------------------------------------------------

    def questions(self) -> tuple[QuestionSpec, ...]:
        bank = self.load_yaml("questions.yaml")
        if bank is None:
            return ()
        if not isinstance(bank, list) or not bank:
            self.problem(1, _l("expected a list of questions"))
            return ()
        seen: set[str] = set()
        questions = []
        for index, node in enumerate(bank):
            question = self.question(node, index, self.line_of(bank, index), seen)
            if question is not None:
                questions.append(question)
        return tuple(questions)

    def question(self, node: Any, index: int, line: int | None,
                 seen: set[str]) -> QuestionSpec | None:
        where = f"questions[{index}]"
        node = self.mapping(node, where,
                            {"id", "type", "points", "text", "options", "items", "answer",
                             "explanation"},
                            {"id", "type", "text", "answer", "explanation"}, line)
        if node is None:
            return None
        question_id = node.get("id")
        if not isinstance(question_id, str) or not ID_PATTERN.match(question_id):
            self.problem(self.line_of(node, "id"),
                         _l("question id must be lowercase letters, digits, dashes or underscores"),
                         f"{where}.id")
            question_id = None
        elif question_id in seen:
            self.problem(self.line_of(node, "id"),
                         _l("duplicate question id '%(id)s'", id=question_id),
                         f"{where}.id")
        else:
            seen.add(question_id)
        where = f"questions.{question_id}" if question_id else where
        kind = node.get("type")
        if kind not in QUESTION_TYPES:
            self.problem(self.line_of(node, "type"),
                         _l("unknown question type '%(type)s' (use one of %(choices)s)",
                            type=kind, choices=", ".join(QUESTION_TYPES)),
                         f"{where}.type")
            return None
        points = node.get("points", 1)
        if isinstance(points, bool) or not isinstance(points, (int, float)) or points <= 0:
            self.problem(self.line_of(node, "points"), _l("points must be a positive number"),
                         f"{where}.points")
            points = 1
        text = self.text(node, "text", f"{where}.text")
        explanation = self.text(node, "explanation", f"{where}.explanation")
        options = self.choices(node, "options", where, needed=kind != "true_false")
        items = self.choices(node, "items", where, needed=kind == "matching")
        if kind == "true_false" and "options" in node:
            self.problem(self.line_of(node, "options"),
                         _l("a true/false question has no options"), f"{where}.options")
        if kind != "matching" and "items" in node:
            self.problem(self.line_of(node, "items"), _l("only matching questions have items"),
                         f"{where}.items")
        answer = self.answer(node, kind, options, items, where)
        if question_id is None or answer is None:
            return None
        return QuestionSpec(id=question_id, type=kind, points=float(points), text=text,
                            options=options, items=items, answer=answer, explanation=explanation)

    def choices(self, node: CommentedMap, key: str, where: str, *, needed: bool) -> tuple[Choice, ...]:
        value = node.get(key)
        if value is None:
            if needed:
                self.problem(self.line_of(node), _l("missing key '%(key)s'", key=key), f"{where}.{key}")
            return ()
        if not isinstance(value, list) or len(value) < 2:
            self.problem(self.line_of(node, key), _l("%(key)s: expected a list of at least two", key=key),
                         f"{where}.{key}")
            return ()
        result, seen = [], set()
        for index, entry in enumerate(value):
            here = f"{where}.{key}[{index}]"
            entry = self.mapping(entry, here, {"id", *LOCALES}, {"id"},
                                 self.line_of(value, index))
            if entry is None:
                continue
            choice_id = entry.get("id")
            if not isinstance(choice_id, (str, int)) or isinstance(choice_id, bool):
                self.problem(self.line_of(entry, "id"), _l("expected an id"), here)
                continue
            choice_id = str(choice_id)
            if choice_id in seen:
                self.problem(self.line_of(entry, "id"),
                             _l("duplicate id '%(id)s' in %(key)s", id=choice_id, key=key),
                             here)
                continue
            seen.add(choice_id)
            texts = CommentedMap((k, v) for k, v in entry.items() if k != "id")
            texts.lc.data = entry.lc.data  # keep the line numbers of vi:/en:
            result.append(Choice(choice_id, self.translations(texts, here, self.line_of(entry))))
        return tuple(result)

    def answer(self, node: CommentedMap, kind: str, options: tuple[Choice, ...],
               items: tuple[Choice, ...], where: str) -> Any:
        if "answer" not in node:
            return None
        answer = node["answer"]
        line = self.line_of(node, "answer")
        here = f"{where}.answer"
        option_ids = [choice.id for choice in options]
        item_ids = [choice.id for choice in items]

        def missing(ids) -> list[str]:
            return [str(i) for i in ids if str(i) not in option_ids]

        if kind == "true_false":
            if not isinstance(answer, bool):
                self.problem(line, _l("the answer of a true/false question is true or false"), here)
                return None
            return answer
        if kind == "single":
            if isinstance(answer, (list, dict)) or answer is None:
                self.problem(line, _l("the answer of a single-choice question is one option id"), here)
                return None
            if missing([answer]):
                self.problem(line, _l("answer points at a missing option: %(option)s", option=answer), here)
                return None
            return str(answer)
        if kind in ("multiple", "ordering"):
            if not isinstance(answer, list) or not answer:
                self.problem(line, _l("the answer is a list of option ids"), here)
                return None
            answer = [str(value) for value in answer]
            if missing(answer):
                self.problem(line, _l("answer points at missing options: %(options)s",
                                      options=", ".join(missing(answer))), here)
                return None
            if len(set(answer)) != len(answer):
                self.problem(line, _l("the answer lists an option twice"), here)
                return None
            if kind == "ordering" and sorted(answer) != sorted(option_ids):
                self.problem(line, _l("the right order must list every option exactly once"), here)
                return None
            return answer
        # matching
        if not isinstance(answer, dict):
            self.problem(line, _l("the answer of a matching question maps each item id to an option id"),
                         here)
            return None
        answer = {str(key): str(value) for key, value in answer.items()}
        unknown_items = [key for key in answer if key not in item_ids]
        if unknown_items:
            self.problem(line, _l("answer names missing items: %(items)s", items=", ".join(unknown_items)),
                         here)
            return None
        if missing(answer.values()):
            self.problem(line, _l("answer points at missing options: %(options)s",
                                  options=", ".join(missing(answer.values()))), here)
            return None
        unpaired = [item for item in item_ids if item not in answer]
        if unpaired:
            self.problem(line, _l("every item needs its right option; missing: %(items)s",
                                  items=", ".join(unpaired)), here)
            return None
        return answer

    # -- quiz settings ---------------------------------------------------------------------

    def quiz(self, node: Any, course: CommentedMap, bank_size: int) -> QuizSpec | None:
        node = self.mapping(
            node, "quiz",
            {"draw", "pass_mark", "max_attempts", "time_limit_minutes", "shuffle_questions",
             "shuffle_options", "reveal", "require_lessons"},
            {"draw", "pass_mark"},
            self.line_of(course, "quiz"),
        )
        if node is None:
            return None
        draw = self.integer(node, "draw", "quiz.draw", minimum=1)
        if draw is not None and bank_size and draw > bank_size:
            self.problem(self.line_of(node, "draw"),
                         _l("draws %(draw)s questions but the bank has only %(size)s",
                            draw=draw, size=bank_size), "quiz.draw")
        pass_mark = node.get("pass_mark")
        if isinstance(pass_mark, bool) or not isinstance(pass_mark, (int, float)) \
                or not 0 < pass_mark <= 100:
            self.problem(self.line_of(node, "pass_mark"),
                         _l("pass mark %(mark)s is out of range: use a percent above 0, at most 100",
                            mark=pass_mark),
                         "quiz.pass_mark")
            pass_mark = None
        reveal = node.get("reveal", "after_each_attempt")
        if reveal not in REVEAL_MODES:
            self.problem(self.line_of(node, "reveal"),
                         _l("unknown reveal '%(reveal)s' (use one of %(choices)s)",
                            reveal=reveal, choices=", ".join(REVEAL_MODES)),
                         "quiz.reveal")
        spec = QuizSpec(
            draw=draw or 0,
            pass_mark=float(pass_mark or 0),
            max_attempts=self.integer(node, "max_attempts", "quiz.max_attempts", minimum=1,
                                      nullable=True) if "max_attempts" in node else None,
            time_limit_minutes=self.integer(node, "time_limit_minutes", "quiz.time_limit_minutes",
                                            minimum=1, nullable=True)
            if "time_limit_minutes" in node else None,
            shuffle_questions=self.boolean(node, "shuffle_questions", "quiz.shuffle_questions", True),
            shuffle_options=self.boolean(node, "shuffle_options", "quiz.shuffle_options", True),
            reveal=reveal,
            require_lessons=self.boolean(node, "require_lessons", "quiz.require_lessons", True),
        )
        return spec


def _raw_html(fragment: markdown.RawHtml) -> LazyString:
    if fragment.reason == "comment":
        return _l("an HTML comment would be removed by the sanitiser; write Markdown instead")
    if fragment.reason == "tag":
        return _l("raw HTML %(fragment)s would be removed by the sanitiser; write Markdown instead",
                  fragment=fragment.fragment)
    return _l("the attribute in %(fragment)s would be removed by the sanitiser; write Markdown "
              "instead", fragment=fragment.fragment)
