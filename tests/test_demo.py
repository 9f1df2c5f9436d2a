"""The fictional demo province: shape, role accounts and idempotency."""

from __future__ import annotations

import re
import unicodedata

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from lms.accounts.models import Official, Role, RoleGrant
from lms.accounts.operations import authenticate, find_by_login, password_problems
from lms.audit.models import AuditEvent
from lms.classroom.models import ClassSession, SessionParticipant
from lms.config import REPO_ROOT
from lms.content.sync import sync_courses
from lms.db import utcnow
from lms.demo import DEMO_PARTICIPANTS, DEMO_PASSWORD, load_demo_data, load_demo_sessions
from lms.extensions import db
from lms.org.models import OrgUnit, OrgUnitClosure, UnitKind
from tests.conftest import post_form

EXPECTED_ROLES = {
    "admin": (Role.ADMIN, "DEMO"),
    "hr.tinh": (Role.HR, "DEMO"),
    "hr.anphu": (Role.HR, "DEMO-XAP"),
    "manager.khcn": (Role.UNIT_MANAGER, "DEMO-SKHCN"),
    "facilitator": (Role.FACILITATOR, "DEMO-THCSAP"),
    "learner": None,
    "learner.en": None,
}


@pytest.fixture
def demo_app(app):
    """The test app with an app context held for the whole test (no requests are made)."""
    with app.app_context():
        yield app
        db.session.rollback()


@pytest.fixture
def accounts(demo_app):
    listed = load_demo_data()
    db.session.commit()
    return listed


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def _counts() -> dict[str, int]:
    return {model.__name__: _count(model)
            for model in (OrgUnit, OrgUnitClosure, Official, RoleGrant, AuditEvent)}


def _units(*kinds: UnitKind) -> list[OrgUnit]:
    return list(db.session.execute(select(OrgUnit).where(OrgUnit.kind.in_(kinds))).scalars())


def test_second_run_changes_nothing(accounts):
    before = _counts()
    again = load_demo_data()
    db.session.commit()
    assert _counts() == before
    assert again == accounts


def test_province_shape(accounts):
    assert _count(Official) >= 60
    (province,) = _units(UnitKind.PROVINCE)
    assert province.parent is None

    departments = _units(UnitKind.DEPARTMENT)
    assert len(departments) >= 3
    assert any("Nội vụ" in unit.name_vi for unit in departments)
    assert all(unit.parent_id == province.id for unit in departments)

    local = _units(UnitKind.COMMUNE, UnitKind.WARD, UnitKind.SPECIAL_ZONE)
    assert len(local) >= 4
    assert {unit.kind for unit in local} == {
        UnitKind.COMMUNE, UnitKind.WARD, UnitKind.SPECIAL_ZONE}
    assert all(unit.parent_id == province.id for unit in local)

    schools = _units(UnitKind.SCHOOL)
    assert len(schools) == 2
    assert all(school.parent.kind in (UnitKind.COMMUNE, UnitKind.WARD) for school in schools)


def test_every_unit_has_staff(accounts):
    for unit in db.session.execute(select(OrgUnit)).scalars():
        if unit.kind is UnitKind.PROVINCE:
            continue
        staff = _count(select(Official).where(Official.unit_id == unit.id).subquery())
        assert staff >= 3, unit.code


def test_everyone_has_an_address_no_mail_can_reach(accounts):
    # The reminder list and exports show e-mail addresses: the demo's are all in .example.
    emails = list(db.session.execute(select(Official.email)).scalars())
    assert emails and all(email.endswith("@sonha.example") for email in emails)
    assert len(set(emails)) == len(emails)


def test_role_accounts_sign_in_with_expected_roles(accounts):
    assert {login for login, _ in accounts} == set(EXPECTED_ROLES)
    assert not password_problems(DEMO_PASSWORD)
    assert all(description for _, description in accounts)
    for login, _ in accounts:
        official = authenticate(login, DEMO_PASSWORD)
        assert official is not None, login
        assert not official.must_change_password
        assert login not in DEMO_PASSWORD.casefold()
        grants = {(grant.role, grant.unit.code) for grant in official.grants}
        expected = EXPECTED_ROLES[login]
        assert grants == ({expected} if expected else set()), login
    assert find_by_login("learner.en").preferred_locale == "en"


