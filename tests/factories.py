"""Factories with keyword overrides; each returns a plain record so tests need no open session."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from marketplace.accounts.services import create_account
from marketplace.extensions import db
from marketplace.organisations.services import add_membership, create_organisation

PASSWORD = "correct horse battery staple 42"
_counter = itertools.count(1)


@dataclass(frozen=True)
class UserRecord:
    id: int
    email: str
    password: str


@dataclass(frozen=True)
class OrganisationRecord:
    id: int
    name: str


class Factories:
    def __init__(self, app):
        self.app = app

    def user(self, *, email: str | None = None, password: str = PASSWORD, display_name: str | None = None,
             investor: bool = False, organisation: OrganisationRecord | None = None, role: str = "member",
             **kwargs) -> UserRecord:
        n = next(_counter)
        with self.app.app_context():
            user = create_account(
                email=email or f"user{n}@example.org", password=password,
                display_name=display_name or f"Test User {n}", is_investor=investor, **kwargs,
            )
            if organisation is not None:
                from marketplace.organisations.models import Organisation

                add_membership(actor=None, organisation=db.session.get(Organisation, organisation.id), user=user,
                               role=role)
            db.session.commit()
            return UserRecord(user.id, user.email, password)

    def investor(self, **kwargs) -> UserRecord:
        return self.user(investor=True, **kwargs)

    def organisation(self, *, name: str | None = None, type: str = "bank", **kwargs) -> OrganisationRecord:
        n = next(_counter)
        with self.app.app_context():
            organisation = create_organisation(actor=None, name=name or f"Test Organisation {n}", type=type, **kwargs)
            db.session.commit()
            return OrganisationRecord(organisation.id, organisation.name)

    def admin(self) -> UserRecord:
        operator = self.organisation(type="platform_operator")
        return self.user(organisation=operator, role="manager")
