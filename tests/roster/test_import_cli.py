"""The roster import as HR offices use it from the command line: messy files, all or nothing."""

from __future__ import annotations

import csv
import io
import unicodedata

from sqlalchemy import func, select

from lms.accounts.models import Official, StaffCategory
from lms.accounts.operations import authenticate
from lms.audit.models import AuditEvent
from lms.extensions import db


def _officials(app) -> dict[str, Official]:
    with app.app_context():
        rows = db.session.execute(select(Official).where(Official.employee_code.is_not(None))).scalars()
        return {official.employee_code: official for official in rows}


def _import(runner, path, *args):
    return runner.invoke(args=["roster", "import", str(path), "--lang", "en", *args])


MESSY = (
    "\ufeffMã cán bộ;Họ và tên;Mã đơn vị;Loại cán bộ;Chức vụ\r\n"
    "\r\n"
    "ap-001;  {decomposed}  ;xa-ap;Công chức;Chủ tịch UBND xã\r\n"
    "AP-002;Trần Thị   Bình;XA-AP;vien chuc;\r\n"
    ";;;;\r\n"
    "BM-001;\"Lê Văn Cường; con\";XA-BM;Cán bộ;\"Phó chủ tịch\"\r\n"
)


def _messy_file(tmp_path):
    decomposed = unicodedata.normalize("NFD", "Nguyễn Văn Ân")
    path = tmp_path / "roster.csv"
    path.write_bytes(MESSY.format(decomposed=decomposed).encode("utf-8"))
    return path


def test_messy_csv_creates_accounts_with_clean_names_and_one_time_passwords(app, runner, province, tmp_path):
    credentials = tmp_path / "passwords.csv"
    result = _import(runner, _messy_file(tmp_path), "--credentials", str(credentials))
    assert result.exit_code == 0, result.output
    assert "3 created" in result.output

    officials = _officials(app)
    assert set(officials) == {"AP-001", "AP-002", "BM-001"}
    an = officials["AP-001"]
    assert an.full_name == "Nguyễn Văn Ân" and unicodedata.is_normalized("NFC", an.full_name)
    assert an.position_title == "Chủ tịch UBND xã"
    assert an.staff_category is StaffCategory.CONG_CHUC
    assert officials["AP-002"].full_name == "Trần Thị Bình"
    assert officials["AP-002"].staff_category is StaffCategory.VIEN_CHUC
    assert officials["BM-001"].full_name == "Lê Văn Cường; con"
    assert all(official.must_change_password for official in officials.values())

    with credentials.open(encoding="utf-8-sig", newline="") as handle:
        handed_out = {row["employee_code"]: row for row in csv.DictReader(handle)}
    assert oct(credentials.stat().st_mode & 0o777) == "0o600"
    with app.app_context():
        signed_in = authenticate(handed_out["AP-001"]["login"], handed_out["AP-001"]["one_time_password"])
        assert signed_in is not None and signed_in.employee_code == "AP-001"
        assert handed_out["AP-001"]["login"] == "ap-001"


def test_importing_the_same_file_twice_changes_nothing(app, runner, province, tmp_path):
    path = _messy_file(tmp_path)
    assert _import(runner, path, "--credentials", str(tmp_path / "c.csv")).exit_code == 0
    before = {code: (o.updated_at, o.session_token) for code, o in _officials(app).items()}

    again = _import(runner, path)
    assert again.exit_code == 0, again.output
    assert "Nothing to change" in again.output
    assert {code: (o.updated_at, o.session_token) for code, o in _officials(app).items()} == before
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(AuditEvent.action == "roster.import")) == 1


