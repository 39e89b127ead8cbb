"""The user account; platform roles are derived from memberships, never stored as flags."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.models_common import UTCDateTime, utcnow

if TYPE_CHECKING:
    from marketplace.organisations.models import Membership
    from marketplace.reference.models import Country, Region

ROLE_INVESTOR = "investor"
ROLE_PARTNER = "partner_member"
ROLE_AUTHORITY = "authority_reviewer"
ROLE_ADMIN = "admin"


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, db.Model):
    """A person with a log-in. `session_token` rotates on password change to end every other session."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(120))
    locale: Mapped[str] = mapped_column(String(5), default="en")
    is_investor: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    residence_country_id: Mapped[int | None] = mapped_column(ForeignKey("countries.id"), index=True)
    residence_city: Mapped[str | None] = mapped_column(String(120))
    # IANA zone in which deadlines (the end of a revocation period) are shown to this person.
    time_zone: Mapped[str | None] = mapped_column(String(64))
    origin_region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    is_active_account: Mapped[bool] = mapped_column(Boolean, default=True)
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    residence_country: Mapped[Country | None] = relationship()
    origin_region: Mapped[Region | None] = relationship()
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    # Flask-Login keeps this value in the session and the remember-me cookie: a rotated token logs
    # out every copy of an old cookie.
    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return self.is_active_account

    @property
    def roles(self) -> set[str]:
        roles = {ROLE_INVESTOR} if self.is_investor else set()
        for membership in self.memberships:
            organisation = membership.organisation
            if not organisation.is_active:
                continue
            if organisation.is_operator:
                roles.add(ROLE_ADMIN)
            elif organisation.is_authority:
                roles.add(ROLE_AUTHORITY)
            elif organisation.is_partner:
                roles.add(ROLE_PARTNER)
        return roles

    @property
    def is_admin(self) -> bool:
        return ROLE_ADMIN in self.roles

    def has_role(self, role: str) -> bool:
        return role in self.roles

    def __repr__(self) -> str:
        return f"<User {self.email}>"
