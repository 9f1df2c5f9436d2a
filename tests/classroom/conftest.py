from __future__ import annotations

import pytest

from lms.accounts.models import Role
from lms.org.models import UnitKind


@pytest.fixture
def school_tree(make_unit):
    """A province, a commune with two schools, and another commune with one."""
    province = make_unit("Tỉnh Thử")
    commune = make_unit("Xã An Phú", parent=province, kind=UnitKind.COMMUNE)
    school_a = make_unit("Trường THCS An Phú", parent=commune, kind=UnitKind.SCHOOL)
    school_b = make_unit("Trường Tiểu học An Phú", parent=commune, kind=UnitKind.SCHOOL)
    other_commune = make_unit("Xã Bình Sơn", parent=province, kind=UnitKind.COMMUNE)
    other_school = make_unit("Trường THCS Bình Sơn", parent=other_commune, kind=UnitKind.SCHOOL)
    return {"province": province, "commune": commune, "school_a": school_a,
            "school_b": school_b, "other_commune": other_commune, "other_school": other_school}


@pytest.fixture
def teacher(make_official, school_tree):
    school = school_tree["school_a"]
    return make_official("giaovien", unit=school, roles=[(Role.FACILITATOR, school)],
                         full_name="Trần Thị Hoa")


@pytest.fixture
def phone(app):
    """A participant's phone: a browser with no account and its own cookies."""
    def make():
        client = app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client
    return make
