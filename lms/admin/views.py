"""Admin pages. Every page acts only within the admin's own unit subtree."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.accounts.access import authorize, requires, scope_unit_ids
from lms.accounts.models import Official, Role, RoleGrant, StaffCategory
from lms.accounts.operations import (
    create_official,
    employee_code_taken,
    find_by_login,
    grant_role,
    reset_password,
    revoke_role,
    update_official,
)
from lms.accounts.privacy import PrivacyError, anonymise
from lms.accounts.privacy import personal_data as collect_personal_data
from lms.admin.forms import AnonymiseForm, GrantForm, OfficialForm, UnitForm
from lms.audit.models import ACTION_LABELS, AuditEvent
from lms.audit.operations import record_event
from lms.extensions import db
from lms.org.forms import unit_choices
from lms.org.models import OrgUnit, UnitKind
from lms.org.operations import UnitError, create_unit, update_unit
from lms.org.queries import unit_tree
from lms.web import paginate

bp = Blueprint("admin", __name__)


def _admin_scope():
    return scope_unit_ids(current_user, Role.ADMIN)


def _offer_units(field, preselect_from: str | None = None) -> None:
    """Fill a unit select with the admin's units; on first display, preselect ``?<arg>=id``."""
    field.choices = unit_choices(unit_tree(_admin_scope()))
    if preselect_from and request.method == "GET":
        field.data = request.args.get(preselect_from, type=int) or field.data


def _get_or_404(model, object_id: int):
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    return obj


# Units ------------------------------------------------------------------------------------

@bp.route("/units")
@requires(Role.ADMIN)
def units():
    return render_template("admin/units.html", rows=unit_tree(_admin_scope()))


@bp.route("/units/new", methods=["GET", "POST"])
@requires(Role.ADMIN)
def new_unit():
    form = UnitForm()
    _offer_units(form.parent_id, preselect_from="parent")
    if form.validate_on_submit():
        authorize(Role.ADMIN, form.parent_id.data)
        code = form.code.data.strip().upper()
        if db.session.execute(select(OrgUnit.id).where(OrgUnit.code == code)).first():
            form.code.errors.append(_("A unit with this code exists already."))
        else:
            unit = create_unit(code=code, name_vi=form.name_vi.data, name_en=form.name_en.data,
                               kind=UnitKind(form.kind.data),
                               parent=db.session.get(OrgUnit, form.parent_id.data))
            db.session.commit()
            flash(_("Unit %(name)s created.", name=unit.name), "success")
            return redirect(url_for("admin.units"))
    return render_template("admin/unit_form.html", form=form, unit=None)


@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
@requires(Role.ADMIN)
def edit_unit(unit_id: int):
    unit = _get_or_404(OrgUnit, unit_id)
    authorize(Role.ADMIN, unit.id)
    form = UnitForm(obj=unit)
    del form.code  # codes are references in exports and imports: they do not change
    if request.method == "GET":
        form.kind.data = unit.kind.value
    top_level = unit.parent_id is None
    if top_level:
        del form.parent_id
    else:
        _offer_units(form.parent_id)
    if form.validate_on_submit():
        parent = unit.parent
        if not top_level:
            authorize(Role.ADMIN, form.parent_id.data)
            parent = db.session.get(OrgUnit, form.parent_id.data)
        try:
            update_unit(unit, name_vi=form.name_vi.data, name_en=form.name_en.data,
                        kind=UnitKind(form.kind.data), parent=parent, active=form.active.data)
        except UnitError:
            db.session.rollback()
            form.parent_id.errors.append(
                _("A unit cannot be moved under itself or one of its own sub-units."))
        else:
            db.session.commit()
            flash(_("Unit %(name)s saved.", name=unit.name), "success")
            return redirect(url_for("admin.units"))
    return render_template("admin/unit_form.html", form=form, unit=unit)


# Accounts ---------------------------------------------------------------------------------

@bp.route("/officials/new", methods=["GET", "POST"])
@requires(Role.ADMIN)
def new_official():
    form = OfficialForm()
    _offer_units(form.unit_id, preselect_from="unit")
    if form.validate_on_submit():
        authorize(Role.ADMIN, form.unit_id.data)
        if find_by_login(form.login.data) is not None:
            form.login.errors.append(_("An account with this login exists already."))
        elif employee_code_taken(form.employee_code.data):
            form.employee_code.errors.append(_("Another account has this employee code."))
        else:
            official, temporary = create_official(
                login=form.login.data,
                employee_code=form.employee_code.data or None,
                full_name=form.full_name.data,
                unit=db.session.get(OrgUnit, form.unit_id.data),
                staff_category=StaffCategory(form.staff_category.data),
                email=form.email.data,
                position_title=form.position_title.data,
                preferred_locale=form.preferred_locale.data or None,
            )
            db.session.commit()
            return render_template("admin/one_time_password.html", official=official,
                                   password=temporary, created=True)
    return render_template("admin/official_form.html", form=form, official=None)


