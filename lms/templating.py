"""Factory step: template helpers available on every page."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from lms.accounts.access import has_role
from lms.accounts.models import Role


def _navigation() -> list[tuple[str, str, str]]:
    """(endpoint, url, label) for the signed-in official's menu, by role."""
    if not current_user or not current_user.is_authenticated:
        return []
    items = [
        ("main.home", url_for("main.home"), _("Home")),
        ("learning.catalogue", url_for("learning.catalogue"), _("My courses")),
        ("learning.results", url_for("learning.results"), _("My results")),
        ("certificates.mine", url_for("certificates.mine"), _("My certificates")),
    ]
    if has_role(current_user, Role.FACILITATOR) or has_role(current_user, Role.HR):
        items.append(("classroom.index", url_for("classroom.index"), _("Sessions")))
    if has_role(current_user, Role.UNIT_MANAGER):
        items.append(("scoring.dashboard", url_for("scoring.dashboard"), _("Scores")))
        items.append(("people.index", url_for("people.index"), _("People")))
        items.append(("exports.assessment", url_for("exports.assessment"), _("Exports")))
    if has_role(current_user, Role.HR):
        items.append(("roster.index", url_for("roster.index"), _("Roster")))
    if has_role(current_user, Role.ADMIN):
        items.append(("admin.units", url_for("admin.units"), _("Units")))
        items.append(("certificates.manage", url_for("certificates.manage"), _("Certificates")))
        items.append(("admin.audit_log", url_for("admin.audit_log"), _("Audit log")))
    return items


def _context() -> dict[str, object]:
    return {"navigation": _navigation, "Role": Role, "has_role": has_role}


def _url_with(**changes: object) -> str:
    """The current URL with some query arguments replaced (pagination, filters)."""
    args = request.args.to_dict()
    args.update({key: value for key, value in changes.items() if value is not None})
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def _deadline_day(moment: datetime) -> str:
    """A deadline is stored as the first instant after it; show the day it ends on."""
    return format_date(moment - timedelta(microseconds=1), "short")


def configure_templates(app: Flask) -> None:
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.add_extension("jinja2.ext.do")
    app.context_processor(_context)
    app.jinja_env.globals["url_with"] = _url_with
    app.jinja_env.filters["deadline_day"] = _deadline_day
