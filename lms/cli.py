"""Command-line interface: ``lms init``, ``lms demo``, ``lms create-admin``, ``lms serve``.

Built on Flask's CLI, so ``flask --app lms <command>`` works as well. The operators' commands
speak the default language (``LMS_DEFAULT_LOCALE``) or the one given with ``--lang vi|en``;
``lms serve`` prints nothing of its own (gunicorn's log stays as gunicorn writes it).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_migrate import upgrade
from gunicorn.app.base import BaseApplication
from sqlalchemy import func, select, update

from lms.accounts.models import Official, Role, StaffCategory
from lms.accounts.operations import create_official, find_by_login, grant_role, password_problems
from lms.certificates.cli import certificates_command, prepare_certificates
from lms.classroom.cli import sessions_command
from lms.content.cli import courses_command, outcome_line
from lms.content.loader import find_course_folders
from lms.content.sync import SyncRefused, sync_courses
from lms.db import MIGRATIONS_DIR, utcnow
from lms.demo import DEMO_PASSWORD, load_demo_activity, load_demo_data, load_demo_sessions
from lms.exports.cli import export_command
from lms.extensions import db
from lms.i18n import cli_locale, in_chosen_language, lang_option
from lms.learning.models import Course
from lms.org.models import OrgUnit, UnitKind
from lms.org.operations import create_unit
from lms.roster.cli import roster_command
from lms.scoring.cli import scores_command
from lms.seeding import seed_large_command
from lms.translations_cli import translations_command
from lms.xapi.cli import xapi_command


def initialise_database() -> None:
    """Create or upgrade the schema to the newest migration, then load the courses (run it
    inside ``cli_locale``: it reports in the current language)."""
    upgrade(directory=MIGRATIONS_DIR)
    root = Path(current_app.config["COURSES_PATH"])
    if not find_course_folders(root):
        return
    try:
        results = sync_courses(root, progress=sys.stdout.isatty())
    except SyncRefused as refused:
        for problem in refused.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(_("The courses were not loaded: fix the problems above, "
                                     "then run `lms init` again.")) from None
    for result in results:
        click.echo(outcome_line(result))


@click.command("init")
@with_appcontext
@in_chosen_language()
def init_command() -> None:
    """Create or upgrade the database to the latest migration, load the courses and prepare
    certificate signing (a demo signing certificate when none is configured)."""
    initialise_database()
    for note in prepare_certificates():
        click.echo(note)
    click.echo(_("Database ready: %(database)s",
                 database=db.engine.url.render_as_string(hide_password=True)))


@click.command("create-admin")
@click.option("--login", default=None,
              help="Login (employee code) of the administrator (asked for when not given).")
@click.option("--name", "full_name", default=None, help="Full name (asked for when not given).")
@click.option("--unit", "unit_code", default=None,
              help="Code of the unit the admin belongs to and administers. "
                   "Default: the only top-level unit.")
@click.option("--province-code", default=None,
              help="On an empty database: code of the province unit to create.")
@click.option("--province-name", default=None,
              help="On an empty database: Vietnamese name of the province unit to create.")
@click.option("--password", default=None, help="Password (asked for when not given).")
@with_appcontext
@in_chosen_language()
def create_admin_command(login: str | None, full_name: str | None, unit_code: str | None,
                         province_code: str | None, province_name: str | None,
                         password: str | None) -> None:
    """Create an administrator over a unit's whole subtree."""
    # Asked here rather than by click, so that the questions are in the chosen language.
    login = login or click.prompt(_("Login"))
    full_name = full_name or click.prompt(_("Full name"))
    password = password or click.prompt(_("Password"), hide_input=True,
                                        confirmation_prompt=_("Repeat the password"))
    unit = _admin_unit(unit_code, province_code, province_name)
    if find_by_login(login) is not None:
        raise click.ClickException(_("An account with login '%(login)s' exists already.",
                                     login=login))
    problems = password_problems(password)
    if problems:
        raise click.ClickException(" ".join(problems))
    official, _password = create_official(login=login, full_name=full_name, unit=unit,
                                          staff_category=StaffCategory.CONG_CHUC,
                                          password=password, must_change_password=False)
    grant_role(official, Role.ADMIN, unit)
    db.session.commit()
    click.echo(_("Administrator %(login)s created over %(unit)s and the units below it.",
                 login=official.login, unit=unit.code))


