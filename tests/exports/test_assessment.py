"""The assessment files themselves, written by ``lms export assessment`` and read back:
real numbers, dates and booleans in Excel, RFC 4180 CSV, the right officials and nothing more."""

from __future__ import annotations

from datetime import UTC, date, datetime

from freezegun import freeze_time
from sqlalchemy import select, update

from lms.accounts.models import Official
from lms.audit.models import AuditEvent
from lms.extensions import db
from lms.scoring.operations import freeze
from tests.exports.conftest import YEAR_END, by_code, metadata, read_csv, read_workbook, sheet_rows
from tests.scoring.conftest import complete


def export(runner, tmp_path, *args: str, name: str = "out") -> tuple[object, bytes | None]:
    fmt = args[args.index("--format") + 1]
    path = tmp_path / f"{name}.{fmt}"
    result = runner.invoke(args=["export", "assessment", "--year", "2026", *args,
                                 "--output", str(path)])
    return result, path.read_bytes() if path.exists() else None


@freeze_time(YEAR_END)
def test_xlsx_holds_real_numbers_dates_and_booleans(app, runner, world, make_official, tmp_path):
    # Completed at 20:00 UTC on 4 May: already 5 May in Hà Nội, the date the sheet must show.
    night_owl = make_official("a5", unit=world["commune_a"], full_name="Lê Cú Đêm")
    with app.app_context():
        db.session.execute(update(Official).where(Official.id == night_owl.id)
                           .values(created_at=datetime(2026, 1, 2, tzinfo=UTC)))
        db.session.commit()
    complete(app, night_owl, datetime(2026, 5, 4, 20, tzinfo=UTC), [100.0])

    result, data = export(runner, tmp_path, "--format", "xlsx", "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "6 officials of P and below" in result.output
    workbook = read_workbook(data)
    assert workbook.sheetnames == ["Officials", "Units", "Citizen sessions", "Policy",
                                  "About this export"]

    officials = by_code(workbook["Officials"])
    assert set(officials) == {"a1", "a2", "a3", "a5", "b1", "hr"}  # a4's category owes nothing
    on_time = officials["a1"]
    assert on_time["Full name"].value == "Lê Đúng Hạn"
    assert on_time["Unit code"].value == "XA"
    assert on_time["Unit"].value.startswith("Xã A") and on_time["Unit"].value.endswith("(en)")
    assert on_time["Parent unit"].value.startswith("Tỉnh")
    assert on_time["Staff category"].value == "Civil servant"
    assert on_time["Sample course: status"].value == "On time"
    best = on_time["Sample course: best score"]
    assert best.value == 0.8 and isinstance(best.value, float) and "%" in best.number_format
    completed = on_time["Sample course: completed on"]
    assert completed.is_date and completed.value.date() == date(2026, 5, 1)
    indicator = on_time["Indicator (0–100)"]
    assert indicator.value == 98.0 and indicator.data_type == "n"
    assert on_time["Band"].value == "Excellent"
    assert on_time["Meets the standard"].value is True

    assert officials["a5"]["Sample course: completed on"].value.date() == date(2026, 5, 5)
    late = officials["a2"]
    assert (late["Sample course: status"].value, late["Indicator (0–100)"].value,
            late["Meets the standard"].value) == ("Late", 68.0, False)
    missing = officials["a3"]
    assert missing["Sample course: status"].value == "Not completed"
    assert missing["Sample course: best score"].value is None
    assert missing["Indicator (0–100)"].value == 0

    units = {row[0]: row for row in sheet_rows(workbook["Units"])[1:]}
    province = units["P"]
    # code, name, parent, headcount, meeting, share, mean, on-time share, rank
    assert province[3:6] == [6, 3, 0.5] and province[8] == 1
    assert units["XA"][2] == units["XB"][2]  # both under the province
    about = metadata(workbook)
    assert about["Source"].startswith("Live preview")
    assert about["Officials with mandatory courses"] == 6
    assert isinstance(about["Generated at"], datetime)
    assert len(about["Policy fingerprint (SHA-256)"]) == 64
    policy = sheet_rows(workbook["Policy"])
    assert ["Indicator needed to meet the standard", 70] == list(policy[8][:2])
    assert any(row[0] == "Policy file" for row in policy)


@freeze_time(YEAR_END)
def test_csv_survives_commas_quotes_line_breaks_and_follows_the_separator(app, runner, world,
                                                                          make_official, tmp_path):
    tricky = make_official("a6", unit=world["commune_a"], full_name='Lê "Út", Văn')
    with app.app_context():
        # Older data may hold a line break and text a spreadsheet would run as a formula.
        db.session.execute(update(Official).where(Official.id == tricky.id).values(
            position_title="Phó trưởng phòng\nKế toán", created_at=datetime(2026, 1, 2, tzinfo=UTC)))
        db.session.execute(update(Official).where(Official.login == "a2").values(
            position_title='=HYPERLINK("http://evil.example","x")'))
        db.session.commit()

    result, data = export(runner, tmp_path, "--format", "csv", "--separator", ";", "--lang", "en")
    assert result.exit_code == 0, result.output
    assert data.count(b"\r\n") == 1 + 6  # header and six officials; the inner break is data
    rows = read_csv(data, ";")
    header, records = rows[0], {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert header[:3] == ["Employee code", "Full name", "Unit code"]
    assert "Sample course: best score (%)" in header and "Meets the standard (1/0)" in header
    assert records["a6"]["Full name"] == 'Lê "Út", Văn'
    assert records["a6"]["Position"] == "Phó trưởng phòng\nKế toán"
    assert records["a2"]["Position"] == "'=HYPERLINK(\"http://evil.example\",\"x\")"
    assert records["a1"]["Sample course: best score (%)"] == "80,00"  # decimal comma with ";"
    assert records["a1"]["Indicator (0–100)"] == "98,00"
    assert records["a1"]["Sample course: completed on"] == "2026-05-01"
    assert (records["a1"]["Meets the standard (1/0)"], records["a2"]["Meets the standard (1/0)"]) \
        == ("1", "0")

    result, data = export(runner, tmp_path, "--format", "csv", "--lang", "en", name="comma")
    records = {row[0]: row for row in read_csv(data, ",")[1:]}
    assert records["a1"][-3:] == ["98.00", "Excellent", "1"]


@freeze_time(YEAR_END)
def test_only_what_the_assessment_needs(app, runner, world, tmp_path):
    with app.app_context():
        db.session.execute(update(Official).where(Official.login == "a1").values(
            employee_code="CB-000123", email="le.dung.han@example.org"))
        db.session.commit()
    result, data = export(runner, tmp_path, "--format", "xlsx")
    workbook = read_workbook(data)
    officials = by_code(workbook.worksheets[0])
    assert "CB-000123" in officials and "a1" not in officials  # the employee code wins
    assert "b1" in officials  # no employee code: the login stands in
    cells = [str(value) for sheet in workbook.worksheets for row in sheet_rows(sheet)
             for value in row if value is not None]
    assert not any("example.org" in value or "pbkdf2" in value for value in cells)
    result, data = export(runner, tmp_path, "--format", "csv", name="plain")
    assert b"example.org" not in data and b"pbkdf2" not in data


@freeze_time(YEAR_END)
def test_headers_in_the_chosen_language(runner, world, tmp_path):
    _result, data = export(runner, tmp_path, "--format", "xlsx")  # default: Vietnamese
    workbook = read_workbook(data)
    header = sheet_rows(workbook.worksheets[0])[0]
    assert header[1] == "Họ và tên" and header[5] == "Đối tượng"
    _result, data = export(runner, tmp_path, "--format", "xlsx", "--lang", "en", name="en")
    assert sheet_rows(read_workbook(data).worksheets[0])[0][1] == "Full name"


def test_frozen_export_reads_the_snapshot_and_anonymised_names(app, runner, world, tmp_path):
    with freeze_time(YEAR_END), app.app_context():
        snapshot_id = freeze(2026).id
        db.session.commit()
    # After the freeze: the missing official completes, another is anonymised on leaving.
    complete(app, world["missing"], datetime(2027, 1, 5, tzinfo=UTC), [100.0])
    with app.app_context():
        official = db.session.get(Official, world["late"].id)
        official.full_name = f"Đã ẩn danh {official.id}"
        official.anonymised_at = datetime(2027, 1, 6, tzinfo=UTC)
        db.session.commit()
    with freeze_time("2027-02-01"):
        result, data = export(runner, tmp_path, "--format", "xlsx", "--lang", "en")
    assert result.exit_code == 0, result.output
    assert result.output.endswith(", Whole year 2026 (frozen results).\n")
    workbook = read_workbook(data)
    officials = by_code(workbook["Officials"])
    assert officials["a3"]["Sample course: status"].value == "Not completed"  # as frozen
    anonymised = officials["a2"]
    assert anonymised["Full name"].value == f"Đã ẩn danh {world['late'].id}"
    assert anonymised["Indicator (0–100)"].value == 68.0  # their result still counts
    about = metadata(workbook)
    assert about["Source"] == "Frozen snapshot" and about["Snapshot number"] == snapshot_id
    assert about["Frozen at"].year == 2026


@freeze_time(YEAR_END)
def test_namesakes_keep_their_own_results(app, runner, world, make_official, tmp_path):
    """The two streams are merged by position: namesakes must not swap rows."""
    twins = [make_official(f"t{n}", unit=world["commune_b"], full_name="Lê Đúng Hạn")
             for n in (1, 2)]
    with app.app_context():
        db.session.execute(update(Official).where(Official.login.in_(["t1", "t2"]))
                           .values(created_at=datetime(2026, 1, 2, tzinfo=UTC)))
        db.session.commit()
    complete(app, twins[1], datetime(2026, 9, 1, tzinfo=UTC), [90.0])
    _result, data = export(runner, tmp_path, "--format", "csv", "--lang", "en")
    records = {row[0]: row for row in read_csv(data)[1:]}
    status = read_csv(data)[0].index("Sample course: status")
    assert (records["a1"][status], records["t1"][status], records["t2"][status]) == (
        "On time", "Not completed", "Late")


@freeze_time(YEAR_END)
def test_cli_scope_errors_and_audit(app, runner, world, tmp_path):
    result, data = export(runner, tmp_path, "--format", "csv", "--unit", "NOPE", "--lang", "en")
    assert result.exit_code == 2 and "no unit with code 'NOPE'" in result.output and data is None
    result, data = export(runner, tmp_path, "--format", "csv", "--unit", "NOPE")
    assert result.exit_code == 2 and "không có đơn vị nào mang mã 'NOPE'" in result.output
    result, data = export(runner, tmp_path, "--format", "csv", "--unit", "xb", "--lang", "en",
                          "--period", "Q3")
    assert result.exit_code == 0, result.output
    assert [row[0] for row in read_csv(data)[1:]] == ["b1"]
    assert result.output == (f"{tmp_path / 'out.csv'}: 1 official of XB and below, "
                             "Quarter 3, 2026 (live preview).\n")
    result = runner.invoke(args=["export", "assessment", "--year", "2025", "--format", "xlsx",
                                 "--output", str(tmp_path / "none.xlsx")])
    assert result.exit_code == 1 and "2025" in result.output
    assert not (tmp_path / "none.xlsx").exists()
    assert [path.name for path in tmp_path.iterdir()] == ["out.csv"]  # no partial file left
    with app.app_context():
        events = db.session.execute(select(AuditEvent).where(
            AuditEvent.action == "export.assessment")).scalars().all()
    assert len(events) == 1
    event = events[0]
    assert (event.unit_id, event.actor_id) == (world["commune_b"].id, None)
    assert {key: event.details[key] for key in ("year", "period", "format", "via", "unit_code",
                                                "officials")} == {
        "year": 2026, "period": "Q3", "format": "csv", "via": "cli", "unit_code": "XB",
        "officials": 1}


@freeze_time(YEAR_END)
def test_certificate_serials_are_listed_until_revoked(app, runner, world, tmp_path):
    from lms.certificates.operations import issue_course_certificate, revoke_certificate
    from lms.learning.models import CourseCompletion

    official = world["on_time"]
    with app.app_context():
        completion = db.session.execute(select(CourseCompletion).where(
            CourseCompletion.official_id == official.id)).scalar_one()
        certificate = issue_course_certificate(completion)
        db.session.commit()
        serial, certificate_id = certificate.serial, certificate.id

    _result, data = export(runner, tmp_path, "--format", "xlsx", "--lang", "en")
    officials = by_code(read_workbook(data)["Officials"])
    assert officials["a1"]["Sample course: certificate"].value == serial
    assert officials["a2"]["Sample course: certificate"].value is None

    with app.app_context():
        from lms.certificates.models import Certificate

        revoke_certificate(db.session.get(Certificate, certificate_id), reason="issued in error",
                           by=db.session.get(Official, world["hr"].id))
        db.session.commit()
    _result, data = export(runner, tmp_path, "--format", "xlsx", "--lang", "en", name="again")
    assert by_code(read_workbook(data)["Officials"])["a1"]["Sample course: certificate"].value is None


@freeze_time(YEAR_END)
def test_cli_summary_speaks_vietnamese_by_default(runner, world, tmp_path):
    result, data = export(runner, tmp_path, "--format", "csv")
    assert result.exit_code == 0 and data is not None
    assert result.output == (f"{tmp_path / 'out.csv'}: 5 cán bộ của P và các đơn vị trực thuộc, "
                             "Cả năm 2026 (xem trước trực tiếp).\n")
