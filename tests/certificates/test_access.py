"""Who may see and download which certificate: the holder, and managers over the holder's unit."""

from __future__ import annotations

from lms.accounts.models import Role


def test_an_official_cannot_download_another_officials_certificate(client, login_as, make_unit,
                                                                   make_official, make_certificate):
    unit = make_unit()
    first = make_official("first", unit=unit, full_name="Đỗ Minh Khang")
    second = make_official("second", unit=unit, full_name="Bùi Thu Hà")
    serial = make_certificate(first)
    login_as(second)
    assert client.get(f"/certificates/{serial}.pdf").status_code == 404
    assert serial not in client.get("/certificates/").get_data(as_text=True)
    login_as(first)
    assert client.get(f"/certificates/{serial}.pdf").status_code == 200
    assert serial in client.get("/certificates/").get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_sign_in(client, make_official, make_certificate):
    serial = make_certificate(make_official())
    for path in (f"/certificates/{serial}.pdf", "/certificates/", "/certificates/manage",
                 "/learn/lab/e-signature", "/learn/lab/e-signature/check"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.location, path


def test_managers_download_within_their_subtree_only(client, login_as, make_unit, make_official,
                                                    make_certificate):
    province = make_unit("Tỉnh")
    commune = make_unit("Xã An Phú", parent=province)
    other = make_unit("Xã Bình Sơn", parent=province)
    holder = make_official("holder", unit=commune)
    serial = make_certificate(holder)

    login_as(make_official("hr.tinh", unit=province, roles=[(Role.HR, province)]))
    assert client.get(f"/certificates/{serial}.pdf").status_code == 200
    detail = client.get(f"/people/{holder.id}").get_data(as_text=True)
    assert f"/certificates/{serial}.pdf" in detail

    login_as(make_official("manager.other", unit=other, roles=[(Role.UNIT_MANAGER, other)]))
    assert client.get(f"/certificates/{serial}.pdf").status_code == 404

    login_as(make_official("facilitator", unit=commune, roles=[(Role.FACILITATOR, commune)]))
    assert client.get(f"/certificates/{serial}.pdf").status_code == 404
