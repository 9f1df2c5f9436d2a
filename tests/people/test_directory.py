from __future__ import annotations

import re

from lms.accounts.models import Role
from lms.org.models import UnitKind


def names_on(page: str) -> list[str]:
    return re.findall(r'<td><a href="/people/\d+">([^<]+)</a></td>', page)


def test_search_ignores_case_and_diacritics(client, make_unit, make_official, login_as):
    unit = make_unit("Xã Đông", code="XD")
    make_official("cb1", unit=unit, full_name="Nguyễn Văn Đức")
    make_official("cb2", unit=unit, full_name="Trần Thị Hoa")
    login_as(make_official("hr", unit=unit, roles=[(Role.HR, unit)], full_name="Lê Hữu Tình"))
    assert names_on(client.get("/people/?q=nguyen van duc").get_data(as_text=True)) == [
        "Nguyễn Văn Đức"]
    assert names_on(client.get("/people/?q=CB2").get_data(as_text=True)) == ["Trần Thị Hoa"]


def test_officials_are_listed_by_given_name_as_staff_lists_are(client, make_unit, make_official,
                                                                login_as):
    unit = make_unit("Xã Đông", code="XD")
    for login, name in (("a", "Trần Văn Bình"), ("b", "Lê Thị An"), ("c", "Nguyễn Văn An")):
        make_official(login, unit=unit, full_name=name)
    login_as(make_official("hr", unit=unit, roles=[(Role.HR, unit)], full_name="Phạm Văn Tú"))
    assert names_on(client.get("/people/").get_data(as_text=True)) == [
        "Lê Thị An", "Nguyễn Văn An", "Trần Văn Bình", "Phạm Văn Tú"]


def test_long_lists_are_paginated(client, make_unit, make_official, login_as):
    unit = make_unit("Phường Tây", code="PT", kind=UnitKind.WARD)
    for number in range(55):
        make_official(f"cb{number:03d}", unit=unit, full_name=f"Người Số {number:03d}")
    login_as(make_official("hr", unit=unit, roles=[(Role.HR, unit)], full_name="Zô Hr"))
    first = client.get("/people/").get_data(as_text=True)
    second = client.get("/people/?page=2").get_data(as_text=True)
    assert len(names_on(first)) == 50 and len(names_on(second)) == 6
    assert not set(names_on(first)) & set(names_on(second))
    assert 'rel="next"' in first and 'rel="prev"' in second
