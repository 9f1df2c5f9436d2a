"""Sign-in, sign-out and the password pages."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from lms.accounts.access import public, requires
from lms.accounts.forms import ChangePasswordForm, LoginForm
from lms.accounts.models import Role
from lms.accounts.operations import authenticate, change_own_password, password_problems
from lms.db import utcnow
from lms.extensions import db, limiter
from lms.text import normalise_login
from lms.web import safe_next

bp = Blueprint("auth", __name__)


def _account_key() -> str:
    return "login-account:" + normalise_login(request.form.get("login", ""))


def _failed(response) -> bool:
    # Only failed attempts count against the account: a successful sign-in redirects.
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"], methods=["POST"],
               key_func=_account_key, deduct_when=_failed)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        official = authenticate(form.login.data, form.password.data)
        if official is not None:
            session.clear()
            session.permanent = True
            login_user(official)
            official.last_login_at = utcnow()
            db.session.commit()
            if official.must_change_password:
                return redirect(url_for("auth.change_password"))
            return redirect(safe_next(request.args.get("next")) or url_for("main.home"))
        # One message for an unknown login, a wrong password and a disabled account.
        form.password.errors = [_("Wrong login or password.")]
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@requires(Role.LEARNER)
def logout():
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


def _own_account_key() -> str:
    return f"password-change:{current_user.get_id()}"


@bp.route("/account/password", methods=["GET", "POST"])
@requires(Role.LEARNER)
@limiter.limit(lambda: current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"], methods=["POST"],
               key_func=_own_account_key, deduct_when=_failed)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if authenticate(current_user.login, form.current_password.data) is None:
            form.current_password.errors = [_("The current password is wrong.")]
        else:
            problems = password_problems(form.new_password.data, current_user)
            if problems:
                form.new_password.errors = problems
            else:
                change_own_password(current_user, form.new_password.data)
                db.session.commit()
                # The session token changed with the password: sign this session in again.
                login_user(current_user._get_current_object())
                flash(_("Your password has been changed."), "success")
                return redirect(url_for("main.home"))
    return render_template("auth/change_password.html", form=form)
