"""Trying to break in: every route checks role and unit scope."""

from __future__ import annotations

import pytest

from lms.accounts.access import PUBLIC_ATTRIBUTE, ROLE_ATTRIBUTE, TOKEN_ATTRIBUTE
from lms.accounts.models import Role
from lms.org.models import UnitKind


@pytest.fixture
def province(make_unit, make_official):
    """A province with two sibling communes, each with an HR officer and one official."""
    root = make_unit("Tỉnh Thử", code="P")
    commune_a = make_unit("Xã A", parent=root, kind=UnitKind.COMMUNE, code="XA")
    commune_b = make_unit("Xã B", parent=root, kind=UnitKind.COMMUNE, code="XB")
    school_a = make_unit("Trường A", parent=commune_a, kind=UnitKind.SCHOOL, code="XA-SCH")
    return {
        "root": root,
        "a": commune_a,
        "b": commune_b,
        "hr_a": make_official("hr.a", unit=commune_a, roles=[(Role.HR, commune_a)]),
        "hr_b": make_official("hr.b", unit=commune_b, roles=[(Role.HR, commune_b)]),
        "teacher_a": make_official("gv.a", unit=school_a, full_name="Lê Văn Giáo"),
        "official_b": make_official("cb.b", unit=commune_b, full_name="Phạm Thị Bê"),
        "admin_a": make_official("admin.a", unit=commune_a, roles=[(Role.ADMIN, commune_a)]),
        "learner": make_official("learner", unit=commune_a),
    }


def test_hr_sees_own_subtree_including_schools(client, login_as, province):
    login_as(province["hr_a"])
    listing = client.get("/people/").get_data(as_text=True)
    assert "Lê Văn Giáo" in listing  # the school below the commune is in scope
    assert "Phạm Thị Bê" not in listing
    assert client.get(f"/people/{province['teacher_a'].id}").status_code == 200


def test_hr_of_one_commune_cannot_reach_a_sibling_commune(client, login_as, province):
    login_as(province["hr_a"])
    official_b = province["official_b"]
    assert client.get(f"/people/{official_b.id}").status_code == 404
    assert client.get(f"/people/?unit={province['b'].id}").status_code == 404
    assert client.get(f"/people/?unit={province['root'].id}").status_code == 404
    assert "Phạm Thị Bê" not in client.get("/people/?q=pham").get_data(as_text=True)


def test_out_of_scope_answer_matches_a_missing_official(client, login_as, province):
    login_as(province["hr_a"])
    hidden = client.get(f"/people/{province['official_b'].id}")
    missing = client.get("/people/999999")
    assert hidden.status_code == missing.status_code == 404
    assert "Phạm Thị Bê" not in hidden.get_data(as_text=True)


def test_admin_of_one_commune_cannot_edit_another(client, login_as, province):
    login_as(province["admin_a"])
    official_b = province["official_b"]
    assert client.get(f"/admin/officials/{official_b.id}").status_code == 404
    assert client.get(f"/admin/units/{province['b'].id}/edit").status_code == 404
    assert client.get(f"/admin/officials/{province['learner'].id}").status_code == 200


def test_learner_and_manager_cannot_open_admin_pages(client, login_as, province, make_official):
    login_as(province["learner"])
    assert client.get("/people/").status_code == 403
    assert client.get("/admin/units").status_code == 403
    manager = make_official("mgr", unit=province["a"], roles=[(Role.UNIT_MANAGER, province["a"])])
    login_as(manager)
    assert client.get("/people/").status_code == 200
    assert client.get("/admin/units").status_code == 403
    assert client.get("/admin/audit").status_code == 403


def test_forbidden_page_is_friendly_and_translated(client, login_as, province):
    login_as(province["learner"])
    response = client.get("/admin/units", headers={"Accept-Language": "vi"})
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "Traceback" not in page
    assert '<html lang="vi">' in page


def test_every_route_is_guarded_or_declared_public(app):
    """A new view that forgets ``@requires``, ``@api_token_required`` or ``@public`` fails here."""
    unguarded = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        markers = [getattr(view, ROLE_ATTRIBUTE, None), getattr(view, PUBLIC_ATTRIBUTE, False),
                   getattr(view, TOKEN_ATTRIBUTE, False)]
        if sum(bool(marker) for marker in markers) != 1:
            unguarded.append(rule.endpoint)
    assert unguarded == []


def test_api_views_take_tokens_and_pages_take_sessions(app):
    """Token-authenticated views live under /api/ and nowhere else."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        if getattr(view, TOKEN_ATTRIBUTE, False):
            assert rule.rule.startswith("/api/"), rule.rule
        if rule.rule.startswith("/api/"):
            assert not getattr(view, ROLE_ATTRIBUTE, None), rule.rule


def test_anonymous_visitors_are_sent_to_sign_in_everywhere(app, client):
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if rule.endpoint == "static" or getattr(view, PUBLIC_ATTRIBUTE, False):
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = url.replace(f"<int:{arg}>", "1").replace(f"<{arg}>", "1")
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(url, method=method)
        if getattr(view, TOKEN_ATTRIBUTE, False):  # machines get a JSON 401 and the Bearer challenge
            assert response.status_code == 401, url
            assert response.headers["WWW-Authenticate"].startswith("Bearer"), url
            assert response.json["error"]["code"] == "token_missing", url
        elif method == "POST":
            assert response.status_code in (302, 400), url  # CSRF refuses before anything
        else:
            assert response.status_code == 302 and "/login" in response.location, url
