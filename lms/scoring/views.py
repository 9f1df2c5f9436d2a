"""Scores for HR and unit managers (their subtree) and for each official (their own)."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import exists, select

from lms.accounts.access import authorize, requires, scope_unit_ids
from lms.accounts.models import Official, Role, RoleGrant
from lms.audit.operations import record_event
from lms.csv_text import csv_chunks
from lms.db import utcnow
from lms.exports.assessment import SEPARATORS, prepare_export
from lms.exports.downloads import csv_download, current_exporter, stream_download
from lms.extensions import db
from lms.org.models import OrgUnit
from lms.org.queries import ancestors, subtree_ids
from lms.scoring.models import YEAR, ScoreSnapshot, ScoringPolicy
from lms.scoring.operations import (
    ScoringError,
    activate_policy,
    freeze,
    reopen,
    scores_for,
    zone,
)
from lms.scoring.policy import PERIODS, PolicyError, load_default_policy
from lms.scoring.reminders import reminder_rows, reminder_statuses
from lms.scoring.sources import FrozenScores, LiveScores, totals
from lms.web import paginate

bp = Blueprint("scoring", __name__)

#: Courses still to complete listed on the dashboard; the reminder list (CSV) has them all.
AT_RISK_SHOWN = 50


def _year_and_period() -> tuple[int, str]:
    year = request.args.get("year", type=int) or utcnow().astimezone(zone()).year
    period = request.args.get("period", YEAR)
    if period not in (YEAR, *PERIODS) or not 2000 <= year <= 2100:
        abort(404)
    return year, period


class NoPolicy(Exception):
    """No policy for the year (or no quarters in it): the page says so instead of a 404."""


def _scores(year: int, period: str) -> LiveScores | FrozenScores:
    try:
        return scores_for(year, period)
    except ScoringError as error:
        raise NoPolicy(str(error)) from error


@bp.errorhandler(NoPolicy)
def _no_policy(_error: NoPolicy):
    year, period = _year_and_period()
    return render_template("scoring/no_policy.html", year=year, period=period,
                           governs=governs_province(current_user)), 404


def _top_scope_unit() -> OrgUnit:
    """The highest unit the reader manages (the default view of the dashboard)."""
    scope = scope_unit_ids(current_user, Role.UNIT_MANAGER)
    unit = db.session.execute(
        select(OrgUnit).where(OrgUnit.id.in_(scope))
        .where(~OrgUnit.parent_id.in_(scope) | OrgUnit.parent_id.is_(None))
        .order_by(OrgUnit.code).limit(1)
    ).scalar_one()
    return unit


def _chosen_unit() -> OrgUnit:
    unit_id = request.args.get("unit", type=int)
    if unit_id is None:
        return _top_scope_unit()
    authorize(Role.UNIT_MANAGER, unit_id)
    return db.session.get(OrgUnit, unit_id)


def _requested_scores() -> tuple[int, str, OrgUnit, LiveScores | FrozenScores]:
    """Year, period and unit asked for in the query string (unit checked), with their scores."""
    year, period = _year_and_period()
    unit = _chosen_unit()
    return year, period, unit, _scores(year, period)


def governs_province(official: Official) -> bool:
    """Admins, and HR over a top-level unit (the provincial Department of Home Affairs),
    choose the year's policy and freeze results for the whole province."""
    return db.session.execute(select(exists().where(
        RoleGrant.official_id == official.id, RoleGrant.role.in_((Role.HR, Role.ADMIN)),
        RoleGrant.unit_id == OrgUnit.id, OrgUnit.parent_id.is_(None)))).scalar_one()


@bp.route("/")
@requires(Role.UNIT_MANAGER)
def dashboard():
    year, period, unit, scores = _requested_scores()
    scope = subtree_ids(unit.id)
    children = select(OrgUnit.id).where(OrgUnit.parent_id == unit.id)
    at_risk = scores.at_risk(scope, limit=AT_RISK_SHOWN)
    return render_template(
        "scoring/dashboard.html",
        year=year, period=period, unit=unit, scores=scores, policy=scores.policy,
        totals=totals(scores.scored(scope)),
        child_units=sorted(db.session.execute(scores.units(children)).mappings().all(),
                           key=lambda row: (row["rank"], row["unit_code"])),
        at_risk=db.session.execute(at_risk).mappings().all() if at_risk is not None else None,
        reminder_statuses=reminder_statuses(),
        governs=governs_province(current_user),
        unit_path=ancestors(unit.id),
    )


@bp.route("/officials")
@requires(Role.UNIT_MANAGER)
def officials():
    year, period, unit, scores = _requested_scores()
    page = paginate(scores.officials(subtree_ids(unit.id)), rows=True)
    return render_template("scoring/officials.html", year=year, period=period, unit=unit,
                           scores=scores, policy=scores.policy, page=page)


