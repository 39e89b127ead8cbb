"""Rule sets of programmes, and each project's financing plan with its components.

Money is integer minor units of the plan's currency. Guarantee cover and in-kind contributions are
recorded as components but are not cash: they never count towards the sum that must equal the total
cost (a guarantee covers part of the bank loan, it does not add money to the project).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.models_common import UTCDateTime, one_of, utcnow

if TYPE_CHECKING:
    from marketplace.organisations.models import Organisation
    from marketplace.programmes.models import Programme
    from marketplace.projects.models import Project

COMPONENT_KINDS = {
    "own_funds_fx": _l("Own funds in foreign currency"),
    "own_funds_local": _l("Own funds in local currency"),
    "crowd_pledges": _l("Diaspora crowd pledges"),
    "grant": _l("Grant"),
    "bank_loan": _l("Bank loan"),
    "guarantee": _l("Guarantee cover"),
    "equity": _l("Equity from co-investors"),
    "honour_loan": _l("Honour loan"),
    "community": _l("Community contribution"),
    "in_kind": _l("In-kind contribution"),
}
# Recorded for the partnership picture, but not money paid into the project.
NON_CASH_KINDS = frozenset({"guarantee", "in_kind"})
CASH_KINDS = frozenset(COMPONENT_KINDS) - NON_CASH_KINDS
COMPONENT_STATUSES = {
    "planned": _l("Planned"),
    "applied": _l("Applied for"),
    "approved": _l("Approved"),
    "committed": _l("Committed"),
    "disbursed": _l("Disbursed"),
    "cancelled": _l("Cancelled"),
}
FULL_SHARE_BP = 10_000  # basis points: 10,000 = 100 %



class RuleSet(db.Model):
    """One version of a programme's rules, valid from `valid_from` (inclusive) to `valid_to` (exclusive).

    The rules themselves are data (`params`, read by `marketplace.ppp.params`), so an admin can publish
    a new version without a release; a project keeps the version it was approved under.
    """

    __tablename__ = "rule_sets"
    __table_args__ = (
        UniqueConstraint("programme_id", "version", name="one_version_per_programme"),
        CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name="validity_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    version: Mapped[str] = mapped_column(String(20))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    programme: Mapped[Programme] = relationship()

    @property
    def label(self) -> str:
        """How messages name these rules: "MDM Invest-style co-financing (rules v2015)". The version is added
        unless the name already has it, with or without its "v" ("(règles 2015)" for v2015)."""
        name = self.programme.name
        bare = re.escape(self.version.removeprefix("v").removeprefix("V"))
        if self.version in name or (bare and re.search(rf"(?<![\w:.]){bare}(?![\w:.])", name)):
            return name
        return f"{name} {self.version}"


class FinancingPlan(db.Model):
    """The plan header of one project: total cost, currency and, once approved, the rule set it is bound to.

    Kept apart from `projects` so the PPP feature owns its columns. `diaspora_capital_share_bp` is the
    share of the project company's capital held by diaspora investors; MDM Invest-style grants are paid
    pro rata to it.
    """

    __tablename__ = "financing_plans"
    __table_args__ = (
        CheckConstraint("total_cost_minor > 0", name="total_cost_positive"),
        CheckConstraint(f"diaspora_capital_share_bp BETWEEN 0 AND {FULL_SHARE_BP}", name="capital_share_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), unique=True)
    total_cost_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    diaspora_capital_share_bp: Mapped[int] = mapped_column(Integer, default=FULL_SHARE_BP)
    rule_set_id: Mapped[int | None] = mapped_column(ForeignKey("rule_sets.id"), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    project: Mapped[Project] = relationship()
    rule_set: Mapped[RuleSet | None] = relationship()


class FinancingComponent(db.Model):
    """One source of financing in a project's plan: who provides how much, of which kind, how far along."""

    __tablename__ = "financing_components"
    __table_args__ = (
        CheckConstraint(one_of("kind", COMPONENT_KINDS), name="kind_known"),
        CheckConstraint(one_of("status", COMPONENT_STATUSES), name="status_known"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        CheckConstraint("NOT computed OR kind = 'grant'", name="only_grants_computed"),
        CheckConstraint("kind <> 'crowd_pledges' OR raised_by_campaign", name="crowd_pledges_raised_by_campaign"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    provider_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20), default="planned")
    computed: Mapped[bool] = mapped_column(Boolean, default=False)
    # Raised from diaspora investors through the project's campaign: its money is the pledges, not entries.
    raised_by_campaign: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    provider_organisation: Mapped[Organisation | None] = relationship()

    @property
    def is_cash(self) -> bool:
        return self.kind in CASH_KINDS

    @property
    def provider_type(self) -> str | None:
        """The provider organisation's type, which tells the parties of a fixed split apart."""
        return self.provider_organisation.type if self.provider_organisation else None

    @property
    def kind_label(self) -> str:
        return str(COMPONENT_KINDS.get(self.kind, self.kind))

    @property
    def status_label(self) -> str:
        return str(COMPONENT_STATUSES.get(self.status, self.status))
