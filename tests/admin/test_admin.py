from __future__ import annotations

import re
import unicodedata

import pytest
from sqlalchemy import select

from lms.accounts.models import Official, Role, RoleGrant
from lms.audit.models import AuditEvent
from lms.extensions import db
from lms.org.models import OrgUnit, UnitKind
from tests.conftest import csrf_token, post_form


@pytest.fixture
def setup(make_unit, make_official, login_as):
    province = make_unit("Tỉnh", code="P")
    commune = make_unit("Xã Nam", parent=province, kind=UnitKind.COMMUNE, code="XN")
    other = make_unit("Xã Bắc", parent=province, kind=UnitKind.COMMUNE, code="XB")
    admin = make_official("admin.xn", unit=commune, roles=[(Role.ADMIN, commune)])
    login_as(admin)
    return {"province": province, "commune": commune, "other": other, "admin": admin}


def events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.execute(
            select(AuditEvent).where(AuditEvent.action == action)).scalars())


def test_admin_creates_a_unit_below_their_own(app, client, setup):
    response = post_form(client, "/admin/units/new", {
        "code": "xn-thcs", "name_vi": "Trường THCS Xã Nam", "name_en": "Xa Nam Lower Secondary",
        "kind": "school", "parent_id": setup["commune"].id, "active": "y",
    })
    assert response.status_code == 302
    with app.app_context():
        unit = db.session.execute(select(OrgUnit).where(OrgUnit.code == "XN-THCS")).scalar_one()
        assert unit.parent_id == setup["commune"].id
    assert "Xa Nam Lower Secondary" in client.get("/admin/units").get_data(as_text=True)
    vietnamese = client.get("/admin/units", headers={"Accept-Language": "vi"})
    assert "Trường THCS Xã Nam" in vietnamese.get_data(as_text=True)


def test_admin_cannot_create_a_unit_outside_their_scope(app, client, setup):
    response = post_form(client, "/admin/units/new", {
        "code": "XB-1", "name_vi": "Lạ", "name_en": "Alien", "kind": "school",
        "parent_id": setup["other"].id,
    })
    # The sibling commune is not even offered as a choice.
    assert response.status_code == 200
    assert "Not a valid choice" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(OrgUnit).where(OrgUnit.code == "XB-1")).first() is None


def test_duplicate_unit_code_is_explained(client, setup):
    page = post_form(client, "/admin/units/new", {
        "code": "xb", "name_vi": "Trùng", "name_en": "Same", "kind": "school",
        "parent_id": setup["commune"].id,
    }).get_data(as_text=True)
    assert "A unit with this code exists already." in page


def test_new_account_gets_a_one_time_password_that_must_be_changed(app, client, setup):
    decomposed = unicodedata.normalize("NFD", "Nguyễn  Thị   Hoà")
    page = post_form(client, "/admin/officials/new", {
        "login": "CB-777", "full_name": decomposed, "unit_id": setup["commune"].id,
        "staff_category": "cong_chuc", "email": "", "position_title": " Chuyên viên ",
        "preferred_locale": "", "active": "y",
    }).get_data(as_text=True)
    password = re.search(r'<code class="secret">([^<]+)</code>', page).group(1)
    with app.app_context():
        official = db.session.execute(select(Official).where(Official.login == "cb-777")).scalar_one()
        assert official.full_name == unicodedata.normalize("NFC", "Nguyễn Thị Hoà")
        assert official.position_title == "Chuyên viên"
        assert official.must_change_password
    assert len(events(app, "official.create")) == 2  # the admin's own, and this one

    newcomer = app.test_client()
    response = post_form(newcomer, "/login", {"login": "cb-777", "password": password})
    assert response.location == "/account/password"


