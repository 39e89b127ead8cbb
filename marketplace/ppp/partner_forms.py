"""The form that proposes a partner for a project, and the bare form behind each status button."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from marketplace.ppp.partner_models import AGREEMENT_KINDS, IATI_ORG_TYPES, IATI_ROLES, PARTNER_FUNCTIONS


class CheckboxesField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PartnerRoleForm(FlaskForm):
    organisation_id = SelectField(_l("Organisation"), validators=[InputRequired()])
    iati_role = SelectField(_l("IATI organisation role"), validators=[InputRequired()],
                            description=_l("As in IATI's participating-org: who funds, who is accountable, who "
                                           "manages the budget (extending) and who carries out the work."))
    iati_org_type = SelectField(_l("IATI organisation type"), validators=[InputRequired()])
    functions = CheckboxesField(_l("Functions in this partnership"))
    agreement_kind = SelectField(_l("Agreement"), validators=[Optional()])
    agreement_reference = StringField(_l("Agreement reference"), validators=[Optional(), Length(max=120)])
    agreement_signed_on = DateField(_l("Agreement signed on"), validators=[Optional()])
    starts_on = DateField(_l("Role starts on"), validators=[Optional()])
    ends_on = DateField(_l("Role ends on"), validators=[Optional()])


class RoleStatusForm(FlaskForm):
    """Only the CSRF token: the action is in the URL of the button."""


def prepare_partner_form(organisations) -> PartnerRoleForm:
    """A partner form with its choices set (after construction: WTForms 3.3 warns about choices given up front)."""
    form = PartnerRoleForm()
    form.organisation_id.choices = [("", "—"), *((str(o.id), f"{o.name} · {o.type_label}") for o in organisations)]
    form.iati_role.choices = [("", "—"), *((str(code), f"{code} {label}") for code, label in IATI_ROLES.items())]
    form.iati_org_type.choices = [("", "—"),
                                  *((code, f"{code} {label}") for code, label in IATI_ORG_TYPES.items())]
    form.functions.choices = [(name, str(label)) for name, label in PARTNER_FUNCTIONS.items()]
    form.agreement_kind.choices = [("", _l("No agreement yet")),
                                   *((kind, str(label)) for kind, label in AGREEMENT_KINDS.items())]
    return form
