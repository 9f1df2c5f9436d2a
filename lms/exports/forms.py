from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange

from lms.exports.assessment import SEPARATORS
from lms.scoring.models import YEAR
from lms.scoring.policy import PERIODS


class AssessmentExportForm(FlaskForm):
    year = IntegerField(_l("Year"), validators=[InputRequired(), NumberRange(min=2000, max=2100)])
    period = SelectField(_l("Period"), validators=[InputRequired()])
    unit = SelectField(_l("Unit (with every unit below it)"), coerce=int,
                       validators=[InputRequired()])
    format = RadioField(_l("Format"), default="xlsx", validators=[InputRequired()])
    separator = RadioField(_l("CSV separator"), default=",", validators=[InputRequired()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.period.choices = [SelectChoice(YEAR, _l("Whole year"))] + [
            SelectChoice(quarter, _l("Quarter %(number)s", number=quarter[1])) for quarter in PERIODS]
        self.format.choices = [
            SelectChoice("xlsx", _l("Excel workbook (.xlsx): officials, units, policy and details of the export")),
            SelectChoice("csv", _l("CSV text (.csv): the officials only"))]
        self.separator.choices = [SelectChoice(value, label) for value, label in SEPARATORS.items()]
