"""Forms of the partnership workspace: disbursements, milestones, tranches, evidence and judgements.

Several forms share one page, so each has a prefix; amounts are read by `core.forms.amount_in_minor`.
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional


class DisbursementForm(FlaskForm):
    component_id = SelectField(_l("Financing paid against"), validators=[InputRequired()])
    amount = StringField(_l("Amount paid"), validators=[DataRequired()])
    disbursed_on = DateField(_l("Paid on"), validators=[InputRequired()], default=date.today)
    reference = StringField(_l("Bank reference"), validators=[DataRequired(), Length(max=120)])
    file = FileField(_l("Evidence (PDF, optional)"))
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])


class MilestoneForm(FlaskForm):
    title = StringField(_l("Milestone"), validators=[DataRequired(), Length(max=200)])
    due_on = DateField(_l("Due on"), validators=[InputRequired()])
    evidence_required = TextAreaField(_l("Evidence required"), validators=[DataRequired(), Length(max=500)])
    indicator_codes = StringField(
        _l("Impact indicators to verify (optional)"), validators=[Optional(), Length(max=200)],
        description=_l("Codes separated by commas, such as PI3687, OI6213: tranches wait for their verified "
                       "results."))


class TrancheForm(FlaskForm):
    milestone_id = SelectField(_l("Released by the milestone"), validators=[InputRequired()])
    component_id = SelectField(_l("Grant or loan"), validators=[InputRequired()])
    amount = StringField(_l("Amount of the tranche"), validators=[DataRequired()])


class EvidenceForm(FlaskForm):
    file = FileField(_l("Evidence (PDF)"), validators=[FileRequired()])
    note = StringField(_l("Note for the monitor"), validators=[Optional(), Length(max=500)])


class JudgementForm(FlaskForm):
    note = TextAreaField(_l("Note (required to return the evidence)"), validators=[Optional(), Length(max=2000)])


class ReleaseForm(FlaskForm):
    disbursed_on = DateField(_l("Paid on"), validators=[InputRequired()], default=date.today)
    reference = StringField(_l("Bank reference"), validators=[DataRequired(), Length(max=120)])


class BareForm(FlaskForm):
    """Only the CSRF token: the action is in the URL of the button."""


class PartnershipFilterForm(FlaskForm):
    """The filters of the partnership list, read from the query string (no CSRF: a GET changes nothing)."""

    class Meta:
        csrf = False

    programme = SelectField(_l("Programme"), validators=[Optional()])
    function = SelectField(_l("Role"), validators=[Optional()])
    status = SelectField(_l("State"), validators=[Optional()])
