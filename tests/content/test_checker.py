"""The course checker: every kind of problem, with file and line, all in one run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from flask_babel import force_locale
from markupsafe import escape

from lms.content.loader import load_course
from tests.conftest import FIXTURE_COURSES


@pytest.fixture
def course(tmp_path) -> Path:
    """A writable copy of the sample course."""
    target = tmp_path / "courses" / "sample"
    shutil.copytree(FIXTURE_COURSES / "sample", target)
    return target


def edit(path: Path, old: str, new: str) -> int:
    """Replace ``old`` once; return the 1-based line where it stood."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return line


def problems(folder: Path) -> list[str]:
    return [str(problem) for problem in load_course(folder, base=folder.parent).problems]


def test_the_sample_course_is_clean():
    assert problems(FIXTURE_COURSES / "sample") == []


def test_malformed_yaml_names_file_and_line(course):
    line = edit(course / "course.yaml", "estimated_minutes:", "estimated_minutes: [")
    found = problems(course)
    assert len(found) == 1 and found[0].startswith("sample/course.yaml:")
    assert "malformed YAML" in found[0]
    assert abs(int(found[0].split(":")[1]) - line) <= 1


def test_missing_translation(course):
    text = (course / "questions.yaml").read_text(encoding="utf-8")
    marker = "  text:\n    vi:"
    start = text.index(marker) + len("  text:\n")
    english = text.index("    en:", start)
    end = text.index("\n", english) + 1
    line = text[:english].count("\n") + 1
    (course / "questions.yaml").write_text(text[:english] + text[end:], encoding="utf-8")
    found = problems(course)
    assert any(p.startswith("sample/questions.yaml:") and "missing English text" in p
               for p in found), found
    assert any(":" + str(line - 1) + ":" in p or ":" + str(line - 2) + ":" in p for p in found)


def test_missing_lesson_file_for_one_language(course):
    (course / "lessons" / "safety.en.md").unlink()
    assert any("sample/course.yaml:" in p and "missing English lesson file lessons/safety.en.md" in p
               for p in problems(course))


def test_a_problem_reads_in_the_language_in_force_when_shown(app, course):
    (course / "lessons" / "safety.en.md").unlink()
    edit(course / "course.yaml", "draw: 5", "draw: 5\n  <b>: 1")
    found = load_course(course, base=course.parent).problems  # read once, shown three ways
    (missing,) = [p for p in found if p.key == "lessons.safety"]
    (unknown,) = [p for p in found if p.key == "quiz.<b>"]
    assert "missing English lesson file lessons/safety.en.md" in str(missing)  # no app: the msgid
    with app.app_context():
        with force_locale("vi"):
            assert str(missing).endswith(": thiếu tệp bài học tiếng Anh lessons/safety.en.md "
                                         "[lessons.safety]")
            assert unknown.as_dict()["message"] == "khóa '<b>' không được hỗ trợ"
            assert type(unknown.as_dict()["message"]) is str
            # On a page the quoted key is text, not markup.
            assert escape(unknown.message) == "khóa &#39;&lt;b&gt;&#39; không được hỗ trợ"
        with force_locale("en"):
            assert "missing English lesson file lessons/safety.en.md" in str(missing)
            assert unknown.message == "unknown key '<b>'"


def test_duplicate_ids(course):
    text = (course / "questions.yaml").read_text(encoding="utf-8")
    (course / "questions.yaml").write_text(text.replace("id: sample-single-2", "id: sample-single"),
                                           encoding="utf-8")
    line = text[: text.index("id: sample-single-2")].count("\n") + 1
    assert f"sample/questions.yaml:{line}: duplicate question id 'sample-single' [questions[5].id]" \
        in problems(course)


def test_answer_pointing_at_a_missing_option(course):
    line = edit(course / "questions.yaml", "answer: b", "answer: z")
    assert any(p.startswith(f"sample/questions.yaml:{line}:")
               and "answer points at a missing option: z" in p for p in problems(course))


def test_draw_larger_than_the_bank(course):
    line = edit(course / "course.yaml", "draw: 5", "draw: 50")
    assert f"sample/course.yaml:{line}: draws 50 questions but the bank has only 6 [quiz.draw]" \
        in problems(course)


@pytest.mark.parametrize("mark", ["0", "120", "high"])
def test_pass_mark_out_of_range(course, mark):
    line = edit(course / "course.yaml", "pass_mark: 60", f"pass_mark: {mark}")
    assert any(p.startswith(f"sample/course.yaml:{line}:") and "pass mark" in p
               for p in problems(course))


def test_broken_link_between_lessons(course):
    line = edit(course / "lessons" / "welcome.en.md", "lesson:safety", "lesson:nowhere")
    assert f"sample/lessons/welcome.en.md:{line}: link to a lesson that does not exist: " \
           f"lesson:nowhere" in problems(course)


def test_missing_image(course):
    (course / "images" / "padlock.svg").unlink()
    found = [p for p in problems(course) if "missing image images/padlock.svg" in p]
    assert {p.split(":")[0] for p in found} == {"sample/lessons/safety.vi.md",
                                                "sample/lessons/safety.en.md"}


def test_raw_html_the_sanitiser_would_strip(course):
    lesson = course / "lessons" / "glossary.vi.md"
    lesson.write_text(lesson.read_text(encoding="utf-8")
                      + "\n<script>alert(1)</script>\n\nXem <a href=\"x\" onclick=\"y\">đây</a>.\n",
                      encoding="utf-8")
    found = [p for p in problems(course) if "sanitiser" in p]
    assert any("raw HTML <script>" in p for p in found)
    assert any("<a onclick=…>" in p for p in found)
    assert all(p.startswith("sample/lessons/glossary.vi.md:") for p in found)


