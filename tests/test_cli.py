from __future__ import annotations

from sqlalchemy import select

from lms.accounts.models import Official, Role, RoleGrant
from lms.extensions import db
from lms.org.models import OrgUnit


def test_init_brings_the_database_to_the_newest_migration(runner):
    result = runner.invoke(args=["init"])
    assert result.exit_code == 0, result.output
    assert "Database ready" in result.output


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
                                "--password", "a-long-password-1"])
    assert taken.exit_code != 0 and "exists already" in taken.output


def test_demo_without_serving_lists_the_accounts_and_can_run_twice(runner):
    first = runner.invoke(args=["demo", "--no-serve"])
    assert first.exit_code == 0, first.output
    assert "hr.anphu" in first.output and "SonHa-demo-2026!" in first.output
    second = runner.invoke(args=["demo", "--no-serve"])
    assert second.exit_code == 0
    assert first.output.splitlines()[-8:] == second.output.splitlines()[-8:]
