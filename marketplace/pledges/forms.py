"""Forms of the pledge flow, the investor questionnaire, the bank's receipt and matching pools."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, IntegerField, RadioField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from marketplace.pledges.models import PAYMENT_METHODS
from marketplace.pledges.protection import KNOWLEDGE_QUESTIONS


class PledgeForm(FlaskForm):
    amount = StringField(_l("Amount"), validators=[DataRequired(), Length(max=20)])
    method = RadioField(_l("Payment method"), choices=[], validators=[InputRequired()])
    request_key = HiddenField(validators=[DataRequired(), Length(min=16, max=64)])
    reflection_notice_seen = BooleanField(_l("I have read how the 4-day reflection period works."))
    risk_warning_acknowledged = BooleanField(_l("I have read the risk warning."))
    high_amount_consent = BooleanField(_l("I understand the warning and still want to pledge this amount."))
    understanding_answer = RadioField(_l("If the project fails, how much of the money you invested can you lose?"),
                                      choices=[], coerce=int, validators=[Optional()])

    def set_choices(self, card_enabled: bool) -> None:
        self.method.choices = [(k, str(v)) for k, v in PAYMENT_METHODS.items() if k != "card" or card_enabled]
        _question, choices, _right = KNOWLEDGE_QUESTIONS[0]
        self.understanding_answer.choices = [(i, str(c)) for i, c in enumerate(choices)]


class KnowledgeTestForm(FlaskForm):
    """Built per request: one radio group per question of the current test version."""

    @classmethod
    def build(cls, formdata=None):
        class _Form(cls):
            pass

        for index, (question, _choices, _right) in enumerate(KNOWLEDGE_QUESTIONS):
            setattr(_Form, f"q{index}", RadioField(question, choices=[], coerce=int, validators=[InputRequired()]))
        form = _Form(formdata=formdata)
        for index, (_question, choices, _right) in enumerate(KNOWLEDGE_QUESTIONS):
            getattr(form, f"q{index}").choices = [(i, str(c)) for i, c in enumerate(choices)]
        return form

    def question_fields(self):
        return [getattr(self, f"q{i}") for i in range(len(KNOWLEDGE_QUESTIONS))]


class LossSimulationForm(FlaskForm):
    annual_income = StringField(_l("Net yearly income (euros)"), validators=[DataRequired(), Length(max=20)],
                                description=_l("Salary and other regular income after tax."))
    liquid_assets = StringField(_l("Savings and financial investments (euros)"),
                                validators=[DataRequired(), Length(max=20)],
                                description=_l("Cash, deposits, shares, bonds. Leave out your home, other "
                                               "property and pension funds."))
    commitments = StringField(_l("Yearly financial commitments (euros)"), validators=[DataRequired(), Length(max=20)],
                              description=_l("Rent or mortgage, loans, maintenance you pay each year."))


class RegCfForm(FlaskForm):
    annual_income = StringField(_l("Annual income (US dollars)"), validators=[DataRequired(), Length(max=20)])
    net_worth = StringField(_l("Net worth, excluding your home (US dollars)"),
                            validators=[DataRequired(), Length(max=20)])
    accredited = BooleanField(_l("I am an accredited investor under SEC rules."))


class ReceiptForm(FlaskForm):
    amount = StringField(_l("Amount received"), validators=[DataRequired(), Length(max=20)])
    received_on = DateField(_l("Date received"), validators=[InputRequired()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])


class MatchPoolForm(FlaskForm):
    organisation_id = RadioField(_l("Funded by"), coerce=int, choices=[], validators=[InputRequired()])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    ratio_percent = IntegerField(_l("Match per 100 pledged"), validators=[InputRequired(), NumberRange(1, 1000)],
                                 description=_l("100 doubles each pledge (1:1); 50 adds half."))
    cap_per_pledge = StringField(_l("Most matched per pledge"), validators=[DataRequired(), Length(max=20)])
    cap_per_investor = StringField(_l("Most matched per investor"), validators=[DataRequired(), Length(max=20)])
    total = StringField(_l("Pool total"), validators=[DataRequired(), Length(max=20)])
    whole_programme = BooleanField(_l("Match pledges on every project of this project's programme"))


class EarlyCloseForm(FlaskForm):
    new_last_day = DateField(_l("New last day of the campaign"), validators=[InputRequired()])
