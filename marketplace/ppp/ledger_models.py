"""The contribution ledger of a partnership: milestones, the tranches they release, and every disbursement.

A disbursement is money a partner has actually paid into the project against one component of the financing
plan; what a partner has committed is the sum of its components, so `remaining = committed - disbursed` is
never stored. A tranche is the part of a grant or loan that a milestone releases: it is paid by one
disbursement, written only once the milestone is met. All money is integer minor units of the plan's currency.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
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
    from marketplace.ppp.models import FinancingComponent
    from marketplace.projects.models import ProjectDocument

MILESTONE_STATUSES = {
    "pending": _l("Pending"),
    "submitted": _l("Evidence submitted"),
    "returned": _l("Returned"),
    "met": _l("Met"),
}
TRANCHE_STATUSES = {"planned": _l("Planned"), "released": _l("Released")}


class Milestone(db.Model):
    """A step of the project that releases money: due date, the evidence it needs, and who judged it met.

    The owner organisation submits evidence (a document); a monitor of the partnership or the reviewing
    authority approves it, or returns it with a note. `indicator_codes` name impact indicators whose
    results must also be verified for the milestone's period before any of its tranches is released.
    """

    __tablename__ = "milestones"
    __table_args__ = (
        CheckConstraint(one_of("status", MILESTONE_STATUSES), name="status_known"),
        CheckConstraint("status <> 'met' OR (met_at IS NOT NULL AND judged_by_id IS NOT NULL)",
                        name="met_is_judged"),
        UniqueConstraint("project_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date] = mapped_column(Date)
    evidence_required: Mapped[str] = mapped_column(String(500))
    indicator_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    evidence_document_id: Mapped[int | None] = mapped_column(ForeignKey("project_documents.id"))
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    judged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    met_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    evidence_document: Mapped[ProjectDocument | None] = relationship()
    judged_by: Mapped[User | None] = relationship(foreign_keys=[judged_by_id])

    @property
    def status_label(self) -> str:
        return str(MILESTONE_STATUSES.get(self.status, self.status))


class Tranche(db.Model):
    """The part of one grant or loan component that one milestone releases."""

    __tablename__ = "tranches"
    __table_args__ = (
        CheckConstraint(one_of("status", TRANCHE_STATUSES), name="status_known"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        UniqueConstraint("component_id", "milestone_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    component_id: Mapped[int] = mapped_column(ForeignKey("financing_components.id"), index=True)
    milestone_id: Mapped[int] = mapped_column(ForeignKey("milestones.id"), index=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20), default="planned")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    component: Mapped[FinancingComponent] = relationship()
    milestone: Mapped[Milestone] = relationship()

    @property
    def status_label(self) -> str:
        return str(TRANCHE_STATUSES.get(self.status, self.status))


class Disbursement(db.Model):
    """Money one partner paid into the project against one component: date, bank reference and evidence.

    The reference is unique per component, so the same transfer cannot be entered twice; a tranche is paid
    by at most one disbursement.
    """

    __tablename__ = "disbursements"
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        UniqueConstraint("component_id", "reference"),
        UniqueConstraint("tranche_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    component_id: Mapped[int] = mapped_column(ForeignKey("financing_components.id"), index=True)
    tranche_id: Mapped[int | None] = mapped_column(ForeignKey("tranches.id"))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    disbursed_on: Mapped[date] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(120))
    evidence_document_id: Mapped[int | None] = mapped_column(ForeignKey("project_documents.id"))
    note: Mapped[str | None] = mapped_column(String(500))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    component: Mapped[FinancingComponent] = relationship()
    tranche: Mapped[Tranche | None] = relationship()
    evidence_document: Mapped[ProjectDocument | None] = relationship()