@bp.route("/officials/<int:official_id>", methods=["GET", "POST"])
@requires(Role.ADMIN)
def edit_official(official_id: int):
    official = _get_or_404(Official, official_id)
    authorize(Role.ADMIN, official.unit_id)
    form = OfficialForm(obj=official)
    del form.login
    _offer_units(form.unit_id)
    if request.method == "GET":
        form.staff_category.data = official.staff_category.value
        form.preferred_locale.data = official.preferred_locale or ""
    if form.validate_on_submit():
        authorize(Role.ADMIN, form.unit_id.data)
        if official.id == current_user.id and not form.active.data:
            form.active.errors.append(_("You cannot deactivate your own account."))
        elif employee_code_taken(form.employee_code.data, other_than=official):
            form.employee_code.errors.append(_("Another account has this employee code."))
        else:
            update_official(
                official,
                employee_code=form.employee_code.data or None,
                full_name=form.full_name.data,
                email=form.email.data,
                unit_id=form.unit_id.data,
                staff_category=StaffCategory(form.staff_category.data),
                position_title=form.position_title.data,
                preferred_locale=form.preferred_locale.data or None,
                active=form.active.data,
            )
            db.session.commit()
            flash(_("Account %(login)s saved.", login=official.login), "success")
            return redirect(url_for("admin.edit_official", official_id=official.id))
    grant_form = GrantForm(prefix="grant")
    _offer_units(grant_form.unit_id)
    grant_form.unit_id.data = official.unit_id
    return render_template(
        "admin/official_form.html",
        form=form,
        official=official,
        grant_form=grant_form,
        grants=_grants_of(official),
    )


def _grants_of(official: Official) -> list[RoleGrant]:
    return list(
        db.session.execute(
            select(RoleGrant).options(joinedload(RoleGrant.unit))
            .where(RoleGrant.official_id == official.id).order_by(RoleGrant.role)
        ).scalars()
    )


@bp.route("/officials/<int:official_id>/grants", methods=["POST"])
@requires(Role.ADMIN)
def add_grant(official_id: int):
    official = _get_or_404(Official, official_id)
    authorize(Role.ADMIN, official.unit_id)
    form = GrantForm(prefix="grant")
    _offer_units(form.unit_id)
    if form.validate_on_submit():
        authorize(Role.ADMIN, form.unit_id.data)
        unit = db.session.get(OrgUnit, form.unit_id.data)
        grant = grant_role(official, Role(form.role.data), unit)
        db.session.commit()
        if grant is None:
            flash(_("%(name)s already has this role over %(unit)s.",
                    name=official.full_name, unit=unit.name), "info")
        else:
            flash(_("Role %(role)s over %(unit)s granted to %(name)s.",
                    role=grant.role.label, unit=unit.name, name=official.full_name), "success")
    else:
        flash(_("Choose a role and a unit."), "error")
    return redirect(url_for("admin.edit_official", official_id=official.id))


@bp.route("/grants/<int:grant_id>/revoke", methods=["POST"])
@requires(Role.ADMIN)
def revoke_grant(grant_id: int):
    grant = _get_or_404(RoleGrant, grant_id)
    authorize(Role.ADMIN, grant.unit_id)
    official_id = grant.official_id
    # The CSRF token of this button's form is checked by CSRFProtect before the view runs.
    if official_id == current_user.id and grant.role is Role.ADMIN:
        flash(_("You cannot remove your own administrator role."), "error")
    else:
        label, unit_name = grant.role.label, grant.unit.name
        revoke_role(grant)
        db.session.commit()
        flash(_("Role %(role)s over %(unit)s removed.", role=label, unit=unit_name), "success")
    return redirect(url_for("admin.edit_official", official_id=official_id))


@bp.route("/officials/<int:official_id>/reset-password", methods=["POST"])
@requires(Role.ADMIN)
def reset_official_password(official_id: int):
    official = _get_or_404(Official, official_id)
    authorize(Role.ADMIN, official.unit_id)
    temporary = reset_password(official)
    db.session.commit()
    return render_template("admin/one_time_password.html", official=official,
                           password=temporary, created=False)


# Personal data ----------------------------------------------------------------------------

@bp.route("/officials/<int:official_id>/personal-data.json")
@requires(Role.ADMIN)
def personal_data(official_id: int):
    """The official's right of access: everything held about them, in one file."""
    official = _get_or_404(Official, official_id)
    authorize(Role.ADMIN, official.unit_id)
    data = collect_personal_data(official)
    record_event("official.data_access", target_type="official", target_id=official.id,
                 unit_id=official.unit_id)
    db.session.commit()
    response = Response(json.dumps(data, ensure_ascii=False, indent=2),
                        mimetype="application/json")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="personal-data-{official.id}.json"')
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/officials/<int:official_id>/anonymise", methods=["GET", "POST"])
@requires(Role.ADMIN)
def anonymise_official(official_id: int):
    official = _get_or_404(Official, official_id)
    authorize(Role.ADMIN, official.unit_id)
    if official.anonymised_at is not None:
        return redirect(url_for("admin.edit_official", official_id=official.id))
    form = AnonymiseForm()
    if not official.active and form.validate_on_submit():
        if form.confirm.data.strip().casefold() != official.login:
            form.confirm.errors.append(_("This is not the account's login."))
        else:
            try:
                anonymise(official)
            except PrivacyError:
                abort(409)
            db.session.commit()
            flash(_("The account was anonymised."), "success")
            return redirect(url_for("admin.edit_official", official_id=official.id))
    return render_template("admin/anonymise.html", official=official, form=form)


# Audit log --------------------------------------------------------------------------------

@bp.route("/audit")
@requires(Role.ADMIN)
def audit_log():
    query = (
        select(AuditEvent)
        .options(joinedload(AuditEvent.actor))
        .where(AuditEvent.unit_id.in_(_admin_scope()))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    action = request.args.get("action", "").strip()
    if action:
        query = query.where(AuditEvent.action == action)
    token_id = request.args.get("token", type=int)  # the uses of one API token
    if token_id is not None:
        query = query.where(AuditEvent.target_type == "api_token", AuditEvent.target_id == token_id)
    return render_template("admin/audit.html", page=paginate(query), action=action,
                           actions=ACTION_LABELS, token_id=token_id)
