"""A province with two communes, API tokens for them, and a client that checks every answer
of the API against the OpenAPI document."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from sqlalchemy import update

from lms.accounts.models import Official, Role, StaffCategory
from lms.api.openapi import openapi_document
from lms.api.operations import issue_token
from lms.extensions import db
from lms.org.models import OrgUnit, UnitKind
from tests.scoring.conftest import world  # noqa: F401  (a province with 2026 scores)


@pytest.fixture(scope="session")
def openapi() -> OpenAPI:
    return OpenAPI.from_dict(openapi_document())


class ApiClient:
    """GETs under /api/v1; every answer must match what the OpenAPI document promises."""

    def __init__(self, client: FlaskClient, spec: OpenAPI) -> None:
        self.client = client
        self.spec = spec

    def get(self, path: str, bearer: str | None = None, *, documented_request: bool = True,
            headers: dict[str, str] | None = None, **params: Any):
        headers = dict(headers or {})
        if bearer is not None:
            headers["Authorization"] = f"Bearer {bearer}"
        url = path if path.startswith("http") else "/api/v1" + path
        response = self.client.get(url, query_string=params or None, headers=headers)
        self.check(response, documented_request=documented_request)
        return response

    def check(self, response, *, documented_request: bool = True) -> None:
        request = WerkzeugOpenAPIRequest(response.request)
        if documented_request and response.status_code == 200:
            self.spec.validate_request(request)
        self.spec.validate_response(request, WerkzeugOpenAPIResponse(response))


@pytest.fixture
def api(client, openapi) -> ApiClient:
    return ApiClient(client, openapi)


def set_employee_code(app, official: Official, code: str) -> None:
    with app.app_context():
        db.session.execute(update(Official).where(Official.id == official.id).values(employee_code=code))
        db.session.commit()


@pytest.fixture
def org(app, make_unit, make_official):
    province = make_unit("Tỉnh Thử", code="P")
    commune_a = make_unit("Xã A", parent=province, kind=UnitKind.COMMUNE, code="XA")
    school_a = make_unit("Trường A", parent=commune_a, kind=UnitKind.SCHOOL, code="XA-T")
    commune_b = make_unit("Xã B", parent=province, kind=UnitKind.COMMUNE, code="XB")
    people = {
        "a_clerk": make_official("a.clerk", unit=commune_a, full_name="Lê Văn Án"),
        "a_teacher": make_official("a.teacher", unit=school_a, full_name="Lê Thị Giáo",
                                   staff_category=StaffCategory.VIEN_CHUC),
        "a_pupil": make_official("a.pupil", unit=school_a, full_name="Lê Học Trò",
                                 staff_category=StaffCategory.HOC_SINH),
        "a_left": make_official("a.left", unit=commune_a, full_name="Lê Đã Nghỉ", active=False),
        "b_clerk": make_official("b.clerk", unit=commune_b, full_name="Phạm Thị Bê"),
        "admin_p": make_official("admin.p", unit=province, roles=[(Role.ADMIN, province)],
                                 full_name="Quản Trị Tỉnh"),
        "admin_a": make_official("admin.a", unit=commune_a, roles=[(Role.ADMIN, commune_a)],
                                 full_name="Quản Trị Xã A"),
        "hr_a": make_official("hr.a", unit=commune_a, roles=[(Role.HR, commune_a)],
                              full_name="Nhân Sự Xã A"),
    }
    set_employee_code(app, people["a_clerk"], "NV-001")
    set_employee_code(app, people["b_clerk"], "NV-900")
    return {"province": province, "a": commune_a, "school_a": school_a, "b": commune_b, **people}


@pytest.fixture
def issue(app) -> Callable[..., str]:
    """Issue a token for a unit (as the system would for an admin) and return its plaintext."""

    def factory(unit: OrgUnit, *, days: int = 30, name: str = "HR system") -> str:
        with app.app_context():
            _token, plaintext = issue_token(name=name, unit=db.session.get(OrgUnit, unit.id), days=days)
            db.session.commit()
        return plaintext

    return factory
