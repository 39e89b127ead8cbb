"""Organisations and the memberships that tie users to them with a role."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.models_common import UTCDateTime, one_of, utcnow

if TYPE_CHECKING:
    from marketplace.accounts.models import User
    from marketplace.reference.models import Country, Region

# Organisation types grouped by the platform role their members get.
PARTNER_TYPES = {
    "bank": _l("Bank"),
    "microfinance": _l("Microfinance institution"),
    "ngo": _l("NGO"),
    "diaspora_association": _l("Diaspora association"),
    "implementing_agency": _l("Implementing agency"),
    "company": _l("Company"),
    "donor": _l("Donor"),
    "incubator": _l("Incubator"),
}
AUTHORITY_TYPES = {
    "ministry": _l("Ministry"),
    "regional_council": _l("Regional council"),
    "commune": _l("Commune"),
    "investment_centre": _l("Regional investment centre"),
    "programme_fund": _l("Programme fund"),
}
OPERATOR_TYPES = {"platform_operator": _l("Platform operator")}
ORGANISATION_TYPES = {**PARTNER_TYPES, **AUTHORITY_TYPES, **OPERATOR_TYPES}

MEMBERSHIP_ROLES = {"member": _l("Member"), "manager": _l("Manager")}



class Organisation(db.Model):
    """A bank, NGO, authority or the platform operator; projects and partnerships belong to one."""

    __tablename__ = "organisations"
    __table_args__ = (CheckConstraint(one_of("type", ORGANISATION_TYPES), name="type_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(40), index=True)
    country_id: Mapped[int | None] = mapped_column(ForeignKey("countries.id"), index=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    website: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(String(2000))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    country: Mapped[Country | None] = relationship()
    region: Mapped[Region | None] = relationship()
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )

    @property
    def organisation_scope_ids(self) -> set[int]:
        """An organisation is its own scope for the permission check."""
        return {self.id}

    @property
    def type_label(self) -> str:
        return str(ORGANISATION_TYPES.get(self.type, self.type))

    @property
    def is_authority(self) -> bool:
        return self.type in AUTHORITY_TYPES

    @property
    def is_partner(self) -> bool:
        return self.type in PARTNER_TYPES

    @property
    def is_operator(self) -> bool:
        return self.type in OPERATOR_TYPES

    def __repr__(self) -> str:
        return f"<Organisation {self.slug}>"


class Membership(db.Model):
    """A user's place in an organisation: member, or manager (who may manage the other members)."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("user_id", "organisation_id", name="uq_memberships_user_organisation"),
        CheckConstraint(one_of("role", MEMBERSHIP_ROLES), name="role_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20), default="member")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship(back_populates="memberships", lazy="joined")

    @property
    def role_label(self) -> str:
        return str(MEMBERSHIP_ROLES.get(self.role, self.role))
