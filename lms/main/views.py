from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from flask_login import current_user
from sqlalchemy import select, text

from lms.accounts.access import has_role, public, requires
from lms.accounts.models import Role, RoleGrant
from lms.extensions import db
from lms.org.queries import ancestors

bp = Blueprint("main", __name__)


@bp.route("/")
@requires(Role.LEARNER)
def home():
    grants = list(
        db.session.execute(
            select(RoleGrant).where(RoleGrant.official_id == current_user.id).order_by(RoleGrant.role)
        ).scalars()
    )
    return render_template(
        "main/home.html",
        grants=grants,
        unit_path=ancestors(current_user.unit_id),
        roles={role: has_role(current_user, role) for role in Role},
    )


@bp.route("/healthz")
@public
def healthz():
    """For load balancers and monitoring: the app answers and the database is reachable."""
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")
