"""The financing-plan editor: a header (total cost, diaspora share of capital) and up to ten component rows.

Amounts and percentages are read from their text with strict patterns (no floats, exponents, signs other
than a leading minus, or thousands separators) and turned into integer minor units and basis points.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, Form, FormField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from marketplace.core.forms import SPACES, amount_in_minor
from marketplace.money import to_major
from marketplace.ppp.models import COMPONENT_KINDS, COMPONENT_STATUSES, FULL_SHARE_BP
from marketplace.ppp.plans import ComponentInput

MAX_ROWS = 10
PERCENT_PATTERN = re.compile(r"[0-9]{1,3}(\.[0-9]{1,2})?")


class ComponentRowForm(Form):
    """One source of financing; a row with neither kind nor amount is left out of the plan."""

    kind = SelectField(_l("Kind"), validators=[Optional()])
    provider_organisation_id = SelectField(_l("Provided by"), validators=[Optional()])
    amount = StringField(_l("Amount"), validators=[Optional(), Length(max=24)])
    status = SelectField(_l("Status"), validators=[Optional()])
    raised_by_campaign = BooleanField(_l("Raised through the campaign"))
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])

    @property
    def is_blank(self) -> bool:
        return not self.kind.data and not (self.amount.data or "").strip()


class PlanForm(FlaskForm):
    total_cost = StringField(_l("Total cost"), validators=[DataRequired(), Length(max=24)])
    diaspora_capital_share = StringField(
        _l("Diaspora investors' share of the project company's capital, in percent"),
        validators=[Optional(), Length(max=8)],
        description=_l("Up to two decimals, for example 45 or 45.5. The programme's grant is paid pro rata to it."))
    components = FieldList(FormField(ComponentRowForm), min_entries=MAX_ROWS, max_entries=MAX_ROWS)


@dataclass(frozen=True)
class EnteredPlan:
    """What the form holds once parsed; `rows[i]` is the form row of `components[i]`."""

    total_cost_minor: int
    diaspora_capital_share_bp: int
    components: list[ComponentInput]
    rows: list[int]


def prepare_plan_form(organisations, *, currency: str) -> PlanForm:
    """A plan form with its choices set (after construction: WTForms 3.3 warns about tuples given up front)."""
    form = PlanForm()
    form.total_cost.label.text = _("Total cost (%(currency)s)", currency=currency)
    kinds = [("", "—"), *((kind, str(label)) for kind, label in COMPONENT_KINDS.items())]
    providers = [("", _("No organisation")), *((str(o.id), f"{o.name} · {o.type_label}") for o in organisations)]
    statuses = [(status, str(label)) for status, label in COMPONENT_STATUSES.items()]
    for row in form.components:
        row.kind.choices, row.provider_organisation_id.choices, row.status.choices = kinds, providers, statuses
        row.kind.data = row.kind.data or ""  # rows a client left out of the POST read as empty, not invalid
        row.provider_organisation_id.data = row.provider_organisation_id.data or ""
        row.status.data = row.status.data or "planned"
    return form


def fill_plan_form(form: PlanForm, plan, components, *, currency: str) -> None:
    """Pre-fill the form from the saved plan; computed components are shown apart, never as typed rows."""
    share_bp = plan.diaspora_capital_share_bp if plan is not None else FULL_SHARE_BP
    form.diaspora_capital_share.data = _plain(Decimal(share_bp) / 100)
    if plan is not None:
        form.total_cost.data = _plain(to_major(plan.total_cost_minor, currency))
    typed = [c for c in components if not c.computed]
    for row, component in zip(form.components, typed, strict=False):
        row.kind.data = component.kind
        row.provider_organisation_id.data = str(component.provider_organisation_id or "")
        row.amount.data = _plain(to_major(component.amount_minor, component.currency))
        row.status.data = component.status
        row.raised_by_campaign.data = component.raised_by_campaign
        row.note.data = component.note or ""


def read_plan_form(form: PlanForm, *, currency: str, asks_share: bool, share_bp: int) -> EnteredPlan | None:
    """The parsed plan, or None with a message on every field that could not be read."""
    total = amount_in_minor(form.total_cost, currency)
    if asks_share:
        share_bp = _basis_points(form.diaspora_capital_share)
    readable = total is not None and share_bp is not None
    components, rows = [], []
    for index, row in enumerate(form.components):
        if row.is_blank:
            continue
        amount = amount_in_minor(row.amount, currency)
        if not row.kind.data:
            row.kind.errors = [*row.kind.errors, _("Choose the kind of financing.")]
        if not row.kind.data or amount is None:
            readable = False
            continue
        provider = row.provider_organisation_id.data
        components.append(ComponentInput(row.kind.data, amount, int(provider) if provider else None,
                                         status=row.status.data or "planned",
                                         note=(row.note.data or "").strip() or None,
                                         raised_by_campaign=bool(row.raised_by_campaign.data)))
        rows.append(index)
    return EnteredPlan(total, share_bp, components, rows) if readable else None


def _plain(value: Decimal) -> str:
    """A number as the form shows it back: no exponent, no trailing zeros after the point."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _basis_points(field) -> int | None:
    raw = (field.data or "").strip().translate(SPACES).rstrip("%")
    if not PERCENT_PATTERN.fullmatch(raw) or Decimal(raw) > 100:
        field.errors = [*field.errors, _("Enter a percentage from 0 to 100, with at most two decimals.")]
        return None
    return int(Decimal(raw) * 100)
