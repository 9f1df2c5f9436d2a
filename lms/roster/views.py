"""Roster import pages for HR: upload, check, preview, apply; templates and the current roster."""

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
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, FileSize
from sqlalchemy import select
from wtforms import BooleanField, HiddenField, SelectField
from wtforms.validators import DataRequired

from lms.accounts.access import authorize, requires, scope_unit_ids
from lms.accounts.models import Role
from lms.audit.operations import record_event
from lms.exports.downloads import stream_download
from lms.extensions import db
from lms.org.forms import unit_choices
from lms.org.models import OrgUnit
from lms.org.queries import unit_tree
from lms.roster.columns import COLUMNS, FIELD_LABELS, category_label_list
from lms.roster.export import csv_chunks, xlsx_chunks
from lms.roster.models import RosterUpload
from lms.roster.operations import apply_plan, mark_applied, store_upload, table_of
from lms.roster.plan import RosterPlan, build_plan
from lms.roster.reading import FORMAT_LABELS, UnreadableFile, read_table

bp = Blueprint("roster", __name__)

MAX_UPLOAD = 20 * 1024 * 1024
# A preview lists this many rows of each kind; the counts are always complete.
PREVIEW_ROWS = 200
SHOWN_PROBLEMS = 500
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadForm(FlaskForm):
    unit_id = SelectField(_l("Import into"), coerce=int, validators=[DataRequired()])
    roster = FileField(_l("Roster file (CSV or XLSX)"), validators=[
        FileRequired(_l("Choose a file.")),
        FileSize(MAX_UPLOAD, message=_l("The file is larger than 20 MB.")),
    ])
    deactivate_missing = BooleanField(_l("Deactivate officials of these units who are not in the file"))


class ApplyForm(FlaskForm):
    fingerprint = HiddenField()


def _scope():
    return scope_unit_ids(current_user, Role.HR)


def _plan(table, unit: OrgUnit, deactivate_missing: bool) -> RosterPlan:
    return build_plan(table, unit, manageable_unit_ids=db.session.execute(_scope()).scalars(),
                      deactivate_missing=deactivate_missing, importer_id=current_user.id)


def _own_upload(public_id: str) -> RosterUpload:
    upload = db.session.execute(
        select(RosterUpload).where(RosterUpload.public_id == public_id,
                                   RosterUpload.uploaded_by_id == current_user.id)
    ).scalar_one_or_none()
    if upload is None:
        abort(404)
    authorize(Role.HR, upload.unit_id)
    return upload


@bp.route("/", methods=["GET", "POST"])
@requires(Role.HR)
def index():
    form = UploadForm()
    form.unit_id.choices = unit_choices(unit_tree(_scope()))
    if request.method == "GET" and request.args.get("unit", type=int):
        form.unit_id.data = request.args.get("unit", type=int)
    plan = None
    unreadable = None
    if form.validate_on_submit():
        unit = db.get_or_404(OrgUnit, form.unit_id.data)
        authorize(Role.HR, unit.id)
        content = form.roster.data.read()
        try:
            plan = _plan(read_table(content), unit, form.deactivate_missing.data)
        except UnreadableFile as error:
            unreadable = str(error)
        if plan is not None and plan.ok:
            upload = store_upload(content, form.roster.data.filename or "roster", unit,
                                  uploaded_by_id=current_user.id,
                                  deactivate_missing=form.deactivate_missing.data)
            db.session.commit()
            return redirect(url_for("roster.preview", public_id=upload.public_id))
    status = 422 if request.method == "POST" else 200
    return render_template("roster/index.html", form=form, plan=plan, unreadable=unreadable,
                           columns=COLUMNS, categories=category_label_list(),
                           shown_problems=SHOWN_PROBLEMS, format_labels=FORMAT_LABELS), status


@bp.route("/uploads/<public_id>")
@requires(Role.HR)
def preview(public_id: str):
    upload = _own_upload(public_id)
    if upload.applied_at is not None:
        flash(_("This file was imported already."), "info")
        return redirect(url_for("roster.index"))
    unit = db.session.get(OrgUnit, upload.unit_id)
    plan = _plan(table_of(upload), unit, upload.deactivate_missing)
    form = ApplyForm(fingerprint=plan.fingerprint())
    return render_template("roster/preview.html", upload=upload, plan=plan, form=form,
                           preview_rows=PREVIEW_ROWS, shown_problems=SHOWN_PROBLEMS,
                           field_labels=FIELD_LABELS,
                           format_labels=FORMAT_LABELS)


@bp.route("/uploads/<public_id>/apply", methods=["POST"])
@requires(Role.HR)
def apply(public_id: str):
    form = ApplyForm()
    if not form.validate_on_submit():
        abort(400)
    upload = _own_upload(public_id)
    if upload.applied_at is not None:
        flash(_("This file was imported already."), "info")
        return redirect(url_for("roster.index"))
    unit = db.session.get(OrgUnit, upload.unit_id)
    plan = _plan(table_of(upload), unit, upload.deactivate_missing)
    if not plan.ok or plan.fingerprint() != form.fingerprint.data:
        flash(_("The accounts changed since this preview was made: check the new preview."), "error")
        return redirect(url_for("roster.preview", public_id=public_id))
    result = apply_plan(plan, source=upload.filename, sha256=upload.sha256)
    mark_applied(upload)
    db.session.commit()
    return render_template("roster/done.html", result=result, unit=unit, filename=upload.filename)


@bp.route("/template.<file_format>")
@requires(Role.HR)
def template(file_format: str):
    if file_format == "csv":
        return stream_download(csv_chunks(None), "roster-template.csv", "text/csv; charset=utf-8")
    if file_format == "xlsx":
        return stream_download(xlsx_chunks(None), "roster-template.xlsx", XLSX_TYPE)
    abort(404)


@bp.route("/units/<int:unit_id>/roster.<file_format>")
@requires(Role.HR)
def export(unit_id: int, file_format: str):
    unit = db.get_or_404(OrgUnit, unit_id)
    authorize(Role.HR, unit.id)
    if file_format not in ("csv", "xlsx"):
        abort(404)
    record_event("roster.export", target_type="unit", target_id=unit.id, unit_id=unit.id,
                 format=file_format)
    db.session.commit()
    chunks = csv_chunks(unit_id) if file_format == "csv" else xlsx_chunks(unit_id)
    mimetype = "text/csv; charset=utf-8" if file_format == "csv" else XLSX_TYPE
    return stream_download(chunks, f"roster-{unit.code}.{file_format}", mimetype)