def test_every_problem_is_reported_in_one_run(course):
    edit(course / "course.yaml", "draw: 5", "draw: 50")
    edit(course / "questions.yaml", "answer: b", "answer: z")
    (course / "lessons" / "safety.en.md").unlink()
    assert len(problems(course)) >= 3


def test_cli_check_exits_non_zero_and_speaks_json(runner, course):
    edit(course / "course.yaml", "draw: 5", "draw: 50")
    result = runner.invoke(args=["courses", "check", str(course.parent), "--json"])
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["problem_count"] == 1
    assert report["courses"][0]["problems"][0]["key"] == "quiz.draw"
    clean = runner.invoke(args=["courses", "check", str(FIXTURE_COURSES)])
    assert clean.exit_code == 0, clean.output


def test_cli_check_speaks_the_default_language_or_the_one_asked_for(runner, course):
    line = edit(course / "course.yaml", "draw: 5", "draw: 50")
    where = f"sample/course.yaml:{line}: "
    default = runner.invoke(args=["courses", "check", str(course.parent)])
    assert default.exit_code == 1
    assert default.output.splitlines()[0] == (where + "rút 50 câu hỏi nhưng ngân hàng câu hỏi "
                                              "chỉ có 6 câu [quiz.draw]")
    english = runner.invoke(args=["courses", "check", str(course.parent), "--lang", "en"])
    assert english.exit_code == 1
    assert english.output.splitlines()[0] == (where + "draws 50 questions but the bank has only 6 "
                                              "[quiz.draw]")


@pytest.mark.parametrize("lang, message", [
    ("vi", "rút 50 câu hỏi nhưng ngân hàng câu hỏi chỉ có 6 câu"),
    ("en", "draws 50 questions but the bank has only 6"),
])
def test_cli_check_json_holds_each_message_as_text(runner, course, lang, message):
    edit(course / "course.yaml", "draw: 5", "draw: 50")
    result = runner.invoke(args=["courses", "check", str(course.parent), "--json", "--lang", lang])
    assert result.exit_code == 1
    (problem,) = json.loads(result.output)["courses"][0]["problems"]
    assert problem["message"] == message  # a JSON string, not an object


def test_cli_sync_refuses_in_the_language_asked_for(runner, course):
    line = edit(course / "course.yaml", "pass_mark: 60", "pass_mark: 160")
    refused = runner.invoke(args=["courses", "sync", str(course.parent), "--lang", "en"])
    assert refused.exit_code == 1 and "Nothing was loaded" in refused.stderr
    assert refused.stderr.splitlines()[0] == (
        f"sample/course.yaml:{line}: pass mark 160 is out of range: use a percent above 0, "
        "at most 100 [quiz.pass_mark]")
    default = runner.invoke(args=["courses", "sync", str(course.parent)])
    assert default.stderr.splitlines()[0] == (
        f"sample/course.yaml:{line}: điểm đạt 160 nằm ngoài khoảng cho phép: hãy dùng một tỷ lệ "
        "phần trăm lớn hơn 0 và không quá 100 [quiz.pass_mark]")


def test_cli_stats(runner):
    result = runner.invoke(args=["courses", "stats", str(FIXTURE_COURSES), "--json"])
    assert result.exit_code == 0
    (row,) = json.loads(result.output)
    assert row["locales"]["vi"] == {"lessons": 3, "questions": 6, "questions_with_explanation": 6}
    assert row["locales"]["en"]["questions"] == 6
    assert row["question_types"] == {"matching": 1, "multiple": 1, "ordering": 1, "single": 2,
                                     "true_false": 1}


def test_cli_check_summary_speaks_the_default_language_or_the_one_asked_for(runner, course):
    default = runner.invoke(args=["courses", "check", str(course.parent)])
    assert default.exit_code == 0, default.output
    assert default.output.splitlines()[-1] == "Đã kiểm tra 1 khóa học, phát hiện 0 lỗi."
    edit(course / "course.yaml", "draw: 5", "draw: 50")
    english = runner.invoke(args=["courses", "check", str(course.parent), "--lang", "en"])
    assert english.exit_code == 1
    assert english.output.splitlines()[-1] == "1 course checked, 1 problem."


def test_cli_stats_in_words(runner):
    default = runner.invoke(args=["courses", "stats", str(FIXTURE_COURSES)])
    assert default.exit_code == 0, default.output
    assert default.output.strip() == "sample: vi: 3 bài học, 6 câu hỏi; en: 3 bài học, 6 câu hỏi"
    english = runner.invoke(args=["courses", "stats", str(FIXTURE_COURSES), "--lang", "en"])
    assert english.output.strip() == ("sample: vi: 3 lessons, 6 questions; "
                                      "en: 3 lessons, 6 questions")


def test_cli_sync_reports_each_course_in_the_language_asked_for(runner, course):
    added = runner.invoke(args=["courses", "sync", str(course.parent)])
    assert added.exit_code == 0, added.output
    assert added.output.strip() == "Khóa học sample: đã thêm mới"
    again = runner.invoke(args=["courses", "sync", str(course.parent), "--lang", "en"])
    assert again.output.strip() == "Course sample: unchanged"
