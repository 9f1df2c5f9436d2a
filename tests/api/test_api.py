"""The integration API as a Home Affairs system uses it — and as an intruder tries it."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from freezegun import freeze_time
from sqlalchemy import select, update

from lms.accounts.models import Official, Role
from lms.api.models import ApiToken
from lms.api.operations import revoke_token
from lms.audit.models import AuditEvent
from lms.extensions import db
from lms.scoring.operations import freeze
from tests.scoring.conftest import END_OF_YEAR


def _walk(api, path: str, token: str, **params) -> list[dict]:
    """Every item of a list, page after page, following the ``next`` links."""
    response = api.get(path, token, **params)
    items = list(response.json["data"])
    while response.json["pagination"]["next"]:
        response = api.get(response.json["pagination"]["next"], token)
        assert response.status_code == 200
        items += response.json["data"]
    return items


def _api_events(app) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "api.request").order_by(AuditEvent.id)
        ).scalars())


# What a token sees ---------------------------------------------------------------------------

def test_units_are_the_tokens_subtree(api, org, issue):
    token = issue(org["a"])
    units = api.get("/units", token).json["data"]
    assert [unit["code"] for unit in units] == ["XA", "XA-T"]
    assert units[0]["parent_code"] is None  # the province above is not the token's business
    assert units[1] == {"code": "XA-T", "name_vi": "Trường A", "name_en": units[1]["name_en"],
                        "kind": "school", "parent_code": "XA", "active": True}
    province = issue(org["province"])
    codes = [unit["code"] for unit in api.get("/units", province).json["data"]]
    assert codes == ["P", "XA", "XA-T", "XB"]


def test_officials_carry_only_what_hr_needs(api, org, issue):
    token = issue(org["a"])
    officials = {o["official_code"]: o for o in api.get("/officials", token).json["data"]}
    assert officials["NV-001"] == {"official_code": "NV-001", "code_type": "employee_code",
                                   "full_name": "Lê Văn Án", "unit_code": "XA",
                                   "staff_category": "cong_chuc", "position": None, "active": True}
    assert officials["a.teacher"]["code_type"] == "login"
    assert officials["a.left"]["active"] is False
    assert "a.pupil" not in officials  # pupils of school sessions are not staff
    assert "NV-900" not in officials and "b.clerk" not in officials
    only_active = api.get("/officials", token, active="true").json["data"]
    assert "a.left" not in {o["official_code"] for o in only_active}
    school = api.get("/officials", token, unit="xa-t").json["data"]
    assert [o["official_code"] for o in school] == ["a.teacher"]


def test_a_commune_token_never_sees_the_other_commune(api, org, issue):
    token = issue(org["a"])
    everything = []
    for path in ("/units", "/officials", "/completions"):
        everything += _walk(api, path, token, limit=1)
    text = repr(everything)
    assert "XB" not in text and "NV-900" not in text and "Phạm Thị Bê" not in text
    for code in ("XB", "P", "xb", "NO-SUCH-UNIT"):
        for path in ("/units", "/officials", "/completions"):
            response = api.get(path, token, documented_request=False, unit=code)
            assert response.status_code == 404
            assert response.json["error"]["code"] == "unit_not_found"  # same as a unit that does not exist


def test_pagination_walks_every_item_once_in_a_stable_order(api, org, issue):
    token = issue(org["province"])
    whole = api.get("/officials", token).json["data"]
    assert len(whole) == 7
    walked = _walk(api, "/officials", token, limit=2)
    assert walked == whole
    first = api.get("/officials", token, limit=2).json["pagination"]
    assert first["limit"] == 2 and first["next_cursor"] in first["next"]
    again = api.get("/officials", token, limit=2, cursor=first["next_cursor"]).json["data"]
    assert again == whole[2:4]


def test_pagination_refuses_bad_limits_and_foreign_or_forged_cursors(api, org, issue):
    token = issue(org["province"])
    for limit in ("0", "1001", "ten", "-1"):
        response = api.get("/units", token, documented_request=False, limit=limit)
        assert response.status_code == 400 and response.json["error"]["code"] == "invalid_parameter"
    units_cursor = api.get("/units", token, limit=1).json["pagination"]["next_cursor"]
    response = api.get("/officials", token, documented_request=False, cursor=units_cursor)
    assert response.status_code == 400 and response.json["error"]["code"] == "invalid_cursor"
    payload, _, signature = units_cursor.partition(".")
    forged = "WyJaIl0" + "." + signature  # ["Z"] with the old signature
    assert api.get("/units", token, documented_request=False, cursor=forged).status_code == 400


def test_unknown_parameters_are_refused_rather_than_ignored(api, org, issue):
    token = issue(org["a"])
    response = api.get("/officials", token, documented_request=False, units="XB")
    assert response.status_code == 400
    assert response.json["error"] == {"code": "unknown_parameter",
                                      "message": "Unknown query parameter: units."}


def test_completions_filter_by_year_moment_and_course(app, api, world, issue):
    with freeze_time(END_OF_YEAR):
        token = issue(world["commune_a"])
        rows = api.get("/completions", token).json["data"]
        assert [(row["official_code"], row["completed_at"], row["score"], row["best_score"])
                for row in rows] == [("a1", "2026-05-01T03:00:00Z", 80.0, 80.0),
                                     ("a2", "2026-08-01T03:00:00Z", 80.0, 80.0)]
        assert rows[0]["course"] == "sample" and rows[0]["unit_code"] == "XA"
        since = api.get("/completions", token, since="2026-06-01T00:00:00+07:00").json["data"]
        assert [row["official_code"] for row in since] == ["a2"]
        assert api.get("/completions", token, since="2026-08-01").json["data"] == since  # local day
        assert api.get("/completions", token, since="2026-08-02").json["data"] == []
        assert api.get("/completions", token, year=2025).json["data"] == []
        assert len(api.get("/completions", token, year=2026).json["data"]) == 2
        assert api.get("/completions", token, course="other").json["data"] == []
        province = issue(world["province"])
        assert len(_walk(api, "/completions", province, limit=1)) == 3
        for since in ("yesterday", "2026-06-01T00:00:00"):  # a moment needs its offset
            response = api.get("/completions", token, documented_request=False, since=since)
            assert response.status_code == 400


def test_live_scores_say_so_and_match_the_scoring_pages(api, world, issue):
    with freeze_time(END_OF_YEAR):
        token = issue(world["commune_a"])
        response = api.get("/scores", token, year=2026).json
    assert response["meta"]["source"] == "live" and response["meta"]["snapshot"] is None
    assert response["meta"]["period"] == "year" and len(response["meta"]["policy_hash"]) == 64
    scores = {row["official_code"]: row for row in response["data"]}
    assert set(scores) == {"a1", "a2", "a3"}  # the teacher has no mandatory course
    assert scores["a1"]["indicator"] == 98.0 and scores["a1"]["band"] == "excellent"
    assert scores["a1"]["meets_standard"] is True
    assert scores["a2"]["indicator"] == 68.0 and scores["a2"]["late"] == 1
    assert scores["a3"]["missing"] == 1 and scores["a3"]["meets_standard"] is False
    assert "full_name" not in scores["a1"]  # names stay in /officials


def test_frozen_scores_name_their_snapshot(app, api, world, issue):
    with freeze_time(END_OF_YEAR):
        token = issue(world["province"])
        with app.app_context():
            snapshot = freeze(2026)
            db.session.commit()
            snapshot_id, policy_hash = snapshot.id, snapshot.policy_hash
        response = api.get("/scores", token, year=2026, limit=2).json
        units = api.get("/scores/units", token, year=2026).json
    assert response["meta"]["source"] == "frozen"
    assert response["meta"]["snapshot"]["id"] == snapshot_id
    assert response["meta"]["snapshot"]["policy_hash"] == policy_hash
    by_unit = {row["unit_code"]: row for row in units["data"]}
    assert by_unit["P"]["rank"] is None and by_unit["P"]["parent_code"] is None
    assert by_unit["P"]["headcount"] == 5  # the HR officer at the province has the course due too
    assert by_unit["XA"]["rank"] == 2 and by_unit["XB"]["rank"] == 1  # 1 of 3 vs 1 of 1 meet it
    assert by_unit["XA-T"]["parent_code"] == "XA"


def test_quarter_scores_and_a_subunit(api, world, issue):
    with freeze_time(END_OF_YEAR):
        token = issue(world["province"])
        q2 = api.get("/scores", token, year=2026, period="Q2", unit="XA").json
        units = api.get("/scores/units", token, year=2026, unit="XA").json["data"]
        bad = api.get("/scores", token, documented_request=False, year=2026, period="Q5")
        no_year = api.get("/scores", token, documented_request=False)
    assert q2["meta"]["period"] == "Q2"
    assert {row["official_code"] for row in q2["data"]} == {"a1", "a2", "a3"}
    assert {row["unit_code"]: row["rank"] for row in units} == {"XA": None, "XA-T": 1}
    assert bad.status_code == no_year.status_code == 400


# Tokens ----------------------------------------------------------------------------------------

def test_requests_without_a_valid_bearer_token_are_refused(api, org, issue):
    token = issue(org["a"])
    cases = {
        "token_missing": {},
        "token_invalid": {"headers": {"Authorization": "Bearer lms_not-a-real-token"}},
    }
    for code, kwargs in cases.items():
        response = api.get("/units", **kwargs)
        assert response.status_code == 401
        assert response.json["error"]["code"] == code
        assert response.headers["WWW-Authenticate"].startswith('Bearer realm="lms"')
    for header in (f"Token {token}", f"Basic {token}", token, "Bearer "):
        response = api.get("/units", headers={"Authorization": header})
        assert response.status_code == 401


def test_a_token_in_the_query_string_is_not_accepted(api, org, issue):
    token = issue(org["a"])
    for name in ("access_token", "token"):
        response = api.get("/units", documented_request=False, **{name: token})
        assert response.status_code == 401
        assert response.json["error"]["code"] == "token_in_url"


def test_a_revoked_token_stops_working_at_once(app, api, org, issue):
    token = issue(org["a"])
    assert api.get("/units", token).status_code == 200
    with app.app_context():
        revoke_token(db.session.execute(select(ApiToken)).scalar_one())
        db.session.commit()
    response = api.get("/units", token)
    assert response.status_code == 401 and response.json["error"]["code"] == "token_revoked"


def test_a_token_expires(api, org, issue):
    with freeze_time("2026-03-01 08:00:00"):
        token = issue(org["a"], days=30)
    with freeze_time("2026-03-31 07:59:59"):
        assert api.get("/units", token).status_code == 200
    with freeze_time("2026-03-31 08:00:00"):
        response = api.get("/units", token)
    assert response.status_code == 401 and response.json["error"]["code"] == "token_expired"


def test_only_a_digest_of_the_token_is_stored(app, api, org, issue):
    token = issue(org["a"])
    assert token.startswith("lms_") and len(token) >= 40
    api.get("/units", token)
    with app.app_context():
        stored = db.session.execute(select(ApiToken)).scalar_one()
        assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest() != token
        assert token.startswith(stored.prefix) and len(stored.prefix) < len(token) / 3
        audit_text = repr([event.details for event in db.session.execute(select(AuditEvent)).scalars()])
    assert token not in audit_text and stored.token_hash not in audit_text


def test_a_browser_session_never_authenticates_the_api(api, client, login_as, org, make_official):
    login_as(org["admin_p"])
    assert client.get("/admin/api-tokens").status_code == 200  # the session is valid for pages
    response = api.get("/units")
    assert response.status_code == 401 and response.json["error"]["code"] == "token_missing"


def test_a_session_that_must_change_its_password_does_not_hijack_api_calls(
        api, login_as, org, issue, make_official):
    newcomer = make_official("new.hr", unit=org["a"], must_change_password=True)
    login_as(newcomer)
    token = issue(org["a"])
    response = api.get("/units", token)
    assert response.status_code == 200 and response.is_json
    assert "Set-Cookie" not in response.headers
    missing = api.client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.is_json


# Errors --------------------------------------------------------------------------------------

def test_errors_under_the_api_are_json_never_html(client, org, issue):
    token = issue(org["a"])
    auth = {"Authorization": f"Bearer {token}"}
    for method, path, status in (("GET", "/api/v1/nothing-here", 404), ("GET", "/api/v1/units/", 404),
                                 ("POST", "/api/v1/units", 405), ("DELETE", "/api/v1/officials", 405),
                                 ("GET", "/api/v2/units", 404)):
        response = client.open(path, method=method, headers=auth)
        assert response.status_code == status, path
        assert response.is_json and set(response.json["error"]) == {"code", "message"}
        assert "<html" not in response.get_data(as_text=True)
    assert client.post("/api/v1/units", headers=auth).headers["Allow"]


def test_an_unexpected_failure_is_a_json_500_and_still_audited(app, api, org, issue, monkeypatch):
    from lms.api import queries

    def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(queries, "units", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    token = issue(org["a"])
    response = api.get("/units", token)
    assert response.status_code == 500
    assert response.json["error"]["code"] == "server_error"
    assert "fire" not in response.get_data(as_text=True)
    assert _api_events(app)[-1].details["status"] == 500


def test_answers_are_not_cached(api, org, issue):
    token = issue(org["a"])
    assert api.get("/units", token).headers["Cache-Control"] == "no-store"
    assert api.get("/units").headers["Cache-Control"] == "no-store"


def test_requests_are_rate_limited_per_token(app, api, org, issue):
    app.config["API_RATE_LIMIT"] = "2 per minute"
    busy, quiet = issue(org["a"], name="busy"), issue(org["a"], name="quiet")
    assert [api.get(path, busy).status_code for path in ("/units", "/officials")] == [200, 200]
    refused = api.get("/completions", busy)  # one budget for the whole API
    assert refused.status_code == 429 and refused.json["error"]["code"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 61
    assert api.get("/units", quiet).status_code == 200


# Audit ---------------------------------------------------------------------------------------

def test_every_use_is_audited_once_with_who_what_scope_and_count(app, api, org, issue):
    token = issue(org["a"], name="Sở Nội vụ")
    before = datetime.now(UTC) - timedelta(seconds=1)
    api.get("/officials", token, unit="XA-T", limit=5)
    api.get("/units", token, documented_request=False, unit="XB")
    events = _api_events(app)
    assert len(events) == 2
    ok, refused = events
    with app.app_context():
        stored = db.session.execute(select(ApiToken)).scalar_one()
    assert ok.target_type == "api_token" and ok.target_id == stored.id
    assert ok.unit_id == org["a"].id and ok.actor_id is None and ok.at >= before
    assert ok.details == {"token": "Sở Nội vụ", "prefix": stored.prefix, "scope": "XA", "method": "GET",
                          "endpoint": "/api/v1/officials", "query": "unit=XA-T&limit=5",
                          "status": 200, "count": 1}
    assert refused.details["status"] == 404 and refused.details["count"] is None
    assert stored.last_used_at is not None and stored.last_used_at >= before


def test_refused_uses_of_a_known_token_are_audited_too(app, api, org, issue):
    with freeze_time("2026-03-01 08:00:00"):
        token = issue(org["a"], days=1)
    with freeze_time("2026-03-05 08:00:00"):
        api.get("/units", token)
    api.get("/units", headers={"Authorization": "Bearer lms_unknown"})
    events = _api_events(app)
    assert len(events) == 1  # an unknown token has no owner to record it against
    assert events[0].details["refused"] == "expired" and events[0].details["status"] == 401
    with app.app_context():
        assert db.session.execute(select(ApiToken.last_used_at)).scalar_one() is None


def test_the_audit_log_shows_api_use_to_admins_in_scope(client, login_as, api, org, issue):
    token = issue(org["a"], name="Hệ thống nhân sự")
    api.get("/units", token)
    login_as(org["admin_p"])
    page = client.get("/admin/audit?action=api.request").get_data(as_text=True)
    assert "API token Hệ thống nhân sự" in page and "/api/v1/units" in page
    login_as(org["admin_a"])
    assert "Hệ thống nhân sự" in client.get("/admin/audit").get_data(as_text=True)


def test_api_use_stays_out_of_other_units_audit_logs(client, login_as, api, org, issue, make_official):
    token = issue(org["a"], name="Hệ thống nhân sự")
    api.get("/units", token)
    admin_b = make_official("admin.b", unit=org["b"], roles=[(Role.ADMIN, org["b"])])
    login_as(admin_b)
    assert "Hệ thống nhân sự" not in client.get("/admin/audit").get_data(as_text=True)



def test_officials_whose_data_was_erased_are_left_out_but_still_counted(app, api, world, issue):
    with app.app_context():
        db.session.execute(update(Official).where(Official.id == world["late"].id)
                           .values(anonymised_at=datetime(2026, 12, 1, tzinfo=UTC)))
        db.session.commit()
    with freeze_time(END_OF_YEAR):
        token = issue(world["commune_a"])
        officials = {o["official_code"] for o in api.get("/officials", token).json["data"]}
        completions = {c["official_code"] for c in api.get("/completions", token).json["data"]}
        scores = {s["official_code"] for s in api.get("/scores", token, year=2026).json["data"]}
        units = {u["unit_code"]: u for u in api.get("/scores/units", token, year=2026).json["data"]}
    assert "a2" not in officials | completions | scores
    assert {"a1", "a3"} <= officials and completions == {"a1"} and scores == {"a1", "a3"}
    assert units["XA"]["headcount"] == 3  # the unit's figures do not change