def _admin_unit(unit_code: str | None, province_code: str | None,
                province_name: str | None) -> OrgUnit:
    if unit_code:
        unit = db.session.execute(
            select(OrgUnit).where(OrgUnit.code == unit_code.strip().upper())
        ).scalar_one_or_none()
        if unit is None:
            raise click.ClickException(_("No unit has the code %(code)s.", code=unit_code))
        return unit
    roots = list(db.session.execute(select(OrgUnit).where(OrgUnit.parent_id.is_(None))).scalars())
    if len(roots) == 1:
        return roots[0]
    if roots:
        raise click.ClickException(_("Several top-level units exist: name one with --unit."))
    if not (province_code and province_name):
        raise click.ClickException(
            _("The database has no units yet: give --province-code and --province-name.")
        )
    return create_unit(code=province_code, name_vi=province_name, name_en=province_name,
                       kind=UnitKind.PROVINCE, parent=None)


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Set up the demo data, then stop.")
@lang_option()
@with_appcontext
def demo_command(host: str, port: int, no_serve: bool, lang: str | None) -> None:
    """Initialise the database with a fictional demo province, then serve it."""
    with cli_locale(lang):
        if not _prepare_demo(host, port, serve=not no_serve):
            return
    # Served outside the chosen language: requests reuse this app context, and would speak it.
    app = current_app._get_current_object()
    # One process keeps the in-memory sign-in counters in one place; threads serve in parallel.
    run_gunicorn(app, host=host, port=port, workers=1, threads=4)


def _prepare_demo(host: str, port: int, *, serve: bool) -> bool:
    """Set up the demo province and list its accounts; True when the demo is to be served."""
    initialise_database()
    accounts = load_demo_data()
    db.session.flush()
    # The fictional province has used the platform since January: its accounts and courses
    # date from then, so the example policy's deadlines apply as they would in a real year.
    year = utcnow().year
    new_year = datetime(year, 1, 1, tzinfo=UTC)
    for model in (Course, Official):
        db.session.execute(update(model).where(model.created_at > new_year)
                           .values(created_at=new_year))
    load_demo_activity(year)
    db.session.commit()
    load_demo_sessions(utcnow())
    for note in prepare_certificates():
        click.echo(note)
    count = db.session.execute(select(func.count()).select_from(OrgUnit)).scalar_one()
    click.echo(ngettext("Demo province ready: %(count)s unit.",
                        "Demo province ready: %(count)s units.", count,
                        count=format_decimal(count)))
    click.echo(_("Demo accounts (password for all: %(password)s):", password=DEMO_PASSWORD))
    for login, description in accounts:
        click.echo(f"  {login:<14} {description}")
    if not serve:
        return False
    allow_plain_http(current_app._get_current_object())
    click.echo(_("Open %(url)s in a browser. Stop with Ctrl+C.", url=f"http://{host}:{port}/"))
    return True


def allow_plain_http(app: Flask) -> None:
    """The demo runs on http://localhost: cookies must not demand HTTPS there."""
    app.config.update(SESSION_COOKIE_SECURE=False, REMEMBER_COOKIE_SECURE=False,
                      PREFERRED_URL_SCHEME="http")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=None, type=int,
              help="gunicorn worker processes (default: LMS_WORKERS, 2).")
@with_appcontext
def serve_command(host: str, port: int, workers: int | None) -> None:
    """Serve the app with gunicorn (the production server)."""
    app = current_app._get_current_object()
    run_gunicorn(app, host=host, port=port, workers=workers or app.config["WORKERS"])


class GunicornServer(BaseApplication):
    """gunicorn serving an app object that is already built and configured."""

    def __init__(self, app: Flask, options: dict[str, object]) -> None:
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.application


def run_gunicorn(app: Flask, *, host: str, port: int, workers: int, threads: int = 1) -> None:
    # Pooled connections opened while preparing must not be shared by the forked workers.
    db.engine.dispose()
    options: dict[str, object] = {"bind": f"{host}:{port}", "workers": workers, "accesslog": "-"}
    if threads > 1:
        options.update(worker_class="gthread", threads=threads)
    GunicornServer(app, options).run()


def register_cli(app: Flask) -> None:
    for command in (init_command, create_admin_command, demo_command, serve_command,
                    translations_command, courses_command, scores_command, seed_large_command,
                    roster_command, xapi_command, export_command, certificates_command,
                    sessions_command):
        app.cli.add_command(command)
