"""Forms of the impact pages: the catalogue (admins), the framework (owner), reported values and decisions.

Choices are not validated by WTForms (`validate_choice=False`): the services check that an indicator or
period belongs to the project's framework and answer with a message on the field.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, DateField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from marketplace.impact.models import AGGREGATIONS, DIMENSIONS, FRAMEWORKS, LEVELS, MEASURES


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class IndicatorForm(FlaskForm):
    code = StringField(_l("Code"), validators=[Length(max=20)],
                       description=_l("IRIS+ (PI3687), SDG (8.5.2) or a custom code (DIA-01)."))
    framework = SelectField(_l("Framework"), validate_choice=False)
    name_en = StringField(_l("Name in English"), validators=[Length(max=200)])
    name_fr = StringField(_l("Name in French"), validators=[Length(max=200)])
    name_ar = StringField(_l("Name in Arabic"), validators=[Length(max=200)])
    unit = StringField(_l("Unit"), validators=[Length(max=40)], description=_l("FTE, persons, MAD, MWh …"))
    measure = SelectField(_l("Measure"), validate_choice=False)
    is_ascending = BooleanField(_l("Higher is better"), default=True)
    aggregation = SelectField(_l("How periods combine"), validate_choice=False)
    level = SelectField(_l("Result level"), validate_choice=False)
    disaggregations = CheckboxesField(_l("Allowed disaggregations"), validate_choice=False)
    sdg_targets = StringField(_l("SDG targets"), validators=[Length(max=200)],
                              description=_l("Separated by commas, such as 8.5, 5.5."))
    definition_url = StringField(_l("Definition (web address)"), validators=[Optional(), Length(max=255)])
    is_active = BooleanField(_l("Available for new frameworks"), default=True)

    def set_choices(self) -> IndicatorForm:
        self.framework.choices = [(k, str(v)) for k, v in FRAMEWORKS.items()]
        self.measure.choices = [(k, str(v)) for k, v in MEASURES.items()]
        self.aggregation.choices = [(k, str(v)) for k, v in AGGREGATIONS.items()]
        self.level.choices = [(k, str(v)) for k, v in LEVELS.items()]
        self.disaggregations.choices = [(k, str(v)) for k, v in DIMENSIONS.items()]
        return self


class FrameworkIndicatorForm(FlaskForm):
    indicator_id = SelectField(_l("Indicator"), validate_choice=False)
    baseline = StringField(_l("Baseline value"), validators=[Length(max=500)])
    baseline_on = DateField(_l("Baseline measured on"), validators=[Optional()])
    baseline_note = StringField(_l("Baseline note"), validators=[Length(max=500)],
                                description=_l("Source and assumptions, such as “headcount from the payroll”."))


class PeriodForm(FlaskForm):
    starts_on = DateField(_l("Period starts on"), validators=[Optional()])
    ends_on = DateField(_l("Period ends on"), validators=[Optional()])


class TargetForm(FlaskForm):
    project_indicator_id = SelectField(_l("Indicator"), validate_choice=False)
    period_id = SelectField(_l("Period"), validate_choice=False)
    value = StringField(_l("Target"), validators=[Length(max=500)])


class ValueForm(FlaskForm):
    period_id = SelectField(_l("Period"), validate_choice=False)
    value = StringField(_l("Value"), validators=[Length(max=500)])
    comment = TextAreaField(_l("Comment"), validators=[Length(max=4000)],
                            description=_l("How the figure was obtained, and any assumption (IRIS+ footnote)."))
    evidence = MultipleFileField(_l("Evidence (PDF or photo)"))
    parts = StringField()  # carries the disaggregation errors; the parts are inputs named part-<dimension>-<category>


class ReturnForm(FlaskForm):
    note = TextAreaField(_l("What should be corrected"), validators=[Length(max=1000)])


class ActionForm(FlaskForm):
    """Only the CSRF token: the action is in the URL of the button."""


class SharePreferenceForm(FlaskForm):
    shown = BooleanField(_l("Show my share of the impact"))
