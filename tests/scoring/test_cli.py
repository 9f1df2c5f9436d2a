from __future__ import annotations

import json

from freezegun import freeze_time
from sqlalchemy import func, select

from lms.extensions import db
from lms.scoring.models import ScoreSnapshot, SnapshotOfficial
from tests.scoring.conftest import POLICY


@freeze_time("2026-12-31 12:00:00")
def test_compute_preview_unit_scope_and_json(runner, world):
    preview = runner.invoke(args=["scores", "compute", "--year", "2026", "--lang", "en"])
    assert preview.exit_code == 0, preview.output
    assert "live preview" in preview.output
    assert "Officials with mandatory courses: 5; meeting the standard: 2 (40.0%)" in preview.output
    scoped = runner.invoke(args=["scores", "compute", "--year", "2026", "--unit", "xb", "--json"])
    rows = [json.loads(line) for line in scoped.output.splitlines()]
    assert [(row["login"], row["indicator"], row["meets_standard"]) for row in rows] == [
        ("b1", 100.0, True)]


@freeze_time("2026-12-31 12:00:00")
def test_compute_freeze_once(app, runner, world):
    first = runner.invoke(args=["scores", "compute", "--year", "2026", "--freeze", "--lang", "en"])
    assert first.exit_code == 0 and "Whole year 2026: frozen as snapshot" in first.output
    assert "frozen" in first.output
    # The frozen figures of the whole province, read from the snapshot, are the preview's.
    assert "Officials with mandatory courses: 5; meeting the standard: 2 (40.0%)" in first.output
    whole = runner.invoke(args=["scores", "compute", "--year", "2026", "--json"])
    assert len(whole.output.splitlines()) == 5
    again = runner.invoke(args=["scores", "compute", "--year", "2026", "--freeze"])
    # CLI messages speak the default language (Vietnamese).
    assert again.exit_code != 0 and "Kết quả này đã được chốt." in again.output
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(ScoreSnapshot)).scalar_one() == 1
        assert db.session.execute(select(func.count()).select_from(SnapshotOfficial)).scalar_one() == 5


@freeze_time("2026-12-31 12:00:00")
def test_compute_summary_speaks_vietnamese_by_default_and_english_when_asked(runner, world):
    default = runner.invoke(args=["scores", "compute", "--year", "2026"])
    assert default.exit_code == 0, default.output
    # Vietnam time and Vietnamese number formats: a decimal comma.
    assert default.output.splitlines() == [
        "Cả năm 2026 (xem trước trực tiếp, tính đến 19:00 31/12/26)",
        "Số cán bộ có khóa học bắt buộc: 5; đạt chuẩn: 2 (40,0%); chỉ số trung bình: 53,20",
    ]
    english = runner.invoke(args=["scores", "compute", "--year", "2026", "--lang", "en"])
    heading, figures = english.output.splitlines()
    assert heading.startswith("Whole year 2026 (live preview, as of 12/31/26, 7:00")
    assert figures == ("Officials with mandatory courses: 5; meeting the standard: 2 (40.0%); "
                       "mean indicator: 53.20")
    unknown = runner.invoke(args=["scores", "compute", "--year", "2026", "--unit", "nowhere"])
    assert unknown.exit_code == 1 and "Không có đơn vị nào mang mã nowhere." in unknown.output
    frozen = runner.invoke(args=["scores", "compute", "--year", "2026", "--freeze"])
    assert frozen.output.startswith("Cả năm 2026: đã chốt thành bản chốt số ")
    assert "Cả năm 2026 (kết quả đã chốt, tính đến 19:00 31/12/26)" in frozen.output


def test_policy_check_and_activate(runner, world, tmp_path):
    good = tmp_path / "2026.yaml"
    good.write_text(POLICY.replace("min_indicator: 70", "min_indicator: 65"), encoding="utf-8")
    checked = runner.invoke(args=["scores", "policy", str(good), "--activate", "--lang", "en"])
    assert checked.exit_code == 0 and "now in force" in checked.output
    bad = tmp_path / "bad.yaml"
    bad.write_text(POLICY.replace("year: 2026", "year: 1900"), encoding="utf-8")
    refused = runner.invoke(args=["scores", "policy", str(bad), "--activate", "--lang", "en"])
    assert refused.exit_code != 0 and "bad.yaml:3: 1900 is out of range" in refused.output
    assert "Error: 1 problem; nothing was changed." in refused.output
    checked = runner.invoke(args=["scores", "policy", str(good)])
    assert checked.output == "2026.yaml: chính sách hợp lệ cho năm 2026, có 1 khóa học bắt buộc.\n"


def test_policy_problems_in_the_default_language_or_the_one_asked_for(runner, tmp_path):
    path = tmp_path / "2026.yaml"
    path.write_text(POLICY.replace("deadline: 2026-06-30", "deadline: 2027-06-30"), encoding="utf-8")
    default = runner.invoke(args=["scores", "policy", str(path)])
    assert default.exit_code == 1
    assert default.stderr.splitlines()[0] == ("2026.yaml:16: hạn hoàn thành 2027-06-30 không thuộc "
                                              "năm 2026 [mandatory[0].deadline]")
    english = runner.invoke(args=["scores", "policy", str(path), "--lang", "en"])
    assert english.exit_code == 1
    assert english.stderr.splitlines()[0] == ("2026.yaml:16: deadline 2027-06-30 is not in 2026 "
                                              "[mandatory[0].deadline]")
