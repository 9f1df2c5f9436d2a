from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.accounts.models import Official, Role, RoleGrant
from lms.extensions import db
from lms.org.models import OrgUnit


def test_init_brings_the_database_to_the_newest_migration(runner):
    result = runner.invoke(args=["init", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "Database ready" in result.output


def test_init_speaks_vietnamese_by_default(runner):
    result = runner.invoke(args=["init"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "Khóa học sample: đã thêm mới" in lines
    assert lines[-1].startswith("Cơ sở dữ liệu đã sẵn sàng: ")


def test_create_admin_on_an_empty_database(app, runner):
    result = runner.invoke(args=[
        "create-admin", "--login", "Root", "--name", "Quản Trị Viên",
        "--province-code", "qn", "--province-name", "Tỉnh Thử Nghiệm",
        "--password", "a-long-password-1",
    ])
    assert result.exit_code == 0, result.output
    with app.app_context():
        official = db.session.execute(select(Official).where(Official.login == "root")).scalar_one()
        grant = db.session.execute(select(RoleGrant).where(RoleGrant.official_id == official.id)).scalar_one()
        assert grant.role is Role.ADMIN
        assert db.session.get(OrgUnit, grant.unit_id).code == "QN"
        assert not official.must_change_password


def test_create_admin_refuses_a_weak_password_and_a_taken_login(app, runner, make_official):
    make_official("taken")
    weak = runner.invoke(args=["create-admin", "--login", "new", "--name", "X",
                               "--password", "short"])
    assert weak.exit_code != 0 and "10" in weak.output  # the rule, in the default language
    taken = runner.invoke(args=["create-admin", "--login", "taken", "--name", "X",
                                "--password", "a-long-password-1", "--lang", "en"])
    assert taken.exit_code != 0 and "exists already" in taken.output
    taken = runner.invoke(args=["create-admin", "--login", "taken", "--name", "X",
                                "--password", "a-long-password-1"])
    assert taken.exit_code == 1
    assert "Error: Đã có tài khoản với tên đăng nhập 'taken'." in taken.output


@pytest.mark.parametrize("lang, questions, done", [
    (None, ["Tên đăng nhập: ", "Họ và tên: ", "Mật khẩu: ", "Nhập lại mật khẩu: "],
     "Đã tạo quản trị viên root cho đơn vị QN và các đơn vị trực thuộc."),
    ("en", ["Login: ", "Full name: ", "Password: ", "Repeat the password: "],
     "Administrator root created over QN and the units below it."),
])
def test_create_admin_asks_in_the_language_chosen(app, runner, lang, questions, done):
    args = ["create-admin", "--province-code", "qn", "--province-name", "Tỉnh Thử Nghiệm"]
    result = runner.invoke(args=args + (["--lang", lang] if lang else []),
                           input="root\nQuản Trị Viên\na-long-password-1\na-long-password-1\n")
    assert result.exit_code == 0, result.output
    output = result.output
    for question in questions:
        assert question in output
        output = output[output.index(question) + len(question):]  # asked in this order
    assert "a-long-password-1" not in result.output  # typed unseen
    assert result.output.splitlines()[-1] == done
    with app.app_context():
        official = db.session.execute(select(Official).where(Official.login == "root")).scalar_one()
        assert official.full_name == "Quản Trị Viên"


def test_demo_without_serving_lists_the_accounts_and_can_run_twice(runner):
    first = runner.invoke(args=["demo", "--no-serve"])
    assert first.exit_code == 0, first.output
    assert "hr.anphu" in first.output and "SonHa-demo-2026!" in first.output
    # In the default language: Vietnamese.
    assert "Tài khoản demo (mật khẩu chung: SonHa-demo-2026!):" in first.output.splitlines()
    assert "  admin          Quản trị viên toàn tỉnh" in first.output.splitlines()
    second = runner.invoke(args=["demo", "--no-serve"])
    assert second.exit_code == 0
    assert first.output.splitlines()[-8:] == second.output.splitlines()[-8:]


def test_demo_lists_the_accounts_in_english_when_asked(runner):
    result = runner.invoke(args=["demo", "--no-serve", "--lang", "en"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "Demo province ready: 12 units." in lines
    assert lines[-8:] == [
        "Demo accounts (password for all: SonHa-demo-2026!):",
        "  admin          Administrator of the whole province",
        "  hr.tinh        HR for the whole province (Department of Home Affairs)",
        "  hr.anphu       HR for An Phu Commune only (commune office)",
        "  manager.khcn   Unit manager of the Department of Science and Technology",
        "  facilitator    Facilitator (teacher) at An Phu Lower Secondary School",
        "  learner        Learner: a civil servant of Hoa Binh Ward",
        "  learner.en     Learner who uses the English interface (Hon Ngoc Special Zone)",
    ]