def test_generated_staff_cannot_sign_in_with_demo_password(accounts):
    official = find_by_login("snv001")
    assert official is not None
    assert official.must_change_password
    assert authenticate("snv001", DEMO_PASSWORD) is None


def test_names_are_nfc(accounts):
    names = list(db.session.execute(select(Official.full_name)).scalars())
    names += list(db.session.execute(select(OrgUnit.name_vi)).scalars())
    titles = db.session.execute(select(Official.position_title)).scalars()
    for text in (*names, *(title for title in titles if title)):
        assert unicodedata.normalize("NFC", text) == text, text


def test_generated_staff_are_deterministic(demo_app):
    load_demo_data()
    first = {(o.login, o.full_name, o.position_title)
             for o in db.session.execute(select(Official)).scalars()}
    db.session.rollback()
    load_demo_data()
    second = {(o.login, o.full_name, o.position_title)
              for o in db.session.execute(select(Official)).scalars()}
    assert first == second
    categories = {o.staff_category.value for o in db.session.execute(select(Official)).scalars()}
    assert {"can_bo", "cong_chuc", "vien_chuc", "nguoi_lao_dong"} <= categories


def test_each_demo_account_signs_in_and_sees_its_own_menu(app, bare_client):
    with app.app_context():
        load_demo_data()
        db.session.commit()
    with app.test_request_context(), force_locale("vi"):
        exports, mine, certificates, sessions = (gettext("Exports"), gettext("My certificates"),
                                                 gettext("Certificates"), gettext("Sessions"))
    learning = ["Trang chủ", "Khóa học của tôi", "Kết quả của tôi", mine]
    expected_menus = {
        "admin": learning + [sessions, "Chấm điểm", "Nhân sự", exports, "Nhập danh sách", "Đơn vị",
                             certificates, "Nhật ký thao tác"],
        "hr.tinh": learning + [sessions, "Chấm điểm", "Nhân sự", exports, "Nhập danh sách"],
        "hr.anphu": learning + [sessions, "Chấm điểm", "Nhân sự", exports, "Nhập danh sách"],
        "manager.khcn": learning + ["Chấm điểm", "Nhân sự", exports],
        "facilitator": learning + [sessions],
        "learner": learning,
        "learner.en": ["Home", "My courses", "My results", "My certificates"],
    }
    for login, menu in expected_menus.items():
        bare_client.delete_cookie("lms_session")
        response = post_form(bare_client, "/login", {"login": login, "password": DEMO_PASSWORD})
        assert response.location == "/", login
        page = bare_client.get("/").get_data(as_text=True)
        assert re.findall(r'<li><a href="[^"]+"[^>]*>([^<]+)</a></li>', page) == menu, login


def test_demo_sessions_one_closed_example_and_one_open_are_made_once(app, client, login_as):
    with app.app_context():
        sync_courses(REPO_ROOT / "courses")
        load_demo_data()
        db.session.commit()
        assert load_demo_sessions(utcnow()) == 2
        assert load_demo_sessions(utcnow()) == 0
        sessions = list(db.session.execute(select(ClassSession).order_by(ClassSession.id)).scalars())
        assert [s.is_open for s in sessions] == [False, True]
        assert _count(SessionParticipant) == len(DEMO_PARTICIPANTS)
        facilitator = find_by_login("facilitator")
        db.session.expunge(facilitator)
    login_as(facilitator)
    report = client.get(f"/sessions/{sessions[0].id}/report").get_data(as_text=True)
    assert f"{len(DEMO_PARTICIPANTS)} joined of 8 expected" in report
    assert client.get(f"/sessions/{sessions[1].id}").status_code == 200
