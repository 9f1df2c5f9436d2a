"""Right of access and anonymisation of a departed official (in a province with scores)."""

from __future__ import annotations

import json

from freezegun import freeze_time
from sqlalchemy import select

from lms.accounts.models import Official, Role
from lms.audit.models import AuditEvent
from lms.extensions import db
from lms.org.queries import subtree_ids
from lms.scoring.models import SnapshotOfficial, SnapshotUnit
from lms.scoring.operations import freeze, live_run
from lms.scoring.sources import LiveScores, totals
from tests.conftest import TEST_PASSWORD, post_form
from tests.scoring.conftest import END_OF_YEAR


def _admin(make_official, unit, login="admin"):
    return make_official(login, unit=unit, roles=[(Role.ADMIN, unit)])


def test_an_admin_downloads_everything_held_about_an_official(app, client, login_as, make_official, world):
    login_as(_admin(make_official, world["province"]))
    official = world["on_time"]
    response = client.get(f"/admin/officials/{official.id}/personal-data.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    assert data["official"]["full_name"] == "Lê Đúng Hạn"
    assert data["official"]["unit"]["code"] == "XA"
    assert [(c["course"], c["percent"]) for c in data["courses_completed"]] == [("sample", 80.0)]
    assert [attempt["percent"] for attempt in data["quiz_attempts"]] == [60.0, 80.0]
    with app.app_context():
        event = db.session.execute(select(AuditEvent).where(
            AuditEvent.action == "official.data_access")).scalar_one()
        assert event.target_id == official.id


def test_personal_data_is_for_admins_of_the_officials_unit_only(client, login_as, make_official, world):
    official = world["on_time"]
    login_as(world["hr"])
    assert client.get(f"/admin/officials/{official.id}/personal-data.json").status_code == 403
    login_as(_admin(make_official, world["commune_b"], "admin.b"))
    assert client.get(f"/admin/officials/{official.id}/personal-data.json").status_code == 404
    assert client.get(f"/admin/officials/{official.id}/anonymise").status_code == 404


def _scores_of_commune_a(app, world):
    with app.app_context():
        scores = LiveScores(live_run(2026, now=END_OF_YEAR))
        figures = totals(scores.scored(subtree_ids(world["commune_a"].id)))
        return figures.headcount, figures.meeting, figures.mean_indicator


def test_anonymising_erases_identity_and_keeps_every_figure(app, client, login_as, make_official, world):
    official = world["on_time"]
    with freeze_time(END_OF_YEAR):
        with app.app_context():
            freeze(2026)
            db.session.commit()
            frozen_units = [(row.unit_id, row.headcount, row.meeting, row.mean_indicator)
                            for row in db.session.execute(select(SnapshotUnit)).scalars()]
        login_as(_admin(make_official, world["province"]))

        # An active account cannot be anonymised: the official has not left.
        page = client.get(f"/admin/officials/{official.id}/anonymise").get_data(as_text=True)
        assert "deactivate it first" in page
        with app.app_context():
            db.session.get(Official, official.id).active = False
            db.session.commit()
        # (Live scores follow the scoring rules for departed officials; anonymising changes none.)
        before = _scores_of_commune_a(app, world)

        wrong = post_form(client, f"/admin/officials/{official.id}/anonymise", {"confirm": "someone"})
        assert "This is not the account&#39;s login." in wrong.get_data(as_text=True)
        done = post_form(client, f"/admin/officials/{official.id}/anonymise", {"confirm": "A1"})
        assert done.status_code == 302

        with app.app_context():
            erased = db.session.get(Official, official.id)
            assert erased.full_name == f"#{official.id:06d}" and erased.login == f"anon-{official.id}"
            assert erased.email is None and erased.password_hash is None
            assert erased.employee_code is None and erased.anonymised_at is not None
            frozen_row = db.session.execute(select(SnapshotOfficial).where(
                SnapshotOfficial.official_id == official.id)).scalar_one()
            assert frozen_row.full_name == erased.full_name and frozen_row.login == erased.login
            assert frozen_row.indicator > 0
            assert [(row.unit_id, row.headcount, row.meeting, row.mean_indicator)
                    for row in db.session.execute(select(SnapshotUnit)).scalars()] == frozen_units
        assert _scores_of_commune_a(app, world) == before

    response = post_form(client, "/login", {"login": "a1", "password": TEST_PASSWORD})
    assert response.status_code != 302 or response.location != "/"
