"""Pledges and what hangs off them; every amount is integer minor units of the pledge's currency.

The project row carries the reserved total (`projects.pledged_minor`), moved only by conditional
UPDATEs in `capacity.py` and bounded by a CHECK constraint, so the sum of active pledges and the
reserved amount cannot drift apart.
"""

from __future__ import annotations

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
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.models_common import UTCDateTime, one_of, utcnow

if TYPE_CHECKING:
    from marketplace.accounts.models import User
    from marketplace.organisations.models import Organisation
    from marketplace.projects.models import Project

PLEDGE_STATUSES = {
    "offered": _l("Offered (revocable)"),
    "committed": _l("Committed"),
    "collecting": _l("Payment in progress"),
    "paid": _l("Paid"),
    "payment_failed": _l("Payment failed"),
    "revoked": _l("Revoked"),
    "released": _l("Released (campaign not funded)"),
    "refunded": _l("Refunded"),
    "lapsed": _l("Lapsed (not reconfirmed)"),
}
# Pledges whose amount is held in the project's reserved total.
ACTIVE_STATUSES = frozenset({"offered", "committed", "collecting", "paid"})
PAYMENT_METHODS = {"card": _l("Card"), "bank_transfer": _l("Bank transfer")}
CONSENT_KINDS = {
    "reflection_notice": _l("Reflection period notice shown"),
    "reflection_started": _l("Reflection period started"),
    "risk_warning": _l("Risk warning acknowledged"),
    "high_amount_consent": _l("High-amount warning and consent"),
    "understanding_check": _l("Understanding check answered"),
    "revocation": _l("Revocation"),
    "reconfirmation": _l("Reconfirmation"),
    "regcf_limit": _l("Reg CF investment limit checked"),
}
ASSESSMENT_KINDS = {
    "knowledge_test": _l("Entry knowledge test"),
    "loss_simulation": _l("Ability to bear loss simulation"),
    "regcf_financials": _l("Reg CF income and net worth"),
}
POOL_STATUSES = {"open": _l("Open"), "closed": _l("Closed")}



