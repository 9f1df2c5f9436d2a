from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    login = StringField(_l("Login (employee code)"), validators=[DataRequired(), Length(max=64)],
                        render_kw={"autocomplete": "username", "autocapitalize": "none",
                                   "spellcheck": "false"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)],
                             render_kw={"autocomplete": "current-password"})


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(_l("New password"),
                                 validators=[DataRequired(), Length(max=256)],
                                 render_kw={"autocomplete": "new-password"})
    confirm_password = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The two new passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )
