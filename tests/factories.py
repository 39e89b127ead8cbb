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


def oujda_place(app) -> tuple[int, int, int]:
    """Ids of Morocco, the Oriental region and the health sector, where the test listings are."""
    from sqlalchemy import select

    from marketplace.reference.models import Country, Region, Sector

    with app.app_context():
        return (db.session.scalar(select(Country.id).where(Country.iso2 == "MA")),
                db.session.scalar(select(Region.id).where(Region.iso_code == "MA-02")),
                db.session.scalar(select(Sector.id).where(Sector.code == "HEA")))


def listing_input(app, **overrides):
    """A valid ListingInput for Morocco's Oriental region, opening tomorrow for 60 days."""
    from datetime import date, timedelta

    from marketplace.projects.services import ListingInput

    morocco, oriental, health = oujda_place(app)
    values = {
        "title": "Centre de radiologie Oujda", "summary": "Un centre d'imagerie médicale pour l'Oriental.",
        "description": "## Le projet\n\nUn **scanner** et deux salles de radiologie.", "country_id": morocco,
        "region_id": oriental, "sector_id": health, "instrument": "equity", "funding_rule": "all_or_nothing",
        "currency": "MAD", "target": "1250000", "min_ticket": "5000.50",
        "campaign_starts_on": date.today() + timedelta(days=1), "campaign_ends_on": date.today() + timedelta(days=61),
        "risks": "Retards de chantier; concurrence d'une clinique privée.", "expected_jobs": 18, "sdg_goals": [3, 8],
    }
    values.update(overrides)
    return ListingInput(**values)


class ProjectFactories:
    def __init__(self, app):
        self.app = app

    def draft(self, *, owner: UserRecord, organisation: OrganisationRecord, bank: OrganisationRecord | None = None,
              **overrides) -> int:
        from marketplace.accounts.models import User
        from marketplace.organisations.models import Organisation
        from marketplace.projects.services import create_draft

        data = listing_input(self.app, partner_bank_id=bank.id if bank else None, **overrides)
        with self.app.app_context():
            project = create_draft(actor=db.session.get(User, owner.id),
                                   organisation=db.session.get(Organisation, organisation.id), data=data)
            db.session.commit()
            return project.id