@bp.route("/officials/<int:official_id>")
@requires(Role.LEARNER)
def breakdown(official_id: int):
    official = db.session.get(Official, official_id)
    if official is None:
        abort(404)
    if official.id != current_user.id:
        authorize(Role.UNIT_MANAGER, official.unit_id)
    year, period = _year_and_period()
    scores = _scores(year, period)
    total = db.session.execute(scores.official(official.id)).mappings().first()
    courses = db.session.execute(scores.courses(official.id)).mappings().all()
    return render_template("scoring/breakdown.html", year=year, period=period, scores=scores,
                           policy=scores.policy, official=official, total=total, courses=courses)


@bp.route("/me")
@requires(Role.LEARNER)
def my_score():
    return redirect(url_for("scoring.breakdown", official_id=current_user.id, **request.args))


@bp.route("/officials.csv")
@requires(Role.UNIT_MANAGER)
def officials_csv():
    """The assessment CSV of the unit shown (the one CSV writer: lms/exports/assessment.py)."""
    year, period, unit = *_year_and_period(), _chosen_unit()
    separator = request.args.get("separator", ",")
    if separator not in SEPARATORS:
        abort(404)
    try:
        export = prepare_export(year, period, unit, generated_by=current_exporter())
    except ScoringError as error:
        raise NoPolicy(str(error)) from error
    state = "frozen" if export.scores.frozen else "live"
    return csv_download(export, separator, f"scores-{year}-{period}-{unit.code}-{state}.csv")


@bp.route("/reminders.csv")
@requires(Role.UNIT_MANAGER)
def reminders_csv():
    """Every mandatory course still to complete in the unit shown, soonest deadline first, with
    whom to remind and how to reach them: for a mail merge or a call round before the year-end
    review. Only while the period is live: a frozen period has nobody left to remind."""
    year, period, unit, scores = _requested_scores()
    if not isinstance(scores, LiveScores):
        abort(404)
    rows = reminder_rows(scores, subtree_ids(unit.id))
    record_event("export.reminders", target_type="unit", target_id=unit.id, unit_id=unit.id,
                 unit_code=unit.code, year=year, period=period, format="csv", via="web")
    db.session.commit()
    return stream_download(csv_chunks(rows), f"reminders-{year}-{period}-{unit.code}.csv",
                           "text/csv; charset=utf-8")


@bp.route("/policy", methods=["GET", "POST"])
@requires(Role.HR)
def policy():
    year, _period = _year_and_period()
    governs = governs_province(current_user)
    problems = []
    submitted = ""
    if request.method == "POST":
        if not governs:
            abort(403)
        upload = request.files.get("file")
        chosen = request.form.get("choose")
        if chosen == "default":
            submitted = load_default_policy().text
        elif chosen:
            earlier = db.session.get(ScoringPolicy, int(chosen)) if chosen.isdigit() else None
            if earlier is None or earlier.year != year:
                abort(404)
            submitted = earlier.text
        else:
            submitted = (upload.read().decode("utf-8", errors="replace")
                         if upload and upload.filename else request.form.get("text", ""))
        try:
            stored = activate_policy(submitted, upload.filename if upload and upload.filename
                                     else "policy.yaml")
        except PolicyError as error:
            db.session.rollback()
            problems = error.problems
        except ScoringError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("The policy for %(year)s is now in force.", year=stored.year), "success")
            return redirect(url_for("scoring.policy", year=stored.year))
    stored_policies = list(db.session.execute(
        select(ScoringPolicy).where(ScoringPolicy.year == year)
        .order_by(ScoringPolicy.uploaded_at.desc())).scalars())
    active = next((p for p in stored_policies if p.active), None)
    default_text = _default_text(year)
    return render_template("scoring/policy.html", year=year, governs=governs,
                           active_text=active.text if active else default_text,
                           is_default=active is None or active.text == default_text,
                           default_available=default_text is not None,
                           stored=stored_policies, problems=problems, submitted=submitted)


def _default_text(year: int) -> str | None:
    default = load_default_policy()
    return default.text if default.year == year else None


@bp.route("/freeze", methods=["POST"])
@requires(Role.HR)
def freeze_period():
    year, period = _year_and_period()
    if not governs_province(current_user):
        abort(403)
    try:
        freeze(year, period)
    except ScoringError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Results for %(year)s are frozen.", year=year), "success")
    return redirect(url_for("scoring.dashboard", year=year, period=period))


@bp.route("/snapshots/<int:snapshot_id>/reopen", methods=["POST"])
@requires(Role.ADMIN)
def reopen_snapshot(snapshot_id: int):
    snapshot = db.session.get(ScoreSnapshot, snapshot_id)
    if snapshot is None:
        abort(404)
    if not governs_province(current_user):  # a commune's admin cannot reopen the province's year
        abort(403)
    try:
        reopen(snapshot, request.form.get("reason", ""))
    except ScoringError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("The frozen results were reopened."), "success")
    return redirect(url_for("scoring.dashboard", year=snapshot.year, period=snapshot.period))