def test_a_bad_row_in_the_middle_writes_nothing_and_every_problem_is_listed(app, runner, province, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "Employee code,Full name,Unit code,Staff category,Email\n"
        "AP-001,Nguyễn Văn An,XA-AP,Civil servant,an@example.org\n"
        "AP-002,Trần Thị Bình,XA-ZZ,Civil servant,\n"          # unknown unit
        "AP-001,Nguyễn Văn An,XA-AP,Civil servant,\n"          # duplicate code
        "AP-003,,XA-AP,Astronaut,not-an-email\n"               # no name, bad category, bad email
        "AP-004,Phạm Văn Dũng,XA-AP,Cadre,\n",
        encoding="utf-8")
    result = _import(runner, path, "--credentials", str(tmp_path / "c.csv"))
    assert result.exit_code != 0
    output = result.output
    assert "nothing was written" in output
    assert f"{path}:3 [Unit code] 'XA-ZZ'" in output
    assert f"{path}:4 [Employee code] 'AP-001': The employee code AP-001 appears again (first on row 2)." in output
    assert f"{path}:5 [Full name]" in output
    assert f"{path}:5 [Staff category] 'Astronaut'" in output
    assert f"{path}:5 [Email] 'not-an-email'" in output
    assert _officials(app) == {}
    assert not (tmp_path / "c.csv").exists()


def test_missing_required_columns_are_named(app, runner, province, tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("Họ và tên,Chức vụ\nNguyễn Văn An,Chuyên viên\n", encoding="utf-8")
    result = _import(runner, path)
    assert result.exit_code != 0
    assert "Missing column(s): Employee code, Unit code, Staff category." in result.output


TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def _windows_1258(text: str) -> bytes:
    """As Excel writes it: letters with a hat, breve or horn precomposed, tone marks combining."""
    encoded = bytearray()
    for character in text:
        try:
            encoded += character.encode("cp1258")
        except UnicodeEncodeError:
            decomposed = unicodedata.normalize("NFD", character)
            tones = [mark for mark in decomposed if mark in TONE_MARKS]
            base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONE_MARKS))
            encoded += (base + "".join(tones)).encode("cp1258")
    return bytes(encoded)


def test_xlsx_with_numeric_codes_and_windows_1258_csv_are_read(app, runner, province, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Mã cán bộ", "Họ tên", "Mã đơn vị", "Phân loại"])
    sheet.append([1024, "Đỗ Thị Hoa", "XA-AP", "CC"])
    sheet.append([None, None, None, None])
    sheet.append([1025.0, "Hoàng Văn Minh", "XA-BM", "Cán bộ"])
    workbook_path = tmp_path / "roster.xlsx"
    workbook.save(workbook_path)
    assert _import(runner, workbook_path, "--credentials", str(tmp_path / "a.csv")).exit_code == 0

    legacy = tmp_path / "legacy.csv"
    legacy.write_bytes(_windows_1258("Mã cán bộ,Họ tên,Mã đơn vị,Phân loại\r\n"
                                     "2001,Vũ Thị Lan,XA-AP,Viên chức\r\n"))
    result = _import(runner, legacy, "--credentials", str(tmp_path / "b.csv"))
    assert result.exit_code == 0, result.output
    officials = _officials(app)
    assert officials["1024"].full_name == "Đỗ Thị Hoa"
    assert officials["1025"].staff_category is StaffCategory.CAN_BO
    assert officials["2001"].full_name == "Vũ Thị Lan"


def test_updates_moves_and_deactivation_only_when_asked(app, runner, province, tmp_path, make_official):
    root, an_phu, binh_minh = province
    path = tmp_path / "v1.csv"
    path.write_text("Employee code,Full name,Unit code,Staff category\n"
                    "AP-001,Nguyễn Văn An,XA-AP,Civil servant\n"
                    "AP-002,Trần Thị Bình,XA-AP,Civil servant\n", encoding="utf-8")
    assert _import(runner, path, "--credentials", str(tmp_path / "c1.csv")).exit_code == 0
    hand_made = make_official("hr.anphu", unit=an_phu)  # no employee code: never deactivated

    path.write_text("Employee code,Full name,Unit code,Staff category\n"
                    "AP-001,Nguyễn Văn Anh,XA-BM,Civil servant\n", encoding="utf-8")
    result = _import(runner, path)
    assert result.exit_code == 0, result.output
    assert "0 to create, 1 to update, 0 to deactivate" in result.output
    officials = _officials(app)
    assert officials["AP-001"].full_name == "Nguyễn Văn Anh"
    assert officials["AP-001"].unit_id == binh_minh.id
    assert officials["AP-002"].active  # absent, but deactivation was not asked for

    result = _import(runner, path, "--deactivate-missing")
    assert result.exit_code == 0, result.output
    assert "1 to deactivate" in result.output
    officials = _officials(app)
    assert not officials["AP-002"].active
    with app.app_context():
        assert db.session.get(Official, hand_made.id).active


def test_a_hand_made_account_is_linked_not_duplicated(app, runner, province, tmp_path, make_official):
    _root, an_phu, _ = province
    existing = make_official("ap-007", unit=an_phu, full_name="Ngô Văn Bảy")
    path = tmp_path / "r.csv"
    path.write_text("Employee code,Full name,Unit code,Staff category\n"
                    "AP-007,Ngô Văn Bảy,XA-AP,Civil servant\n", encoding="utf-8")
    result = _import(runner, path)
    assert result.exit_code == 0, result.output
    assert "0 to create, 1 to update" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Official)) == 1
        assert db.session.get(Official, existing.id).employee_code == "AP-007"


