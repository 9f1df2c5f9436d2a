"""The exports page: HR and unit managers download the assessment of their own subtree."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from lms.accounts.access import authorize, requires, scope_unit_ids
from lms.accounts.models import Role
from lms.db import utcnow
from lms.exports.assessment import prepare_export
from lms.exports.downloads import csv_download, current_exporter, xlsx_download
from lms.exports.forms import AssessmentExportForm
from lms.extensions import db
from lms.org.forms import unit_choices
from lms.org.models import OrgUnit
from lms.org.queries import unit_tree
from lms.scoring.models import YEAR
from lms.scoring.operations import ScoringError, zone
from lms.scoring.policy import PERIODS

bp = Blueprint("exports", __name__)


def _unit_in_scope(unit_id: int | None) -> None:
    """Only units of the reader's own subtrees may be named: anything else is 404."""
    if unit_id is not None:
        authorize(Role.UNIT_MANAGER, unit_id)


def _top_unit_id(units) -> int | None:
    return units[0].unit.id if units else None


@bp.route("/", methods=["GET", "POST"])
@requires(Role.UNIT_MANAGER)
def assessment():
    units = unit_tree(scope_unit_ids(current_user, Role.UNIT_MANAGER))
    if request.method == "POST":
        raw_unit = request.form.get("unit", "")
        _unit_in_scope(int(raw_unit) if raw_unit.isdigit() else None)
        form = AssessmentExportForm()
    else:
        unit_id = request.args.get("unit", type=int)
        _unit_in_scope(unit_id)
        period = request.args.get("period", YEAR)
        form = AssessmentExportForm(
            formdata=None,
            year=request.args.get("year", type=int) or utcnow().astimezone(zone()).year,
            period=period if period in (YEAR, *PERIODS) else YEAR,
            unit=unit_id or _top_unit_id(units))
    form.unit.choices = unit_choices(units, with_code=False)

    if request.method == "POST" and form.validate_on_submit():
        unit = db.session.get(OrgUnit, form.unit.data)
        try:
            export = prepare_export(form.year.data, form.period.data, unit,
                                    generated_by=current_exporter())
        except ScoringError as error:
            form.year.errors = [*form.year.errors, str(error)]
        else:
            if form.format.data == "csv":
                return csv_download(export, form.separator.data)
            return xlsx_download(export)
    return render_template("exports/assessment.html", form=form)

