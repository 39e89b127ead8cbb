"""Forms for organisations and their memberships."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional

from marketplace.organisations.models import MEMBERSHIP_ROLES, OPERATOR_TYPES, ORGANISATION_TYPES


def role_choices():
    return [(key, label) for key, label in MEMBERSHIP_ROLES.items()]


class OrganisationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    type = SelectField(_l("Type"), choices=[SelectChoice(k, v) for k, v in ORGANISATION_TYPES.items()
                                            if k not in OPERATOR_TYPES])
    country_id = SelectField(_l("Country"), coerce=int, validators=[Optional()])
    region_id = SelectField(_l("Region"), coerce=int, validators=[Optional()])
    website = StringField(_l("Website"), validators=[Optional(), Length(max=255)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    is_active = BooleanField(_l("Active"), default=True)


class MembershipAddForm(FlaskForm):
    email = EmailField(_l("E-mail address of an existing account"),
                       validators=[DataRequired(), Length(max=255), Email(message=_l("Enter a valid e-mail address."))])
    role = SelectField(_l("Role"), choices=role_choices)


class MembershipRoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=role_choices)
