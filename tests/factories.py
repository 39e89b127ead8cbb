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

        with_plan = overrides.pop("with_plan", True)
        data = listing_input(self.app, partner_bank_id=bank.id if bank else None, **overrides)
        with self.app.app_context():
            project = create_draft(actor=db.session.get(User, owner.id),
                                   organisation=db.session.get(Organisation, organisation.id), data=data)
            db.session.commit()
            project_id = project.id
        if with_plan and overrides.get("programme_id") is None:  # a programme's plan follows its rules: tests write it
            give_plan(self.app, project_id, owner.id)
        return project_id


def give_plan(app, project_id: int, owner_id: int) -> None:
    """The simplest valid financing plan for a listing without a programme: the crowd funds it all."""
    from marketplace.accounts.models import User
    from marketplace.ppp.plans import ComponentInput, set_plan
    from marketplace.projects.models import Project

    with app.app_context(), app.test_request_context():
        project = db.session.get(Project, project_id)
        set_plan(project, db.session.get(User, owner_id), project.target_minor,
                 [ComponentInput(kind="crowd_pledges", amount_minor=project.target_minor)])
        db.session.commit()


def country_id(app, iso2: str) -> int:
    from sqlalchemy import select

    from marketplace.reference.models import Country

    with app.app_context():
        return db.session.scalar(select(Country.id).where(Country.iso2 == iso2))


class PledgeFactories:
    """Published projects and investors ready to pledge, without walking the vetting each time."""

    def __init__(self, app, make: Factories):
        self.app = app
        self.make = make
        self.owner_org = make.organisation(name=f"Porteur {next(_counter)}", type="ngo")
        self.bank = make.organisation(name=f"Banque {next(_counter)}", type="bank")
        self.owner = make.user(organisation=self.owner_org, role="manager")
        self.banker = make.user(organisation=self.bank)

    def project(self, *, target="20000", min_ticket="100", pledged_minor: int = 0, status="published",
                funding_rule="all_or_nothing", instrument="equity", currency="EUR", ends_in_days: int = 30,
                oversubscription_cap_minor: int | None = None, **overrides) -> int:
        from datetime import date, timedelta

        from marketplace.models_common import utcnow
        from marketplace.projects.models import Project

        project_id = ProjectFactories(self.app).draft(
            owner=self.owner, organisation=self.owner_org, bank=self.bank, target=target, min_ticket=min_ticket,
            funding_rule=funding_rule, instrument=instrument, currency=currency, **overrides)
        with self.app.app_context():
            project = db.session.get(Project, project_id)
            project.campaign_starts_on = date.today() - timedelta(days=10)
            project.campaign_ends_on = date.today() + timedelta(days=ends_in_days)
            project.status = status
            project.code = f"T{project_id:04d}"
            project.published_at = utcnow() - timedelta(days=10)
            project.pledged_minor = pledged_minor
            project.oversubscription_cap_minor = oversubscription_cap_minor
            db.session.commit()
        return project_id

    def investor(self, residence: str = "MA", **kwargs) -> UserRecord:
        return self.make.investor(residence_country_id=country_id(self.app, residence), **kwargs)

    def eu_investor(self, *, net_worth_minor: int = 10_000_000, passed: bool = True) -> UserRecord:
        """A Belgian resident with a current knowledge test and a loss simulation (net worth in euro cents)."""
        from marketplace.accounts.models import User
        from marketplace.pledges import protection

        record = self.investor("BE")
        with self.app.app_context(), self.app.test_request_context():
            user = db.session.get(User, record.id)
            right = {str(i): q[2] for i, q in enumerate(protection.KNOWLEDGE_QUESTIONS)}
            answers = right if passed else {str(i): 0 for i in range(len(protection.KNOWLEDGE_QUESTIONS))}
            protection.record_knowledge_test(user, answers)
            protection.record_loss_simulation(user, income_minor=net_worth_minor, liquid_assets_minor=0,
                                              commitments_minor=0)
            db.session.commit()
        return record
