"""Participants never count as officials: scores, the assessment export and the API read the
same before and after a whole session of participants has completed the same course; the
export's "Citizen sessions" sheet and the rollup page are where they show."""

from __future__ import annotations

import json

from freezegun import freeze_time

from lms.accounts.models import Role
from lms.api.operations import issue_token
from lms.extensions import db
from lms.org.models import OrgUnit
from tests.classroom.helpers import (
    create_session,
    join,
    pass_quiz,
    read_required_lessons,
    session_row,
)
from tests.exports.conftest import YEAR_END, read_workbook, sheet_rows
from tests.scoring.conftest import world  # noqa: F401  (the fixture, shared)


def _everything_officials_see(app, client, runner, tmp_path, token, name):
    scores = runner.invoke(args=["scores", "compute", "--year", "2026", "--json"])
    assert scores.exit_code == 0, scores.output
    path = tmp_path / f"{name}.xlsx"
    runner.invoke(args=["export", "assessment", "--year", "2026", "--format", "xlsx",
                        "--lang", "en", "--output", str(path)])
    book = read_workbook(path.read_bytes())
    csv_path = tmp_path / f"{name}.csv"
    runner.invoke(args=["export", "assessment", "--year", "2026", "--format", "csv",
                        "--output", str(csv_path)])
    api = {}
    for endpoint in ("officials", "completions", "scores?year=2026", "scores/units?year=2026"):
        response = client.get(f"/api/v1/{endpoint}",
                              headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, (endpoint, response.get_data(as_text=True))
        api[endpoint] = response.get_json()
    return {"scores": [json.loads(line) for line in scores.output.splitlines() if line],
            "officials": sheet_rows(book["Officials"]),
            "units": sheet_rows(book["Units"]), "csv": csv_path.read_bytes(), "api": api}, book


@freeze_time(YEAR_END)
def test_a_session_of_participants_changes_no_official_figure(app, client, runner, tmp_path,
                                                              world, make_official):  # noqa: F811
    school = world["school_a"]
    teacher = make_official("gv", unit=school, roles=[(Role.FACILITATOR, school)])
    with app.app_context():
        _token, token = issue_token(name="HR", unit=db.session.get(OrgUnit, world["province"].id),
                                    days=30)
        db.session.commit()
    before, _book = _everything_officials_see(app, client, runner, tmp_path, token, "before")

    facilitator = app.test_client()
    with facilitator.session_transaction() as cookie:
        cookie["_user_id"] = teacher.get_id()
    session = session_row(app, create_session(facilitator, unit=school, audience="students"))
    code = session.join_code
    for number in range(3):
        phone = app.test_client()
        join(phone, code, f"Học sinh {number}", "8A")
        read_required_lessons(phone, code)
        pass_quiz(app, phone, code)

    after, book = _everything_officials_see(app, client, runner, tmp_path, token, "after")
    for key in ("officials", "units", "csv", "api"):
        assert after[key] == before[key], key
    assert after["scores"] == before["scores"]

    header, *rows = sheet_rows(book["Citizen sessions"])
    assert header == ["Unit code", "Unit", "Commune", "Sessions", "Students", "Parents",
                      "Residents", "Participants", "Completions"]
    assert rows == [["XA-T", school.name_en, world["commune_a"].name_en, 1, 3, 0, 0, 3, 3]]
