"""Partners of a project or programme: an organisation, its IATI role and type, its functions and its agreement.

The IATI codes are those of the OrganisationRole (2.03) and OrganisationType codelists, so a role can be
published as an IATI `participating-org` as it is. Functions say what the partner does in this partnership
(a bank is usually `lender` and `payment_partner`); they are a JSON list checked by the service.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.models_common import UTCDateTime, one_of, utcnow

if TYPE_CHECKING:
    from marketplace.organisations.models import Organisation
    from marketplace.programmes.models import Programme
    from marketplace.projects.models import Project, ProjectDocument

IATI_ROLES = {1: _l("Funding"), 2: _l("Accountable"), 3: _l("Extending"), 4: _l("Implementing")}
IATI_ORG_TYPES = {
    "10": _l("Government"),
    "15": _l("Other public sector"),
    "21": _l("International NGO"),
    "22": _l("National NGO"),
    "23": _l("Regional NGO"),
    "24": _l("Partner country based NGO"),
    "30": _l("Public private partnership"),
    "40": _l("Multilateral"),
    "60": _l("Foundation"),
    "70": _l("Private sector"),
    "71": _l("Private sector in provider country"),
    "72": _l("Private sector in aid recipient country"),
    "73": _l("Private sector in third country"),
    "80": _l("Academic, training and research"),
    "90": _l("Other"),
}
PARTNER_FUNCTIONS = {
    "programme_owner": _l("Programme owner"),
    "grantor": _l("Grantor"),
    "lender": _l("Lender"),
    "guarantor": _l("Guarantor"),
    "co_investor": _l("Co-investor"),
    "fund_manager": _l("Fund manager"),
    "implementer": _l("Implementer"),
    "trainer": _l("Trainer"),
    "monitor": _l("Monitor"),
    "host_institution": _l("Host institution"),
    "payment_partner": _l("Payment partner"),
}
ROLE_STATUSES = {
    "proposed": _l("Proposed"),
    "agreed": _l("Agreed"),
    "active": _l("Active"),
    "ended": _l("Ended"),
    "declined": _l("Declined"),
    "terminated": _l("Terminated"),
}
AGREEMENT_KINDS = {"mou": _l("Memorandum of understanding"), "convention": _l("Convention")}



class PartnerRole(db.Model):
    """One organisation's part in one project's (or one programme's) partnership, and its agreement."""

    __tablename__ = "partner_roles"
    __table_args__ = (
        CheckConstraint("(project_id IS NULL) <> (programme_id IS NULL)", name="one_scope"),
        CheckConstraint(f"iati_role IN ({', '.join(str(code) for code in sorted(IATI_ROLES))})",
                        name="iati_role_known"),
        CheckConstraint(one_of("iati_org_type", IATI_ORG_TYPES), name="iati_org_type_known"),
        CheckConstraint(one_of("status", ROLE_STATUSES), name="status_known"),
        CheckConstraint(f"agreement_kind IS NULL OR {one_of('agreement_kind', AGREEMENT_KINDS)}",
                        name="agreement_kind_known"),
        CheckConstraint("starts_on IS NULL OR ends_on IS NULL OR ends_on >= starts_on", name="dates_ordered"),
        UniqueConstraint("project_id", "organisation_id"),
        UniqueConstraint("programme_id", "organisation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), index=True)
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programmes.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    iati_role: Mapped[int] = mapped_column(Integer)
    iati_org_type: Mapped[str] = mapped_column(String(3))
    functions: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="proposed")
    agreement_kind: Mapped[str | None] = mapped_column(String(20))
    agreement_reference: Mapped[str | None] = mapped_column(String(120))
    agreement_signed_on: Mapped[date | None] = mapped_column(Date)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    agreement_document_id: Mapped[int | None] = mapped_column(ForeignKey("project_documents.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    project: Mapped[Project | None] = relationship()
    programme: Mapped[Programme | None] = relationship()
    organisation: Mapped[Organisation] = relationship()
    agreement_document: Mapped[ProjectDocument | None] = relationship()

    @property
    def iati_role_label(self) -> str:
        return str(IATI_ROLES.get(self.iati_role, self.iati_role))

    @property
    def iati_org_type_label(self) -> str:
        return str(IATI_ORG_TYPES.get(self.iati_org_type, self.iati_org_type))

    @property
    def function_labels(self) -> list[str]:
        return [str(PARTNER_FUNCTIONS.get(name, name)) for name in self.functions or []]

    @property
    def status_label(self) -> str:
        return str(ROLE_STATUSES.get(self.status, self.status))

    @property
    def agreement_kind_label(self) -> str:
        return str(AGREEMENT_KINDS.get(self.agreement_kind, "")) if self.agreement_kind else ""
