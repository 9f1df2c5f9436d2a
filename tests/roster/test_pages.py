"""The roster pages: HR uploads, checks the preview, applies; scope is enforced throughout."""

from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from lms.accounts.models import Official, Role
from lms.extensions import db
from lms.roster.models import RosterUpload
from tests.conftest import post_form

HEADER = "Mã cán bộ,Họ và tên,Mã đơn vị,Đối tượng\n"


def _upload(client, unit, text: str, *, deactivate: bool = False, filename: str = "roster.csv"):
    data = {"unit_id": str(unit.id), "roster": (io.BytesIO(text.encode("utf-8")), filename)}
    if deactivate:
        data["deactivate_missing"] = "y"
    return post_form(client, "/hr/roster/", data, content_type="multipart/form-data")


def _codes(app) -> set[str]:
    with app.app_context():
        return set(db.session.execute(select(Official.employee_code)
                                      .where(Official.employee_code.is_not(None))).scalars())


def _hr_of(make_official, unit, login="hr"):
    return make_official(login, unit=unit, roles=[(Role.HR, unit)])


def test_upload_preview_apply_shows_one_time_passwords_once(app, client, login_as, make_official, province):
    _root, an_phu, _ = province
    login_as(_hr_of(make_official, an_phu))
    response = _upload(client, an_phu, HEADER + "AP-001,Nguyễn Văn An,XA-AP,Công chức\n"
                                                "AP-002,Trần Thị Bình,XA-AP,Viên chức\n")
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    preview = client.get(preview_url).get_data(as_text=True)
    assert "Nguyễn Văn An" in preview and "Trần Thị Bình" in preview
    assert _codes(app) == set()  # nothing written by the preview

    fingerprint = re.search(r'name="fingerprint" type="hidden" value="([0-9a-f]+)"', preview).group(1)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', preview).group(1)
    done = client.post(preview_url + "/apply", data={"csrf_token": token, "fingerprint": fingerprint})
    assert done.status_code == 200
    page = done.get_data(as_text=True)
    assert "2 created" in page
    passwords = re.findall(r"<code>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</code>", page)
    assert len(passwords) == 2
    assert _codes(app) == {"AP-001", "AP-002"}

    again = client.post(preview_url + "/apply", data={"csrf_token": token, "fingerprint": fingerprint})
    assert again.status_code == 302
    assert "imported already" in client.get(again.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        upload = db.session.execute(select(RosterUpload)).scalar_one()
        assert upload.applied_at is not None and upload.content == b""  # no personal data kept


def test_problems_are_listed_by_row_and_column_and_nothing_is_stored(app, client, login_as, make_official, province):
    _root, an_phu, _ = province
    login_as(_hr_of(make_official, an_phu))
    response = _upload(client, an_phu, HEADER + "AP-001,Nguyễn Văn An,XA-AP,Công chức\n"
                                                "AP-002,Trần Thị Bình,XA-BM,Viên chức\n")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "1 problem: nothing was imported" in page
    assert "<td>3</td><td>Mã đơn vị</td><td><code>XA-BM</code></td>" in page
    assert _codes(app) == set()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RosterUpload)) == 0


def test_hr_of_one_commune_cannot_touch_another(app, client, login_as, make_official, province):
    _root, an_phu, binh_minh = province
    neighbour = make_official("bm.001", unit=binh_minh, full_name="Lê Văn Cường")
    with app.app_context():
        db.session.get(Official, neighbour.id).employee_code = "BM-001"
        db.session.commit()
    login_as(_hr_of(make_official, an_phu))

    page = client.get("/hr/roster/").get_data(as_text=True)
    assert "XA-AP" in page and "XA-BM" not in page

    # Claiming the neighbour's official by code, or importing into the neighbour's unit.
    response = _upload(client, an_phu, HEADER + "BM-001,Lê Văn Cường,XA-AP,Công chức\n")
    assert response.status_code == 422
    assert "outside the units you manage" in response.get_data(as_text=True)
    response = _upload(client, binh_minh, HEADER + "BM-002,Lê Thị Dung,XA-BM,Công chức\n")
    assert response.status_code == 422
    assert _codes(app) == {"BM-001"}
    with app.app_context():
        assert db.session.get(Official, neighbour.id).unit_id == binh_minh.id

    assert client.get(f"/hr/roster/units/{binh_minh.id}/roster.csv").status_code == 404
    own = client.get(f"/hr/roster/units/{an_phu.id}/roster.csv").get_data(as_text=True)
    assert "Lê Văn Cường" not in own


def test_someone_elses_upload_is_not_found(app, client, login_as, make_official, province):
    root, an_phu, _ = province
    login_as(_hr_of(make_official, an_phu))
    response = _upload(client, an_phu, HEADER + "AP-001,Nguyễn Văn An,XA-AP,Công chức\n")
    preview_url = response.headers["Location"]
    login_as(make_official("hr.tinh", unit=root, roles=[(Role.HR, root)]))
    assert client.get(preview_url).status_code == 404


def test_a_preview_that_no_longer_matches_is_not_applied(app, client, login_as, make_official, province):
    _root, an_phu, _ = province
    login_as(_hr_of(make_official, an_phu))
    preview_url = _upload(client, an_phu, HEADER + "AP-001,Nguyễn Văn An,XA-AP,Công chức\n").headers["Location"]
    preview = client.get(preview_url).get_data(as_text=True)
    fingerprint = re.search(r'name="fingerprint" type="hidden" value="([0-9a-f]+)"', preview).group(1)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', preview).group(1)
    # Meanwhile someone creates the account by hand under that login.
    make_official("ap-001", unit=an_phu, full_name="Nguyễn Văn Ân")
    response = client.post(preview_url + "/apply", data={"csrf_token": token, "fingerprint": fingerprint})
    assert response.status_code == 302 and response.headers["Location"].endswith(preview_url.split("/hr")[-1])
    assert _codes(app) == set()


def test_learners_and_forged_posts_are_refused(app, client, login_as, make_official, province):
    _root, an_phu, _ = province
    login_as(make_official("learner", unit=an_phu))
    assert client.get("/hr/roster/").status_code == 403
    assert client.get("/hr/roster/template.csv").status_code == 403
    login_as(_hr_of(make_official, an_phu))
    response = client.post("/hr/roster/", data={"unit_id": str(an_phu.id),
                                                "roster": (io.BytesIO(b"x"), "r.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 400  # no CSRF token


def test_templates_download_in_the_users_language(client, login_as, make_official, province):
    _root, an_phu, _ = province
    login_as(_hr_of(make_official, an_phu))
    csv_text = client.get("/hr/roster/template.csv").get_data(as_text=True)
    assert csv_text.startswith("\ufeffEmployee code,Full name,Unit code,Staff category")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "vi"
    vi_text = client.get("/hr/roster/template.csv").get_data(as_text=True)
    assert vi_text.startswith("\ufeffMã cán bộ,Họ và tên,Mã đơn vị,Đối tượng")
    xlsx = client.get("/hr/roster/template.xlsx")
    assert xlsx.data[:4] == b"PK\x03\x04"
