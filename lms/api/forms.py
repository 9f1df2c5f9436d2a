from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

DEFAULT_LIFETIME_DAYS = 90


class TokenForm(FlaskForm):
    name = StringField(_l("Name (which system uses it)"), validators=[DataRequired(), Length(max=120)])
    unit_id = SelectField(_l("Unit (the token sees this unit and everything below it)"), coerce=int,
                          validators=[DataRequired()])
    days = IntegerField(_l("Valid for (days)"), default=DEFAULT_LIFETIME_DAYS,
                        validators=[InputRequired()])

    def validate_days(self, field: IntegerField) -> None:
        longest = current_app.config["API_TOKEN_MAX_DAYS"]
        if field.data is None or not 1 <= field.data <= longest:
            raise ValidationError(_l("Choose from 1 to %(days)d days.", days=longest))