def test_an_exported_roster_imports_back_without_changes(app, runner, province, tmp_path):
    path = _messy_file(tmp_path)
    assert _import(runner, path, "--credentials", str(tmp_path / "c.csv")).exit_code == 0
    for file_format in ("csv", "xlsx"):
        exported = tmp_path / f"export.{file_format}"
        for lang in ("vi", "en"):
            result = runner.invoke(args=["roster", "export", "--format", file_format,
                                         "--output", str(exported), "--lang", lang])
            assert result.exit_code == 0, result.output
            again = _import(runner, exported, "--deactivate-missing")
            assert again.exit_code == 0, again.output
            assert "3 rows: 0 to create, 0 to update, 0 to deactivate, 3 unchanged" in again.output


def test_export_quotes_names_with_separators_and_line_breaks(app, runner, province, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text('Employee code,Full name,Unit code,Staff category,Position\n'
                    'AP-009,"Lý ""Út"" Em",XA-AP,Civil servant,"Chuyên viên,\nvăn phòng"\n'
                    'AP-010,Trịnh Văn Mười,XA-AP,Civil servant,=HYPERLINK("http://x")\n',
                    encoding="utf-8")
    result = _import(runner, path, "--credentials", str(tmp_path / "c.csv"))
    assert result.exit_code == 0, result.output
    # The embedded line break collapses to a space: names and titles are single-line.
    assert _officials(app)["AP-009"].position_title == "Chuyên viên, văn phòng"
    exported = tmp_path / "out.csv"
    runner.invoke(args=["roster", "export", "--format", "csv", "--output", str(exported)])
    rows = list(csv.reader(io.StringIO(exported.read_text(encoding="utf-8-sig"))))
    assert rows[1][:2] == ["AP-009", 'Lý "Út" Em']
    # A title that looks like a formula is exported inert, and imports back as it was.
    assert rows[2][4] == "'=HYPERLINK(\"http://x\")"
    again = _import(runner, exported)
    assert "0 to create, 0 to update" in again.output, again.output


def test_dry_run_and_missing_credentials_file_write_nothing(app, runner, province, tmp_path):
    path = _messy_file(tmp_path)
    result = _import(runner, path, "--dry-run")
    assert result.exit_code == 0 and "Dry run" in result.output
    result = _import(runner, path)
    assert result.exit_code != 0 and "--credentials" in result.output
    assert _officials(app) == {}


def test_the_demo_provinces_roster_round_trips(app, runner, tmp_path):
    from lms.demo import load_demo_data

    with app.app_context():
        load_demo_data()
        db.session.commit()
        staff = db.session.scalar(select(func.count()).where(Official.employee_code.is_not(None)))
    exported = tmp_path / "demo.xlsx"
    assert runner.invoke(args=["roster", "export", "--output", str(exported)]).exit_code == 0
    result = _import(runner, exported, "--deactivate-missing")
    assert result.exit_code == 0, result.output
    assert f"{staff} rows: 0 to create, 0 to update, 0 to deactivate, {staff} unchanged" in result.output


def test_the_summary_speaks_vietnamese_by_default_and_english_when_asked(app, runner, province,
                                                                       tmp_path):
    path = _messy_file(tmp_path)
    default = runner.invoke(args=["roster", "import", str(path), "--dry-run"])
    assert default.exit_code == 0, default.output
    assert default.output.splitlines()[-2:] == [
        "3 dòng: tạo mới 3, cập nhật 0, ngừng kích hoạt 0, giữ nguyên 0.",
        "Chạy thử: chưa ghi thay đổi nào.",
    ]
    english = _import(runner, path, "--dry-run")
    assert english.output.splitlines()[-2:] == [
        "3 rows: 3 to create, 0 to update, 0 to deactivate, 0 unchanged.",
        "Dry run: nothing was written.",
    ]
    refused = runner.invoke(args=["roster", "import", str(path)])
    assert refused.exit_code == 1
    assert "--credentials <tệp>. Chưa ghi thay đổi nào." in refused.output

    credentials = tmp_path / "c.csv"
    done = runner.invoke(args=["roster", "import", str(path), "--credentials", str(credentials)])
    assert done.exit_code == 0, done.output
    assert "Hoàn tất: tạo mới 3, cập nhật 0, ngừng kích hoạt 0." in done.output
    assert f"Đã ghi mật khẩu dùng một lần vào {credentials}" in done.output
    assert "Không có gì cần thay đổi." in runner.invoke(args=["roster", "import", str(path)]).output


def test_an_update_names_the_changed_fields_in_the_language_asked_for(app, runner, province,
                                                                     tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("Employee code,Full name,Unit code,Staff category\n"
                    "AP-001,Nguyễn Văn An,XA-AP,Civil servant\n", encoding="utf-8")
    assert _import(runner, path, "--credentials", str(tmp_path / "c.csv")).exit_code == 0
    path.write_text("Employee code,Full name,Unit code,Staff category\n"
                    "AP-001,Nguyễn Văn Anh,XA-BM,Civil servant\n", encoding="utf-8")
    default = runner.invoke(args=["roster", "import", str(path), "--dry-run"])
    assert "  cập nhật AP-001 Nguyễn Văn Anh: họ tên, đơn vị" in default.output.splitlines()
    english = _import(runner, path, "--dry-run")
    assert "  update AP-001 Nguyễn Văn Anh: name, unit" in english.output.splitlines()


def test_problem_counts_unit_errors_and_large_counts_in_vietnamese(app, runner, province, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("Employee code,Full name,Unit code,Staff category\n"
                   "AP-001,,XA-AP,Civil servant\nAP-002,,XA-AP,Civil servant\n", encoding="utf-8")
    refused = runner.invoke(args=["roster", "import", str(bad)])
    assert refused.exit_code == 1
    assert "Error: 2 lỗi; chưa ghi thay đổi nào." in refused.output
    unknown = runner.invoke(args=["roster", "import", str(bad), "--unit", "XA-ZZ"])
    assert "Không có đơn vị nào mang mã XA-ZZ." in unknown.output

    many = tmp_path / "many.csv"
    many.write_text("Employee code,Full name,Unit code,Staff category\n" + "".join(
        f"AP-{n:04d},Nguyễn Văn An,XA-AP,Civil servant\n" for n in range(1200)), encoding="utf-8")
    default = runner.invoke(args=["roster", "import", str(many), "--dry-run"])
    assert "1.200 dòng: tạo mới 1.200, cập nhật 0, ngừng kích hoạt 0, giữ nguyên 0." in default.output
    english = _import(runner, many, "--dry-run")
    assert "1,200 rows: 1,200 to create" in english.output


def test_export_and_template_say_where_they_wrote(app, runner, province, tmp_path):
    exported = tmp_path / "roster.xlsx"
    result = runner.invoke(args=["roster", "export", "--output", str(exported)])
    assert result.output.strip() == f"Đã ghi danh sách cán bộ vào {exported}"
    template = tmp_path / "template.csv"
    result = runner.invoke(args=["roster", "template", "--format", "csv", "--output", str(template),
                                 "--lang", "en"])
    assert result.output.strip() == f"Template written to {template}"
