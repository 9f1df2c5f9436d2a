"""The OpenAPI document: valid, served, in step with the URL map, and true to every answer."""

from __future__ import annotations

import re

import pytest
from freezegun import freeze_time
from openapi_spec_validator import validate

from lms.api.openapi import OPENAPI_PATH, openapi_document
from lms.extensions import db
from lms.scoring.operations import freeze
from tests.scoring.conftest import END_OF_YEAR

SAMPLE_VALUES = {"year": 2026}


def test_the_document_is_valid_openapi_3_1():
    document = openapi_document()
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_the_document_is_served_without_a_token(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.json == openapi_document()
    assert "Set-Cookie" not in response.headers


def _documented_routes() -> set[tuple[str, str]]:
    document = openapi_document()
    prefix = document["servers"][0]["url"]
    return {(prefix + path, method.upper())
            for path, item in document["paths"].items() for method in item
            if method in {"get", "put", "post", "patch", "delete"}}


def test_every_api_route_is_documented_and_every_documented_route_exists(app):
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            routed |= {(path, method) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routed == _documented_routes()


def test_every_schema_and_response_the_document_defines_is_used():
    text = OPENAPI_PATH.read_text(encoding="utf-8")
    document = openapi_document()
    for kind in ("schemas", "responses", "parameters", "headers"):
        for name in document["components"][kind]:
            assert f"#/components/{kind}/{name}" in text, name


def _operations():
    document = openapi_document()
    for path, item in document["paths"].items():
        if path == "/openapi.json":
            continue
        operation = item["get"]
        parameters = [document["components"]["parameters"][p["$ref"].rsplit("/", 1)[1]]
                      if "$ref" in p else p for p in operation.get("parameters", [])]
        required = {p["name"]: SAMPLE_VALUES[p["name"]] for p in parameters if p.get("required")}
        yield path, operation, required


@pytest.mark.parametrize("frozen", [False, True], ids=["live", "frozen"])
def test_every_endpoint_answers_as_documented(app, api, world, issue, frozen):
    """Each documented operation, asked well and badly, answers with a documented status and a
    body that validates against its schema (the ``api`` client checks every response)."""
    with freeze_time(END_OF_YEAR):
        token = issue(world["commune_a"])
        if frozen:
            with app.app_context():
                freeze(2026)
                db.session.commit()
        for path, operation, required in _operations():
            statuses = set(operation["responses"])
            ok = api.get(path, token, **required)
            assert ok.status_code == 200, (path, ok.json)
            assert ok.json["data"], path  # the world has something to list everywhere
            if "meta" in ok.json:
                assert ok.json["meta"]["source"] == ("frozen" if frozen else "live")
            paged = api.get(path, token, limit=1, **required)
            assert len(paged.json["data"]) == 1
            if paged.json["pagination"]["next"]:
                api.get(paged.json["pagination"]["next"], token)
            cases = {
                "401": api.get(path, None, documented_request=False, **required),
                "400": api.get(path, token, documented_request=False, colour="red", **required),
                "404": api.get(path, token, documented_request=False, unit="XB", **required),
            }
            for status, response in cases.items():
                assert str(response.status_code) == status, (path, status, response.json)
                assert status in statuses, (path, status)
            bad_cursor = api.get(path, token, documented_request=False, cursor="nope", **required)
            assert bad_cursor.status_code == 400


def test_scores_without_a_policy_answer_a_documented_404(api, org, issue):
    token = issue(org["a"])
    for path in ("/scores", "/scores/units"):
        response = api.get(path, token, year=2031)
        assert response.status_code == 404
        assert response.json["error"]["code"] == "no_scores"

