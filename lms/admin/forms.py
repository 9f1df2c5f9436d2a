from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from lms.accounts.models import Role, StaffCategory
from lms.org.models import UnitKind

CODE_PATTERN = Regexp(r"^[A-Za-z0-9._-]+$",
                      message=_l("Use letters, digits, dots, dashes or underscores only."))


def _kind_choices():
    return [SelectChoice(kind.value, kind.label) for kind in UnitKind]


class UnitForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32), CODE_PATTERN])
    name_vi = StringField(_l("Name in Vietnamese"), validators=[DataRequired(), Length(max=255)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=255)])
    kind = SelectField(_l("Kind of unit"), validators=[DataRequired()])
    parent_id = SelectField(_l("Parent unit"), coerce=int, validators=[DataRequired()])
    active = BooleanField(_l("Active"), default=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = _kind_choices()


class OfficialForm(FlaskForm):
    login = StringField(_l("Login (employee code)"),
                        validators=[DataRequired(), Length(max=64), CODE_PATTERN])
    employee_code = StringField(_l("Employee code (optional)"),
                                validators=[Optional(), Length(max=32), CODE_PATTERN])
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=255)])
    email = EmailField(_l("E-mail (optional)"),
                       validators=[Optional(), Email(check_deliverability=False), Length(max=255)])
    unit_id = SelectField(_l("Unit"), coerce=int, validators=[DataRequired()])
    staff_category = SelectField(_l("Staff category"), validators=[DataRequired()])
    position_title = StringField(_l("Position (optional)"), validators=[Optional(), Length(max=255)])
    preferred_locale = SelectField(_l("Language"), validators=[Optional()])
    active = BooleanField(_l("Active (can sign in)"), default=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.staff_category.choices = [SelectChoice(c.value, c.label) for c in StaffCategory]
        self.preferred_locale.choices = [SelectChoice("", _l("Automatic")),
                                         SelectChoice("vi", "Tiếng Việt"), SelectChoice("en", "English")]


class GrantForm(FlaskForm):
    role = SelectField(_l("Role"), validators=[DataRequired()])
    unit_id = SelectField(_l("Over unit (and everything below it)"), coerce=int,
                          validators=[DataRequired()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [SelectChoice(r.value, r.label) for r in Role if r is not Role.LEARNER]



class AnonymiseForm(FlaskForm):
    confirm = StringField(_l("Type the login to confirm"), validators=[DataRequired()])
