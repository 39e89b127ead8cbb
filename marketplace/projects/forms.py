"""Forms for listings, vetting decisions, the bank's checklist, files, updates and questions."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from marketplace.money import SUPPORTED_CURRENCIES
from marketplace.projects.models import DOCUMENT_KINDS, FUNDING_RULES, INSTRUMENTS, SDG_NAMES

LANGUAGE_CHOICES = [("fr", "Français"), ("en", "English"), ("ar", "العربية")]


class ProjectForm(FlaskForm):
    organisation_id = SelectField(_l("Listed by"), coerce=int)
    language = SelectField(_l("Language of the listing"), choices=dict(LANGUAGE_CHOICES))
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField(_l("Summary"), validators=[DataRequired(), Length(max=600)],
                            description=_l("Two or three sentences shown in the catalogue."))
    description = TextAreaField(_l("Description"), validators=[DataRequired(), Length(max=50000)],
                                description=_l("Markdown: **bold**, *italic*, lists, links, tables."))
    title_en = StringField(_l("Title in English"), validators=[Optional(), Length(max=200)])
    summary_en = TextAreaField(_l("Summary in English"), validators=[Optional(), Length(max=600)])
    title_fr = StringField(_l("Title in French"), validators=[Optional(), Length(max=200)])
    summary_fr = TextAreaField(_l("Summary in French"), validators=[Optional(), Length(max=600)])
    title_ar = StringField(_l("Title in Arabic"), validators=[Optional(), Length(max=200)])
    summary_ar = TextAreaField(_l("Summary in Arabic"), validators=[Optional(), Length(max=600)])
    country_id = SelectField(_l("Country"), coerce=int)
    region_id = SelectField(_l("Region"), coerce=int)
    sector_id = SelectField(_l("Sector"), coerce=int)
    programme_id = SelectField(_l("Programme"), coerce=int)
    partner_bank_id = SelectField(_l("Partner bank"), coerce=int,
                                  description=_l("The bank that carries out the due diligence and co-signs."))
    instrument = SelectField(_l("Instrument"), choices=lambda: list(INSTRUMENTS.items()))
    funding_rule = SelectField(_l("Funding rule"), choices=lambda: list(FUNDING_RULES.items()),
                               description=_l("All or nothing: pledges are collected only if the target is met."))
    currency = SelectField(_l("Currency"), choices={c: c for c in SUPPORTED_CURRENCIES})
    target = StringField(_l("Funding target"), validators=[DataRequired(), Length(max=20)],
                         render_kw={"inputmode": "decimal"})
    min_ticket = StringField(_l("Minimum ticket"), validators=[DataRequired(), Length(max=20)],
                             render_kw={"inputmode": "decimal"})
    oversubscription_cap = StringField(
        _l("Accept pledges up to"), validators=[Optional(), Length(max=20)], render_kw={"inputmode": "decimal"},
        description=_l("Flexible campaigns only: leave empty to stop at the target."))
    campaign_starts_on = DateField(_l("Campaign starts on"), validators=[InputRequired()])
    campaign_ends_on = DateField(_l("Campaign ends on"), validators=[InputRequired()])
    risks = TextAreaField(_l("Risks"), validators=[Optional(), Length(max=10000)],
                          description=_l("What could go wrong, and what investors could lose."))
    expected_jobs = IntegerField(_l("Expected jobs (full-time equivalent)"),
                                 validators=[Optional(), NumberRange(min=0, max=1_000_000)])
    sdg_goals = SelectMultipleField(
        _l("Sustainable Development Goals"), coerce=int, validators=[Optional()],
        choices=[SelectChoice(n, f"{n} · {name}") for n, name in SDG_NAMES.items()],
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
    )


class DecisionForm(FlaskForm):
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=5000)])


class DocumentForm(FlaskForm):
    kind = SelectField(_l("Kind of document"), choices=lambda: list(DOCUMENT_KINDS.items()))
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    is_public = BooleanField(_l("Visible to investors once published"), default=True)
    file = FileField(_l("PDF file"), validators=[FileRequired()])


class PhotoForm(FlaskForm):
    caption = StringField(_l("Caption"), validators=[Optional(), Length(max=200)])
    file = FileField(_l("Photo (JPEG, PNG or WebP)"), validators=[FileRequired()])


class UpdateForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(_l("Update"), validators=[DataRequired(), Length(max=20000)])


class QuestionForm(FlaskForm):
    body = TextAreaField(_l("Your question"), validators=[DataRequired(), Length(min=5, max=2000)])


class AnswerForm(FlaskForm):
    answer = TextAreaField(_l("Answer"), validators=[DataRequired(), Length(max=5000)])
