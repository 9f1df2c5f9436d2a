from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from lms.classroom.models import AUDIENCE_LABELS, PACING_LABELS, Audience, Pacing

PHONE_TEXT = {"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}


def normalise_code(text: str | None) -> str:
    """Codes are typed in any case, with spaces or dashes: keep the letters and digits."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


class CodeForm(FlaskForm):
    code = StringField(_l("Session code"), validators=[DataRequired(_l("Enter the code.")),
                                                        Length(max=20)],
                       filters=[normalise_code], render_kw=PHONE_TEXT)


class JoinForm(FlaskForm):
    display_name = StringField(_l("Your name"), validators=[
        DataRequired(_l("Enter the name to show.")), Length(max=80)],
        render_kw={"autocomplete": "off"})
    group_name = StringField(_l("Group (class or village)"), validators=[Optional(), Length(max=80)],
                             render_kw={"autocomplete": "off"})


class ResumeForm(FlaskForm):
    resume_code = StringField(_l("Your personal code"), validators=[
        DataRequired(_l("Enter your personal code.")), Length(max=20)],
        filters=[normalise_code], render_kw=PHONE_TEXT)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SessionForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    unit_id = SelectField(_l("School or commune"), coerce=int)
    course = SelectField(_l("Course"), validators=[DataRequired()])
    lessons = MultiCheckboxField(_l("Lessons (none ticked: every lesson of the course)"),
                                 validate_choice=False)
    starts_at = DateTimeLocalField(_l("Date and time"), format="%Y-%m-%dT%H:%M",
                                   validators=[InputRequired(_l("Give the date and time."))])
    place = StringField(_l("Place"), validators=[DataRequired(), Length(max=200)])
    audience = RadioField(_l("Audience"), choices=[SelectChoice(a.value, AUDIENCE_LABELS[a]) for a in Audience],
                          default=Audience.STUDENTS.value, validators=[DataRequired()])
    expected_size = IntegerField(_l("Expected number of participants"), default=30,
                                 validators=[InputRequired(), NumberRange(min=1, max=2000)])
    pacing = RadioField(_l("Pacing"), choices=[SelectChoice(p.value, PACING_LABELS[p]) for p in Pacing],
                        default=Pacing.SELF_PACED.value, validators=[DataRequired()])
