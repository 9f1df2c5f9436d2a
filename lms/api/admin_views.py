"""Admin pages for API tokens, under ``/admin/api-tokens``: list, issue, revoke.

An admin sees and manages only the tokens of units in their own subtree, and can issue a
token only for such a unit.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.accounts.access import authorize, requires, scope_unit_ids
from lms.accounts.models import Role
from lms.api.forms import DEFAULT_LIFETIME_DAYS, TokenForm
from lms.api.models import ApiToken
from lms.api.operations import issue_token, revoke_token
from lms.db import utcnow
from lms.extensions import db
from lms.org.forms import unit_choices
from lms.org.models import OrgUnit
from lms.org.queries import unit_tree
from lms.web import paginate

bp = Blueprint("api_tokens", __name__)


@bp.route("")
@requires(Role.ADMIN)
def index():
    query = (
        select(ApiToken)
        .options(joinedload(ApiToken.unit), joinedload(ApiToken.created_by))
        .where(ApiToken.unit_id.in_(scope_unit_ids(current_user, Role.ADMIN)))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    return render_template("api/tokens.html", page=paginate(query), now=utcnow())


@bp.route("/new", methods=["GET", "POST"])
@requires(Role.ADMIN)
def new_token():
    form = TokenForm()
    # Only units of the admin's own subtree are offered, indented to show the tree.
    form.unit_id.choices = unit_choices(unit_tree(scope_unit_ids(current_user, Role.ADMIN)))
    if not form.is_submitted():
        form.days.data = min(DEFAULT_LIFETIME_DAYS, current_app.config["API_TOKEN_MAX_DAYS"])
    if form.validate_on_submit():
        authorize(Role.ADMIN, form.unit_id.data)
        token, plaintext = issue_token(name=form.name.data, unit=db.session.get(OrgUnit, form.unit_id.data),
                                       days=form.days.data)
        db.session.commit()
        return render_template("api/token_issued.html", token=token, plaintext=plaintext)
    return render_template("api/token_form.html", form=form,
                           max_days=current_app.config["API_TOKEN_MAX_DAYS"])


@bp.route("/<int:token_id>/revoke", methods=["POST"])
@requires(Role.ADMIN)
def revoke(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None:
        abort(404)
    authorize(Role.ADMIN, token.unit_id)
    # The CSRF token of the button's form is checked by CSRFProtect before the view runs.
    name = token.name
    if revoke_token(token):
        db.session.commit()
        flash(_("The API token %(name)s is revoked: it no longer opens the API.", name=name), "success")
    else:
        flash(_("The API token %(name)s was revoked already.", name=name), "info")
    return redirect(url_for("api_tokens.index"))
