"""The facilitator's side: create a session, show its code and QR code, pace it, follow it
live, close it and take its report. HR over the unit may look too; the rollup page counts
the sessions of a commune and its schools for unit managers and HR."""

from __future__ import annotations

from datetime import UTC, timedelta

import segno
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select, union
from wtforms.fields.choices import SelectChoice

from lms.accounts.access import can_act_on_unit, has_role, requires, scope_unit_ids
from lms.accounts.models import Role
from lms.audit.operations import record_event
from lms.certificates.views import public_url
from lms.classroom.forms import SessionForm
from lms.classroom.models import Audience, ClassSession, Pacing
from lms.classroom.operations import close_session, create_session, open_next_step
from lms.classroom.queries import session_figures, session_lessons, sessions_in_scope
from lms.classroom.report import XLSX_MIMETYPE, report_csv, report_xlsx
from lms.classroom.rollup import rollup
from lms.db import utcnow
from lms.extensions import db
from lms.learning.models import Course, CourseVersion
from lms.learning.queries import current_version
from lms.org.models import OrgUnit
from lms.web import paginate

bp = Blueprint("classroom", __name__)
rollup_bp = Blueprint("classroom_rollup", __name__)

CITIZEN_COURSE = "citizen-digital-skills"


def _require_viewer() -> None:
    """Facilitators and HR may look at sessions; other officials have no such pages (403)."""
    if not (has_role(current_user, Role.FACILITATOR) or has_role(current_user, Role.HR)):
        abort(403)


def _viewer_scope():
    return union(scope_unit_ids(current_user, Role.FACILITATOR),
                 scope_unit_ids(current_user, Role.HR))


def _session_or_404(session_id: int, *, manage: bool = False) -> ClassSession:
    """The session, if the signed-in official may see it (or run it, with ``manage``);
    anything outside their units answers 404, as if it did not exist."""
    session = db.session.get(ClassSession, session_id)
    if session is None:
        abort(404)
    if manage:
        if not can_act_on_unit(current_user, Role.FACILITATOR, session.unit_id):
            abort(404)
    elif not (can_act_on_unit(current_user, Role.FACILITATOR, session.unit_id)
              or can_act_on_unit(current_user, Role.HR, session.unit_id)):
        abort(404)
    return session


def _may_manage(session: ClassSession) -> bool:
    return can_act_on_unit(current_user, Role.FACILITATOR, session.unit_id)


def join_url(session: ClassSession) -> str:
    return public_url("classroom_join.join", code=session.join_code)


@bp.route("/")
@requires(Role.LEARNER)
def index():
    _require_viewer()
    query = sessions_in_scope(select(_viewer_scope().subquery().c[0]))
    return render_template("classroom/index.html", page=paginate(query, rows=True),
                           may_create=has_role(current_user, Role.FACILITATOR))


def _session_form() -> tuple[SessionForm, dict[str, CourseVersion]]:
    form = SessionForm()
    units = list(db.session.execute(
        select(OrgUnit).where(OrgUnit.id.in_(scope_unit_ids(current_user, Role.FACILITATOR)))
        .order_by(OrgUnit.name_vi)).scalars())
    form.unit_id.choices = [SelectChoice(unit.id, unit.name) for unit in units]
    versions = {version.course.slug: version for version in db.session.execute(
        select(CourseVersion).join(Course).where(CourseVersion.is_current.is_(True))
        .order_by(CourseVersion.title_vi)).scalars()}
    form.course.choices = [SelectChoice(slug, version.title) for slug, version in versions.items()]
    form.lessons.choices = [SelectChoice(f"{slug}:{lesson.key}", lesson.title)
                            for slug, version in versions.items() for lesson in version.lessons]
    if request.method == "GET":
        if CITIZEN_COURSE in versions:
            form.course.data = CITIZEN_COURSE
        # The next full hour, local time: a sensible start the facilitator adjusts.
        local = utcnow().astimezone(get_timezone())
        form.starts_at.data = (local.replace(minute=0, second=0, microsecond=0)
                               + timedelta(hours=1)).replace(tzinfo=None)
    return form, versions