class Pledge(db.Model):
    """One investor's offer to one project, from the offer to payment, refund or release."""

    __tablename__ = "pledges"
    __table_args__ = (
        CheckConstraint(one_of("status", PLEDGE_STATUSES), name="status_known"),
        CheckConstraint(one_of("method", PAYMENT_METHODS), name="method_known"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        CheckConstraint("matched_minor >= 0", name="matched_not_negative"),
        CheckConstraint("received_minor >= 0", name="received_not_negative"),
        CheckConstraint("refunded_minor >= 0 AND refunded_minor <= received_minor", name="refund_within_received"),
        UniqueConstraint("investor_id", "request_key", name="one_pledge_per_request"),
        Index("ix_pledges_project_id_status", "project_id", "status"),
        Index("ix_pledges_investor_id_status", "investor_id", "status"),
        Index("ix_pledges_status_revocable_until", "status", "revocable_until"),
        Index("ix_pledges_status_reconfirm_by", "status", "reconfirm_by"),
        Index("ix_pledges_method_status", "method", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    # The random token of the form that created the pledge: a double click finds the first pledge.
    request_key: Mapped[str] = mapped_column(String(64))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    investor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The investor's country of residence when the pledge was made: the origin of the dashboards' corridor,
    # frozen so that a later move does not rewrite history.
    residence_country_id: Mapped[int | None] = mapped_column(ForeignKey("countries.id"))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    method: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="offered")
    project_version_number: Mapped[int] = mapped_column(Integer)
    protection_rule_id: Mapped[int | None] = mapped_column(ForeignKey("protection_rules.id"))
    match_pool_id: Mapped[int | None] = mapped_column(ForeignKey("match_pools.id"), index=True)
    matched_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revocable_until: Mapped[datetime] = mapped_column(UTCDateTime())
    committed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reconfirm_by: Mapped[datetime | None] = mapped_column(UTCDateTime())
    payment_due_by: Mapped[datetime | None] = mapped_column(UTCDateTime())
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    received_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    transfer_mismatch: Mapped[bool] = mapped_column(Boolean, default=False)
    # Card payments: ids only, never card data or client secrets.
    stripe_customer_id: Mapped[str | None] = mapped_column(String(255))
    stripe_setup_intent_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_payment_method_id: Mapped[str | None] = mapped_column(String(255))
    stripe_payment_intent_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    charge_idempotency_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    charge_attempted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    payment_outcome_unknown: Mapped[bool] = mapped_column(Boolean, default=False)
    payment_error: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    project: Mapped[Project] = relationship()
    investor: Mapped[User] = relationship()
    match_pool: Mapped[MatchPool | None] = relationship()
    protection_rule: Mapped[ProtectionRule | None] = relationship()
    transitions: Mapped[list[PledgeTransition]] = relationship(
        back_populates="pledge", order_by="PledgeTransition.id", cascade="all, delete-orphan")
    receipts: Mapped[list[TransferReceipt]] = relationship(
        back_populates="pledge", order_by="TransferReceipt.id", cascade="all, delete-orphan")

    @property
    def status_label(self) -> str:
        return str(PLEDGE_STATUSES.get(self.status, self.status))

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def __repr__(self) -> str:
        return f"<Pledge {self.reference} {self.status} {self.amount_minor} {self.currency}>"


class PledgeTransition(db.Model):
    """The pledge's history as the investor reads it: every state change with who and why."""

    __tablename__ = "pledge_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pledges.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    pledge: Mapped[Pledge] = relationship(back_populates="transitions")
    actor: Mapped[User | None] = relationship()


class TransferReceipt(db.Model):
    """Money the partner bank saw arrive for a bank-transfer pledge, as the bank recorded it."""

    __tablename__ = "transfer_receipts"
    __table_args__ = (CheckConstraint("amount_minor > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pledges.id"), index=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    received_on: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    pledge: Mapped[Pledge] = relationship(back_populates="receipts")
    recorded_by: Mapped[User] = relationship()


class ProtectionRule(db.Model):
    """An investor-protection regime as data: which residences and offer types it covers, and its numbers.

    `params` holds the figures (hours, percentages, thresholds in minor units of `params["currency"]`),
    so a new version of a rule is a new row, never a code change.
    """

    __tablename__ = "protection_rules"
    __table_args__ = (UniqueConstraint("code", "version", name="code_version_unique"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    residence_countries: Mapped[list[str]] = mapped_column(JSON, default=list)
    instruments: Mapped[list[str]] = mapped_column(JSON, default=list)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)


class InvestorAssessment(db.Model):
    """An answered knowledge test, loss simulation or financial statement; append-only, latest counts."""

    __tablename__ = "investor_assessments"
    __table_args__ = (
        CheckConstraint(one_of("kind", ASSESSMENT_KINDS), name="kind_known"),
        Index("ix_investor_assessments_user_id_kind", "user_id", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(30))
    text_version: Mapped[str] = mapped_column(String(40))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    currency: Mapped[str | None] = mapped_column(String(3))
    net_worth_minor: Mapped[int | None] = mapped_column(BigInteger)
    annual_income_minor: Mapped[int | None] = mapped_column(BigInteger)
    loss_capacity_minor: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PledgeConsent(db.Model):
    """A warning shown, a consent given, an answer or a revocation: append-only, with the text's version."""

    __tablename__ = "pledge_consents"
    __table_args__ = (CheckConstraint(one_of("kind", CONSENT_KINDS), name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    pledge_id: Mapped[int | None] = mapped_column(ForeignKey("pledges.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"))
    kind: Mapped[str] = mapped_column(String(30))
    text_version: Mapped[str] = mapped_column(String(40))
    text_sha256: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MatchPool(db.Model):
    """Money a partner or authority sets aside to match pledges on a project or across a programme."""

    __tablename__ = "match_pools"
    __table_args__ = (
        CheckConstraint(one_of("status", POOL_STATUSES), name="status_known"),
        CheckConstraint("ratio_percent > 0", name="ratio_positive"),
        CheckConstraint("total_minor > 0", name="total_positive"),
        CheckConstraint("used_minor >= 0 AND used_minor <= total_minor", name="used_within_total"),
        CheckConstraint("cap_per_pledge_minor > 0", name="cap_per_pledge_positive"),
        CheckConstraint("cap_per_investor_minor > 0", name="cap_per_investor_positive"),
        CheckConstraint("project_id IS NOT NULL OR programme_id IS NOT NULL", name="has_scope"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), index=True)
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programmes.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    ratio_percent: Mapped[int] = mapped_column(Integer)
    cap_per_pledge_minor: Mapped[int] = mapped_column(BigInteger)
    cap_per_investor_minor: Mapped[int] = mapped_column(BigInteger)
    total_minor: Mapped[int] = mapped_column(BigInteger)
    used_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organisation: Mapped[Organisation] = relationship()

    @property
    def remaining_minor(self) -> int:
        return self.total_minor - self.used_minor


class MatchAllocation(db.Model):
    """How much of a pool one investor has received; bounded per investor by a conditional UPDATE."""

    __tablename__ = "match_allocations"
    __table_args__ = (
        UniqueConstraint("pool_id", "investor_id", name="one_row_per_investor"),
        CheckConstraint("matched_minor >= 0", name="matched_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("match_pools.id"))
    investor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    matched_minor: Mapped[int] = mapped_column(BigInteger, default=0)