def test_role_grants_and_removals_are_audit_logged(app, client, setup, make_official):
    official = make_official("cb-1", unit=setup["commune"])
    form_page = f"/admin/officials/{official.id}"
    post_form(client, f"/admin/officials/{official.id}/grants",
              {"grant-role": "hr", "grant-unit_id": setup["commune"].id}, form_page=form_page)
    grant_events = events(app, "role.grant")
    latest = grant_events[-1]
    assert latest.target_id == official.id
    assert latest.actor_id == setup["admin"].id
    assert latest.details == {"role": "hr", "scope": "XN", "login": "cb-1"}

    with app.app_context():
        grant = db.session.execute(
            select(RoleGrant).where(RoleGrant.official_id == official.id)).scalar_one()
        grant_id = grant.id
    client.post(f"/admin/grants/{grant_id}/revoke", data={"csrf_token": csrf_token(client, form_page)})
    revoked = events(app, "role.revoke")
    assert len(revoked) == 1 and revoked[0].actor_id == setup["admin"].id
    log = client.get("/admin/audit").get_data(as_text=True)
    assert "Role granted" in log and "Role removed" in log


def test_admin_cannot_grant_over_a_unit_outside_scope(app, client, setup, make_official):
    official = make_official("cb-1", unit=setup["commune"])
    response = post_form(client, f"/admin/officials/{official.id}/grants",
                         {"grant-role": "hr", "grant-unit_id": setup["province"].id},
                         form_page=f"/admin/officials/{official.id}")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.execute(
            select(RoleGrant).where(RoleGrant.official_id == official.id)).first() is None


def test_admin_cannot_lock_themselves_out(app, client, setup):
    admin = setup["admin"]
    with app.app_context():
        grant_id = db.session.execute(
            select(RoleGrant.id).where(RoleGrant.official_id == admin.id)).scalar_one()
    page = client.post(f"/admin/grants/{grant_id}/revoke",
                       data={"csrf_token": csrf_token(client, "/")}, follow_redirects=True)
    assert "You cannot remove your own administrator role." in page.get_data(as_text=True)
    deactivate = post_form(client, f"/admin/officials/{admin.id}", {
        "full_name": admin.full_name, "unit_id": setup["commune"].id,
        "staff_category": "cong_chuc",
    })
    assert "You cannot deactivate your own account." in deactivate.get_data(as_text=True)


def test_password_reset_signs_the_official_out_and_is_logged(app, client, setup, make_official):
    official = make_official("cb-1", unit=setup["commune"])
    their_device = app.test_client()
    with their_device.session_transaction() as session:
        session["_user_id"] = official.get_id()
    assert their_device.get("/").status_code == 200

    page = post_form(client, f"/admin/officials/{official.id}/reset-password", {},
                     form_page=f"/admin/officials/{official.id}").get_data(as_text=True)
    assert re.search(r'<code class="secret">[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}</code>', page)
    assert their_device.get("/").status_code == 302
    assert len(events(app, "account.password_reset")) == 1
    with app.app_context():
        assert db.session.get(Official, official.id).must_change_password


def test_deactivated_account_is_signed_out(app, client, setup, make_official):
    official = make_official("cb-1", unit=setup["commune"])
    their_device = app.test_client()
    with their_device.session_transaction() as session:
        session["_user_id"] = official.get_id()
    post_form(client, f"/admin/officials/{official.id}", {
        "full_name": official.full_name, "unit_id": setup["commune"].id,
        "staff_category": "cong_chuc",  # the "active" box left unticked
    })
    assert their_device.get("/").status_code == 302
    changes = events(app, "official.update")[-1].details["changes"]
    assert changes["active"] == ["True", "False"]


def test_an_employee_code_is_set_by_hand_and_cannot_be_shared(app, client, login_as, make_unit, make_official):
    from lms.accounts.models import Official, Role
    from lms.extensions import db
    from tests.conftest import post_form

    unit = make_unit()
    login_as(make_official("admin", unit=unit, roles=[(Role.ADMIN, unit)]))
    first = make_official("cb1", unit=unit)
    second = make_official("cb2", unit=unit)
    form = {"full_name": "Nguyễn Văn An", "unit_id": str(unit.id), "staff_category": "cong_chuc",
            "preferred_locale": "", "active": "y"}
    response = post_form(client, f"/admin/officials/{first.id}", {**form, "employee_code": "hn-001"})
    assert response.status_code == 302
    response = post_form(client, f"/admin/officials/{second.id}", {**form, "employee_code": "HN-001"})
    assert "Another account has this employee code." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Official, first.id).employee_code == "HN-001"
        assert db.session.get(Official, second.id).employee_code is None