@bp.route("/new", methods=["GET", "POST"])
@requires(Role.FACILITATOR)
def new():
    form, versions = _session_form()
    if form.validate_on_submit():
        version = versions.get(form.course.data)
        chosen = set(form.lessons.data or [])
        # Ticked lessons as the form names them ("slug:key"), in the course's order.
        offered = {f"{version.slug}:{lesson.key}": lesson.key
                   for lesson in version.lessons} if version is not None else {}
        if version is None:
            form.course.errors.append(_("Choose a course."))
        elif not chosen <= offered.keys():
            form.lessons.errors.append(_("Tick only lessons of the chosen course."))
        else:
            unit = db.session.get(OrgUnit, form.unit_id.data)
            starts_at = form.starts_at.data.replace(tzinfo=get_timezone()).astimezone(UTC)
            ordered = [key for value, key in offered.items() if value in chosen]
            session = create_session(
                unit=unit, course=version.course, title=form.title.data, lesson_keys=ordered,
                starts_at=starts_at, place=form.place.data,
                audience=Audience(form.audience.data), expected_size=form.expected_size.data,
                pacing=Pacing(form.pacing.data), by=current_user)
            db.session.commit()
            flash(_("Session created. Its join code is %(code)s.", code=session.join_code),
                  "success")
            return redirect(url_for("classroom.dashboard", session_id=session.id))
    status = 422 if request.method == "POST" else 200
    return render_template("classroom/form.html", form=form, versions=versions), status


def _dashboard_context(session: ClassSession) -> dict[str, object]:
    version = current_version(session.course)
    return {"class_session": session, "version": version,
            "figures": session_figures(session, version),
            "lessons": session_lessons(session, version), "may_manage": _may_manage(session),
            "join_url": join_url(session), "language": get_locale().language}


@bp.route("/<int:session_id>")
@requires(Role.LEARNER)
def dashboard(session_id: int):
    _require_viewer()
    session = _session_or_404(session_id)
    return render_template("classroom/dashboard.html", **_dashboard_context(session))


@bp.route("/<int:session_id>/live")
@requires(Role.LEARNER)
def live(session_id: int):
    """The dashboard's figures alone: what the page's script fetches every few seconds."""
    _require_viewer()
    session = _session_or_404(session_id)
    response = Response(render_template("classroom/_live.html", **_dashboard_context(session)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:session_id>/projector")
@requires(Role.LEARNER)
def projector(session_id: int):
    _require_viewer()
    session = _session_or_404(session_id)
    url = join_url(session)
    qr = segno.make(url, error="m").svg_inline(scale=10, title=_("QR code to join"))
    return render_template("classroom/projector.html", class_session=session, join_url=url, qr=qr)


@bp.route("/<int:session_id>/next", methods=["POST"])
@requires(Role.FACILITATOR)
def next_step(session_id: int):
    session = _session_or_404(session_id, manage=True)
    if open_next_step(session, current_version(session.course)):
        db.session.commit()
        flash(_("Opened. Participants' phones show it within a few seconds."), "success")
    return redirect(url_for("classroom.dashboard", session_id=session.id))


@bp.route("/<int:session_id>/close", methods=["POST"])
@requires(Role.FACILITATOR)
def close(session_id: int):
    session = _session_or_404(session_id, manage=True)
    if close_session(session, by=current_user):
        flash(_("The session is closed: nobody can join or answer any more."), "success")
    db.session.commit()
    return redirect(url_for("classroom.report", session_id=session.id))


@bp.route("/<int:session_id>/report")
@requires(Role.LEARNER)
def report(session_id: int):
    _require_viewer()
    session = _session_or_404(session_id)
    return render_template("classroom/report.html", **_dashboard_context(session))


@bp.route("/<int:session_id>/report.csv", defaults={"kind": "csv"})
@bp.route("/<int:session_id>/report.xlsx", defaults={"kind": "xlsx"})
@requires(Role.LEARNER)
def report_file(session_id: int, kind: str):
    _require_viewer()
    session = _session_or_404(session_id)
    version = current_version(session.course)
    figures = session_figures(session, version)
    language = get_locale().language
    if kind == "csv":
        body, mimetype = report_csv(session, figures, language), "text/csv; charset=utf-8"
    else:
        body, mimetype = report_xlsx(session, figures, language), XLSX_MIMETYPE
    # The file names participants: who took it is kept, like every export of personal data.
    record_event("session.report", target_type="class_session", target_id=session.id,
                 unit_id=session.unit_id, format=kind)
    db.session.commit()
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="session-{session.join_code}-{session.id}.{kind}"')
    response.headers["Cache-Control"] = "private, no-store"
    return response


@rollup_bp.route("/")
@requires(Role.UNIT_MANAGER)
def rollup_page():
    year = request.args.get("year", type=int)
    return render_template("classroom/rollup.html",
                           rows=rollup(scope_unit_ids(current_user, Role.UNIT_MANAGER), year=year),
                           year=year, audiences=list(Audience))
