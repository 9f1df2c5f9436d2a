"""HR pages, breakdowns, freezing and policies, as people use them — and as intruders try."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from freezegun import freeze_time
from sqlalchemy import select, update

from lms.accounts.models import Official, Role
from lms.audit.models import AuditEvent
from lms.extensions import db
from lms.scoring.models import ScoreSnapshot, ScoringPolicy
from tests.conftest import csrf_token, post_form
from tests.scoring.conftest import POLICY, complete

YEAR_END = "2026-12-31 12:00:00"


@pytest.fixture
def hr(world, make_official):
    return {
        "province": world["hr"],
        "commune_a": make_official("hr.a", unit=world["commune_a"],
                                   roles=[(Role.HR, world["commune_a"])], full_name="Hồ Xã A"),
        "admin": make_official("admin", unit=world["province"],
                               roles=[(Role.ADMIN, world["province"])], full_name="Quản Trị"),
    }


@freeze_time(YEAR_END)
def test_dashboard_shows_charts_tables_and_reminders(client, login_as, world, hr):
    login_as(hr["province"])
    page = client.get("/scores/?year=2026").get_data(as_text=True)
    assert "Live preview" in page
    assert page.count("<svg") == 2  # bands and units, each beside its table
    assert "Courses still to complete" in page and "Lê Chưa Học" in page
    assert "Freeze these results" in page


@freeze_time(YEAR_END)
def test_the_reminder_list_has_every_course_still_to_complete(app, client, login_as, world, hr,
                                                              monkeypatch):
    with app.app_context():
        db.session.execute(update(Official).where(Official.id == world["missing"].id)
                           .values(email="chua.hoc@xa-a.gov.vn"))
        db.session.execute(update(Official).where(Official.id == world["hr"].id)
                           .values(full_name='=HYPERLINK("http://x")'))  # a name as a formula
        db.session.execute(update(Official).where(Official.id.in_((hr["commune_a"].id,
                                                                   hr["admin"].id)))
                           .values(created_at=datetime(2026, 11, 2, 3, tzinfo=UTC)))
        db.session.commit()
    monkeypatch.setattr("lms.scoring.views.AT_RISK_SHOWN", 1)
    login_as(hr["province"])
    page = client.get("/scores/?year=2026").get_data(as_text=True)
    # Four officials have the course still to complete (two joined in November); one is listed.
    risk = page[page.index('id="risk-heading"'):page.index('id="actions-heading"')]
    assert re.findall(r'stat-value">(\d+)<', risk) == ["4", "4"]
    assert risk.count("<tr>") == 1 + 1  # the header and one official
    assert "The first 1 below" in risk
    assert "/scores/reminders.csv?year=2026" in risk

    download = client.get(f"/scores/reminders.csv?year=2026&unit={world['province'].id}")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == 'attachment; filename="reminders-2026-Y-P.csv"'
    assert download.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["Employee code", "Full name", "E-mail", "Unit code", "Unit", "Course",
                       "Deadline", "Status"]
    # Soonest deadline first: the course's own, then that of the two who joined on 2 November
    # (30 days from joining, by the policy); by name within a day.
    province, commune, school = (world[key].name_en for key in ("province", "commune_a", "school_a"))
    assert rows[1:] == [
        ["a3", "Lê Chưa Học", "chua.hoc@xa-a.gov.vn", "XA-T", school, "Sample course",
         "2026-06-30", "Deadline passed"],
        ["hr", """'=HYPERLINK("http://x")""", "", "P", province, "Sample course", "2026-06-30",
         "Deadline passed"],
        ["hr.a", "Hồ Xã A", "", "XA", commune, "Sample course", "2026-12-02", "Deadline passed"],
        ["admin", "Quản Trị", "", "P", province, "Sample course", "2026-12-02", "Deadline passed"],
    ]
    with app.app_context():
        event = db.session.execute(select(AuditEvent).where(
            AuditEvent.action == "export.reminders")).scalar_one()
        assert event.actor_id == hr["province"].id and event.unit_id == world["province"].id

    # In Vietnamese, for the commune's HR: their subtree only; another commune is not theirs.
    login_as(hr["commune_a"])
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "vi"
    rows = list(csv.reader(io.StringIO(
        client.get("/scores/reminders.csv?year=2026").get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:2] == ["Mã cán bộ", "Họ và tên"]
    assert [row[1] for row in rows[1:]] == ["Lê Chưa Học", "Hồ Xã A"]  # their own too
    assert rows[1][-1] == "Đã quá hạn"
    assert client.get(f"/scores/reminders.csv?year=2026&unit={world['commune_b'].id}").status_code == 404
    login_as(world["missing"])
    assert client.get("/scores/reminders.csv?year=2026").status_code == 403


def test_a_frozen_period_has_no_reminder_list(client, login_as, world, hr):
    with freeze_time(YEAR_END):
        login_as(hr["province"])
        client.post("/scores/freeze?year=2026", data={"csrf_token": csrf_token(client, "/")})
        page = client.get("/scores/?year=2026").get_data(as_text=True)
        assert "reminders.csv" not in page
        assert client.get("/scores/reminders.csv?year=2026").status_code == 404


@freeze_time(YEAR_END)
def test_commune_hr_sees_only_their_commune(client, login_as, world, hr):
    login_as(hr["commune_a"])
    page = client.get("/scores/?year=2026").get_data(as_text=True)
    assert "Lê Chưa Học" in page and "Trần Đúng Hạn" not in page
    assert client.get(f"/scores/?year=2026&unit={world['commune_b'].id}").status_code == 404
    assert client.get(f"/scores/officials/{world['b_on_time'].id}?year=2026").status_code == 404
    listing = client.get("/scores/officials?year=2026").get_data(as_text=True)
    assert "Lê Đúng Hạn" in listing and "Trần Đúng Hạn" not in listing
    csv_text = client.get("/scores/officials.csv?year=2026").get_data(as_text=True)
    assert "a1" in csv_text and "b1" not in csv_text
    assert "Freeze these results" not in page  # only the province freezes
    assert client.post("/scores/freeze?year=2026",
                       data={"csrf_token": csrf_token(client, "/")}).status_code == 403


@freeze_time(YEAR_END)
def test_official_sees_their_own_breakdown_only(client, login_as, world):
    login_as(world["late"])
    mine = client.get("/scores/me?year=2026", follow_redirects=True).get_data(as_text=True)
    assert "68.0" in mine and "Late" in mine
    assert "60 when completed later" in mine  # how the points follow from the policy
    assert "does not meet the digital-skills standard yet" in mine
    assert '<a href="/learn/sample">Sample course</a>' in mine  # straight to the course
    assert client.get(f"/scores/officials/{world['on_time'].id}?year=2026").status_code == 403
    assert client.get("/scores/?year=2026").status_code == 403


@freeze_time(YEAR_END)
def test_breakdown_explains_every_point(client, login_as, world, hr):
    login_as(hr["province"])
    page = client.get(f"/scores/officials/{world['on_time'].id}?year=2026").get_data(as_text=True)
    assert "On time" in page and "80%" in page  # best score
    assert "98.0" in page  # 90 + 10 × 80 %
    assert "at least 70 and every mandatory course completed" in page
    assert 'href="/learn/sample"' not in page  # HR reads it; it is not their course to take


def test_frozen_results_stay_byte_identical(app, client, login_as, world, hr):
    with freeze_time(YEAR_END):
        login_as(hr["province"])  # inside the frozen clock: a session signed later looks expired
        token = csrf_token(client, "/scores/?year=2026")
        assert client.post("/scores/freeze?year=2026", data={"csrf_token": token}).status_code == 302
        before = client.get("/scores/officials.csv?year=2026").get_data()
        breakdown_before = client.get(f"/scores/officials/{world['missing'].id}?year=2026")
        assert "frozen" in client.get("/scores/officials.csv?year=2026").headers[
            "Content-Disposition"]
    # Later: the missing official completes, the policy changes, time passes.
    complete(app, world["missing"], datetime(2027, 1, 5, tzinfo=UTC), [100.0])
    with app.app_context():
        db.session.add(ScoringPolicy(year=2026, name_vi="x", name_en="x", text=POLICY.replace(
            "on_time: 90", "on_time: 50"), hash="changed", active=False))
        db.session.commit()
    with freeze_time("2027-02-01"):
        login_as(hr["province"])
        after = client.get("/scores/officials.csv?year=2026").get_data()
        breakdown_after = client.get(f"/scores/officials/{world['missing'].id}?year=2026")
    assert after == before
    assert "Not completed" in breakdown_after.get_data(as_text=True)
    assert breakdown_before.status_code == breakdown_after.status_code == 200
    with app.app_context():
        snapshot = db.session.execute(select(ScoreSnapshot)).scalar_one()
        assert snapshot.frozen_by_id == hr["province"].id and snapshot.policy_text.strip()


def test_only_an_admin_reopens_and_it_is_logged(app, client, login_as, world, hr):
    with freeze_time(YEAR_END):
        login_as(hr["province"])
        client.post("/scores/freeze?year=2026", data={"csrf_token": csrf_token(client, "/")})
    with app.app_context():
        snapshot_id = db.session.execute(select(ScoreSnapshot.id)).scalar_one()
    login_as(hr["province"])
    refused = client.post(f"/scores/snapshots/{snapshot_id}/reopen",
                          data={"csrf_token": csrf_token(client, "/"), "reason": "x"})
    assert refused.status_code == 403

    login_as(hr["admin"])
    no_reason = client.post(f"/scores/snapshots/{snapshot_id}/reopen",
                            data={"csrf_token": csrf_token(client, "/"), "reason": " "},
                            follow_redirects=True)
    assert "Give the reason for reopening." in no_reason.get_data(as_text=True)
    client.post(f"/scores/snapshots/{snapshot_id}/reopen",
                data={"csrf_token": csrf_token(client, "/"), "reason": "Sai sót dữ liệu đơn vị"})
    with app.app_context():
        snapshot = db.session.get(ScoreSnapshot, snapshot_id)
        assert snapshot.reopened_at is not None and snapshot.reopened_by_id == hr["admin"].id
        event = db.session.execute(select(AuditEvent).where(
            AuditEvent.action == "scoring.reopen")).scalar_one()
        assert event.details["reason"] == "Sai sót dữ liệu đơn vị"


def test_a_bad_policy_is_explained_and_changes_nothing(app, client, login_as, world, hr):
    login_as(hr["province"])
    broken = POLICY.replace("late: 60", "late: 95").replace("[can_bo, cong_chuc]",
                                                             "[can_bo, cong_chuc, kings]")
    response = post_form(client, "/scores/policy?year=2026", {"text": broken})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The policy was not saved" in page
    assert "on_time ≥ late ≥ missing" in page
    assert "unknown value &#39;kings&#39;" in page and "mandatory[0].staff_categories[2]" in page
    with app.app_context():
        active = db.session.execute(select(ScoringPolicy).where(ScoringPolicy.active)).scalar_one()
        assert "late: 60" in active.text


@pytest.mark.parametrize("language, expected", [
    ("vi", ["Chính sách chưa được lưu. Vui lòng sửa các lỗi sau rồi gửi lại:",
            "<code>points</code> dòng 5: kết quả kém hơn không được nhiều điểm hơn: "
            "on_time ≥ late ≥ missing",
            "<code>mandatory[0].staff_categories[2]</code> dòng 17: "
            "giá trị &#39;kings&#39; không hợp lệ",
            "<code>&lt;script&gt;</code> dòng 18: khóa &#39;&lt;script&gt;&#39; không được hỗ trợ"]),
    ("en", ["The policy was not saved. Correct these problems and send it again:",
            "<code>points</code> line 5: points must not grow for worse results: "
            "on_time ≥ late ≥ missing",
            "<code>mandatory[0].staff_categories[2]</code> line 17: unknown value &#39;kings&#39;",
            "<code>&lt;script&gt;</code> line 18: unknown key &#39;&lt;script&gt;&#39;"]),
])
def test_a_bad_policy_is_explained_in_the_reader_s_language(client, login_as, world, hr,
                                                             language, expected):
    login_as(hr["province"])
    broken = (POLICY.replace("late: 60", "late: 95")
              .replace("[can_bo, cong_chuc]", "[can_bo, cong_chuc, kings]") + "<script>: 1\n")
    response = post_form(client, "/scores/policy?year=2026", {"text": broken},
                         headers={"Accept-Language": language})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and f'<html lang="{language}">' in page
    summary = page[page.index('class="error-summary"'):]
    summary = summary[:summary.index("</div>")]
    heading, *problems = re.findall(r"<(?:p|li)>(.*?)</(?:p|li)>", summary)
    assert [heading, *(" ".join(problem.split()) for problem in problems)] == expected


def test_a_good_policy_is_put_in_force_by_the_province_only(app, client, login_as, world, hr):
    login_as(hr["commune_a"])
    assert post_form(client, "/scores/policy?year=2026", {"text": POLICY}).status_code == 403
    login_as(hr["province"])
    newer = POLICY.replace("min_indicator: 70", "min_indicator: 60")
    response = post_form(client, "/scores/policy?year=2026", {"text": newer})
    assert response.status_code == 302
    with app.app_context():
        active = db.session.execute(select(ScoringPolicy).where(ScoringPolicy.active)).scalar_one()
        assert "min_indicator: 60" in active.text


@freeze_time(YEAR_END)
def test_deadlines_show_the_day_they_end_on(client, login_as, world):
    login_as(world["missing"])
    page = client.get("/scores/me?year=2026", follow_redirects=True,
                      headers={"Accept-Language": "vi"}).get_data(as_text=True)
    assert "30/6/26" in page and "1/7/26" not in page


def test_an_earlier_policy_can_be_chosen_again(app, client, login_as, world, hr):
    login_as(hr["province"])
    post_form(client, "/scores/policy?year=2026",
              {"text": POLICY.replace("min_indicator: 70", "min_indicator: 60")})
    with app.app_context():
        first = db.session.execute(select(ScoringPolicy).where(
            ScoringPolicy.text.contains("min_indicator: 70"))).scalar_one()
    page = client.get("/scores/policy?year=2026").get_data(as_text=True)
    assert "Put this one in force" in page
    post_form(client, "/scores/policy?year=2026", {"choose": str(first.id)})
    with app.app_context():
        active = db.session.execute(select(ScoringPolicy).where(ScoringPolicy.active)).scalar_one()
        assert active.id == first.id
    post_form(client, "/scores/policy?year=2026", {"choose": "default"})
    assert "example policy shipped with the platform" in client.get(
        "/scores/policy?year=2026").get_data(as_text=True)


def test_a_communes_admin_cannot_freeze_or_reopen_the_province(app, client, login_as, world, hr,
                                                               make_official):
    commune_admin = make_official("admin.a", unit=world["commune_a"],
                                  roles=[(Role.ADMIN, world["commune_a"])])
    with freeze_time(YEAR_END):
        login_as(hr["province"])
        client.post("/scores/freeze?year=2026", data={"csrf_token": csrf_token(client, "/")})
        login_as(commune_admin)
        token = csrf_token(client, "/")
        assert client.post("/scores/freeze?year=2026&period=Q2",
                           data={"csrf_token": token}).status_code == 403
    with app.app_context():
        snapshot_id = db.session.execute(select(ScoreSnapshot.id)).scalar_one()
    login_as(commune_admin)
    response = client.post(f"/scores/snapshots/{snapshot_id}/reopen",
                           data={"csrf_token": csrf_token(client, "/"), "reason": "x"})
    assert response.status_code == 403


def test_a_year_without_policy_is_explained(client, login_as, world, hr):
    login_as(hr["province"])
    response = client.get("/scores/?year=2031")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "There is no scoring policy for 2031." in page
    assert "/scores/policy?year=2031" in page
