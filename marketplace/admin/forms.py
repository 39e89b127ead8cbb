"""Admin-only forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from marketplace.accounts.forms import VALID_EMAIL, check_password_strength
from marketplace.organisations.forms import role_choices


class UserCreateForm(FlaskForm):
    display_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=255), VALID_EMAIL])
    password = PasswordField(_l("Initial password"), validators=[DataRequired(), check_password_strength],
                             description=_l("At least 10 characters; a few unrelated words make a strong password."))
    is_investor = BooleanField(_l("Investor account"))
    organisation_id = SelectField(_l("Organisation"), coerce=int, validators=[Optional()])
    role = SelectField(_l("Role in the organisation"), choices=role_choices)


class UserMembershipForm(FlaskForm):
    organisation_id = SelectField(_l("Organisation"), coerce=int)
    role = SelectField(_l("Role"), choices=role_choices)


class CountryForm(FlaskForm):
    iso2 = StringField(_l("ISO 3166-1 code"), validators=[DataRequired(), Regexp(r"^[A-Za-z]{2}$")])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=120)])
    name_fr = StringField(_l("Name in French"), validators=[DataRequired(), Length(max=120)])
    name_ar = StringField(_l("Name in Arabic"), validators=[DataRequired(), Length(max=120)])
    currency = StringField(_l("Currency (ISO 4217)"), validators=[Optional(), Regexp(r"^[A-Za-z]{3}$")])
    hosts_projects = BooleanField(_l("Projects may be listed in this country"))


class RegionForm(FlaskForm):
    country_id = SelectField(_l("Country"), coerce=int)
    iso_code = StringField(
        _l("ISO 3166-2 code"), validators=[DataRequired(), Regexp(r"^[A-Za-z]{2}-[A-Za-z0-9]{1,3}$")]
    )
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=120)])
    name_fr = StringField(_l("Name in French"), validators=[DataRequired(), Length(max=120)])
    name_ar = StringField(_l("Name in Arabic"), validators=[DataRequired(), Length(max=120)])
    capital = StringField(_l("Capital"), validators=[Optional(), Length(max=120)])
    population = IntegerField(_l("Population"), validators=[Optional(), NumberRange(min=0, max=2_000_000_000)])


class HostsProjectsForm(FlaskForm):
    hosts_projects = BooleanField(_l("Projects may be listed in this country"))


class ChecklistItemForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    label_en = StringField(_l("Label in English"), validators=[DataRequired(), Length(max=300)])
    label_fr = StringField(_l("Label in French"), validators=[DataRequired(), Length(max=300)])
    label_ar = StringField(_l("Label in Arabic"), validators=[DataRequired(), Length(max=300)])
