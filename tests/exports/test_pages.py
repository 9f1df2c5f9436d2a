"""The exports page as HR and unit managers use it, and as others try to misuse it."""

from __future__ import annotations

import re

from freezegun import freeze_time
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.extensions import db
from tests.conftest import csrf_token
from tests.exports.conftest import YEAR_END, by_code, read_csv, read_workbook

PAGE = "/hr/exports/"


def download(client, **fields):
    data = {"year": "2026", "period": "Y", "format": "xlsx", "separator": ",", **fields}
    return client.post(PAGE, data={"csrf_token": csrf_token(client, PAGE), **data})


def export_events(app) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.execute(select(AuditEvent).where(
            AuditEvent.action == "export.assessment")).scalars())


@freeze_time(YEAR_END)
def test_commune_hr_is_offered_and_gets_only_their_subtree(app, client, login_as, people):
    login_as(people["hr_a"])
    page = client.get(PAGE).get_data(as_text=True)
    offered = set(re.findall(r'<option (?:selected )?value="(\d+)"', page))
    assert offered == {str(people["commune_a"].id), str(people["school_a"].id)}

    response = download(client, unit=str(people["commune_a"].id))
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert 'filename="assessment-2026-XA.xlsx"' in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    officials = by_code(read_workbook(response.get_data()).worksheets[0])
    assert set(officials) == {"a1", "a2", "a3", "hr.a"}  # not b1 of commune B

    event, = export_events(app)
    assert event.actor_id == people["hr_a"].id and event.unit_id == people["commune_a"].id
    assert {key: event.details[key] for key in ("year", "period", "format", "via", "source")} == {
        "year": 2026, "period": "Y", "format": "xlsx", "via": "web", "source": "live"}


@freeze_time(YEAR_END)
def test_another_units_subtree_is_404_and_not_logged(app, client, login_as, people):
    login_as(people["hr_a"])
    assert client.get(f"{PAGE}?unit={people['commune_b'].id}").status_code == 404
    assert client.get(f"{PAGE}?unit={people['province'].id}").status_code == 404
    assert download(client, unit=str(people["commune_b"].id)).status_code == 404
    assert download(client, unit=str(people["province"].id), format="csv").status_code == 404
    assert download(client, unit="999999").status_code == 404
    assert client.get(f"/scores/officials.csv?year=2026&unit={people['commune_b'].id}"
                      ).status_code == 404
    assert export_events(app) == []


@freeze_time(YEAR_END)
def test_unit_manager_downloads_csv_with_their_separator(app, client, login_as, people):
    login_as(people["manager_b"])
    assert "Exports" in client.get("/").get_data(as_text=True)  # in the menu
    page = client.get(PAGE).get_data(as_text=True)
    assert f'value="{people["commune_b"].id}"' in page
    response = download(client, unit=str(people["commune_b"].id), period="Q3", format="csv",
                        separator=";")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="assessment-2026-Q3-XB.csv"' in response.headers["Content-Disposition"]
    rows = read_csv(response.get_data(), ";")
    assert rows[0][1] == "Full name" and sorted(row[0] for row in rows[1:]) == ["b1", "ql.b"]
    b1 = next(row for row in rows if row[0] == "b1")
    assert b1[rows[0].index("Indicator (0–100)")] == "100,00"
    assert export_events(app)[0].details["separator"] == ";"


@freeze_time(YEAR_END)
def test_headers_follow_the_request_language(client, login_as, people):
    login_as(people["hr_a"])
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "vi"
    response = download(client, unit=str(people["commune_a"].id), format="csv")
    header = read_csv(response.get_data())[0]
    assert header[1] == "Họ và tên" and header[3] == "Đơn vị"


def test_learners_are_refused_and_forms_need_their_token(app, client, login_as, people):
    login_as(people["on_time"])
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, data={"year": "2026"}).status_code in (400, 403)
    login_as(people["hr_a"])
    forged = client.post(PAGE, data={"year": "2026", "period": "Y", "format": "csv",
                                     "separator": ",", "unit": str(people["commune_a"].id)})
    assert forged.status_code == 400  # no CSRF token
    assert export_events(app) == []


def test_a_year_without_policy_is_explained_on_the_form(app, client, login_as, people):
    login_as(people["hr_a"])
    response = download(client, unit=str(people["commune_a"].id), year="2025")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "There is no scoring policy for 2025." in response.get_data(as_text=True)
    bad = download(client, unit=str(people["commune_a"].id), year="abc", format="zip")
    assert bad.mimetype == "text/html" and "Not a valid choice" in bad.get_data(as_text=True)
    assert export_events(app) == []


@freeze_time(YEAR_END)
def test_scores_csv_link_uses_the_same_writer_and_is_logged(app, client, login_as, people):
    login_as(people["hr_a"])
    response = client.get("/scores/officials.csv?year=2026")
    rows = read_csv(response.get_data())
    assert rows[0][:2] == ["Employee code", "Full name"]
    assert sorted(row[0] for row in rows[1:]) == ["a1", "a2", "a3", "hr.a"]
    assert export_events(app)[0].details["unit_code"] == "XA"
    dashboard = client.get("/scores/?year=2026").get_data(as_text=True)
    assert f'/hr/exports/?year=2026&amp;period=Y&amp;unit={people["commune_a"].id}' in dashboard
