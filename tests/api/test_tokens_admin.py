"""Admins issue, list and revoke API tokens for their own units — and nobody else can."""

from __future__ import annotations

import re

from sqlalchemy import select

from lms.api.models import ApiToken
from lms.audit.models import AuditEvent
from lms.extensions import db
from tests.conftest import csrf_token, post_form

TOKEN_PATTERN = re.compile(r"lms_[A-Za-z0-9_-]{40,}")


def _tokens(app) -> list[ApiToken]:
    with app.app_context():
        return list(db.session.execute(select(ApiToken).order_by(ApiToken.id)).scalars())


def _issue(client, unit, *, name="Hệ thống HR", days=90):
    return post_form(client, "/admin/api-tokens/new", {"name": name, "unit_id": unit.id, "days": days})


def test_admin_issues_a_token_and_sees_it_once(app, client, api, login_as, org):
    login_as(org["admin_a"])
    response = _issue(client, org["school_a"], name="  Trường   A sync ")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    plaintext = TOKEN_PATTERN.search(page).group(0)
    assert "shown only once" in page
    [token] = _tokens(app)
    assert token.name == "Trường A sync" and token.unit_id == org["school_a"].id
    assert (token.expires_at - token.created_at).days == 90
    assert token.created_by_id == org["admin_a"].id
    listing = client.get("/admin/api-tokens").get_data(as_text=True)
    assert "Trường A sync" in listing and token.prefix in listing and "Active" in listing
    assert plaintext not in listing  # never shown again
    assert api.get("/units", plaintext).json["data"][0]["code"] == "XA-T"
    with app.app_context():
        event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "api_token.issue")
                                   ).scalar_one()
    assert event.actor_id == org["admin_a"].id and event.unit_id == org["school_a"].id
    assert event.details["scope"] == "XA-T" and plaintext not in repr(event.details)


def test_admin_of_one_commune_cannot_issue_a_token_for_another(app, client, login_as, org):
    login_as(org["admin_a"])
    form = client.get("/admin/api-tokens/new").get_data(as_text=True)
    assert "Xã B" not in form and "Tỉnh Thử" not in form
    for unit in (org["b"], org["province"]):
        response = _issue(client, unit)
        assert response.status_code == 200
        assert "Not a valid choice" in response.get_data(as_text=True)
    assert _tokens(app) == []


def test_lifetime_is_bounded(app, client, login_as, org):
    login_as(org["admin_p"])
    for days in (0, 366, -5, ""):
        page = _issue(client, org["a"], days=days).get_data(as_text=True)
        assert "Choose from 1 to 365 days." in page or "This field is required." in page, days
    app.config["API_TOKEN_MAX_DAYS"] = 30
    assert "Choose from 1 to 30 days." in _issue(client, org["a"], days=31).get_data(as_text=True)
    assert _tokens(app) == []
    assert _issue(client, org["a"], days=30).status_code == 200
    assert len(_tokens(app)) == 1


def test_admins_see_only_the_tokens_of_their_units(client, login_as, org, issue):
    issue(org["a"], name="Token of A")
    issue(org["b"], name="Token of B")
    login_as(org["admin_a"])
    listing = client.get("/admin/api-tokens").get_data(as_text=True)
    assert "Token of A" in listing and "Token of B" not in listing
    login_as(org["admin_p"])
    listing = client.get("/admin/api-tokens").get_data(as_text=True)
    assert "Token of A" in listing and "Token of B" in listing


def test_admin_revokes_a_token_and_the_api_refuses_it(app, client, api, login_as, org, issue):
    plaintext = issue(org["a"])
    [token] = _tokens(app)
    login_as(org["admin_a"])
    response = post_form(client, f"/admin/api-tokens/{token.id}/revoke", {},
                         form_page="/admin/api-tokens")
    assert response.status_code == 302
    listing = client.get("/admin/api-tokens").get_data(as_text=True)
    assert "Revoked" in listing and "is revoked" in listing
    assert api.get("/units", plaintext).status_code == 401
    [token] = _tokens(app)
    assert token.revoked_by_id == org["admin_a"].id
    with app.app_context():
        event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "api_token.revoke")
                                   ).scalar_one()
    assert event.target_id == token.id and event.actor_id == org["admin_a"].id
    again = post_form(client, f"/admin/api-tokens/{token.id}/revoke", {}, form_page="/admin/api-tokens",
                      follow_redirects=True)
    assert "was revoked already" in again.get_data(as_text=True)


def test_revoking_needs_the_form_and_the_scope(app, client, login_as, org, issue):
    issue(org["b"])
    [token] = _tokens(app)
    login_as(org["admin_a"])
    assert client.post(f"/admin/api-tokens/{token.id}/revoke").status_code == 400  # no CSRF token
    token_value = csrf_token(client, "/admin/api-tokens")
    response = client.post(f"/admin/api-tokens/{token.id}/revoke", data={"csrf_token": token_value})
    assert response.status_code == 404  # B's token is not A's admin's business
    assert client.post("/admin/api-tokens/999999/revoke",
                       data={"csrf_token": token_value}).status_code == 404
    assert _tokens(app)[0].revoked_at is None


def test_learners_and_hr_cannot_reach_the_token_pages(client, login_as, org, make_official):
    for official in (make_official("learner", unit=org["a"]), org["hr_a"]):
        login_as(official)
        assert client.get("/admin/api-tokens").status_code == 403
        assert client.get("/admin/api-tokens/new").status_code == 403
        token_value = csrf_token(client, "/")
        assert client.post("/admin/api-tokens/new", data={
            "csrf_token": token_value, "name": "x", "unit_id": org["a"].id, "days": 5,
        }).status_code == 403


def test_admins_find_the_tokens_from_the_units_page_and_their_uses_in_the_audit_log(
        client, api, login_as, org, issue):
    used = issue(org["a"], name="Used token")
    issue(org["a"], name="Idle token")
    api.get("/units", used)
    login_as(org["admin_a"])
    assert 'href="/admin/api-tokens"' in client.get("/admin/units").get_data(as_text=True)
    listing = client.get("/admin/api-tokens").get_data(as_text=True)
    links = re.findall(r'href="(/admin/audit\?token=\d+)"', listing)
    assert len(links) == 2
    pages = [client.get(link).get_data(as_text=True) for link in links]
    used_page = next(page for page in pages if "Used token" in page)
    assert "API request" in used_page and "one API token only" in used_page
    assert "Idle token" not in used_page
    assert "never" in listing  # the idle token has not been used yet
