from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user
from sqlalchemy import select

from lms.accounts.access import authorize, can_act_on_unit, requires, scope_unit_ids
from lms.accounts.models import Official, Role, RoleGrant
from lms.accounts.queries import officials_in_scope
from lms.certificates.queries import certificates_of
from lms.extensions import db
from lms.org.queries import ancestors, unit_tree
from lms.web import paginate

bp = Blueprint("people", __name__)


@bp.route("/")
@requires(Role.UNIT_MANAGER)
def index():
    scope = scope_unit_ids(current_user, Role.UNIT_MANAGER)
    unit_id = request.args.get("unit", type=int)
    if unit_id is not None:
        authorize(Role.UNIT_MANAGER, unit_id)
    search = request.args.get("q", "").strip()[:100]
    page = paginate(officials_in_scope(scope, unit_id=unit_id, search=search or None))
    admin_units = set(db.session.execute(scope_unit_ids(current_user, Role.ADMIN)).scalars())
    return render_template(
        "people/index.html",
        page=page,
        units=unit_tree(scope),
        selected_unit=unit_id,
        search=search,
        admin_units=admin_units,
    )


@bp.route("/<int:official_id>")
@requires(Role.UNIT_MANAGER)
def detail(official_id: int):
    official = db.session.get(Official, official_id)
    if official is None:
        abort(404)
    authorize(Role.UNIT_MANAGER, official.unit_id)
    grants = list(
        db.session.execute(select(RoleGrant).where(RoleGrant.official_id == official.id)).scalars()
    )
    return render_template(
        "people/detail.html",
        official=official,
        grants=grants,
        unit_path=ancestors(official.unit_id),
        can_edit=can_act_on_unit(current_user, Role.ADMIN, official.unit_id),
        certificates=certificates_of(official.id),
    )
