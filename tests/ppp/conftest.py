"""PPP fixtures: the five demo programmes with their rule sets, partner organisations and plan helpers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from tests.factories import PledgeFactories


@dataclass(frozen=True)
class Part:
    """One component as a test writes it: kind, whole MAD, and the provider organisation's type if any."""

    kind: str
    mad: int
    provider: str | None = None
    computed: bool = False
    currency: str = "MAD"
    status: str = "planned"
    raised: bool = False  # raised through the campaign


def rules_of(code: str, on: date | None = None):
    from marketplace.ppp.plans import rule_set_in_force
    from marketplace.programmes.models import Programme

    programme = db.session.scalar(select(Programme).where(Programme.code == code))
    return rule_set_in_force(programme, on or date.today())


def problems_of(app, scheme: str | None, parts: list[Part], *, total: int, sector: str = "HEA",
                share_bp: int = 10_000) -> list:
    """validate_plan on transient rows, in English: nothing is written."""
    from marketplace.organisations.models import Organisation
    from marketplace.ppp.models import FinancingComponent, FinancingPlan
    from marketplace.ppp.plans import validate_plan

    with app.test_request_context(headers={"Accept-Language": "en"}):
        plan = FinancingPlan(total_cost_minor=total * 100, currency="MAD", diaspora_capital_share_bp=share_bp)
        components = [FinancingComponent(kind=p.kind, amount_minor=p.mad * 100, currency=p.currency,
                                         status=p.status, computed=p.computed,
                                         provider_organisation=Organisation(type=p.provider) if p.provider else None)
                      for p in parts]
        return validate_plan(plan, components, rules_of(scheme) if scheme else None, sector)


def codes(problems) -> list[str]:
    return [problem.code for problem in problems]


class PlanFactories(PledgeFactories):
    """Projects under a programme, partner organisations by type, and `set_plan` in its own transaction."""

    def __init__(self, app, make):
        super().__init__(app, make)
        from marketplace.demo.projects import seed_programmes
        from marketplace.ppp.rule_sets import load_rule_sets

        with app.app_context():
            seed_programmes()
            load_rule_sets()
            db.session.commit()
        self.orgs = {kind: make.organisation(type=kind) for kind in
                     ("ministry", "regional_council", "commune", "diaspora_association", "programme_fund")}
        self.orgs["bank"] = self.bank

    def project(self, *, scheme: str | None = None, sector: str = "HEA", currency: str = "MAD", **overrides) -> int:
        from marketplace.programmes.models import Programme
        from marketplace.reference.models import Sector

        with self.app.app_context():
            sector_id = db.session.scalar(select(Sector.id).where(Sector.code == sector))
            programme_id = db.session.scalar(select(Programme.id).where(Programme.code == scheme)) if scheme else None
        return super().project(sector_id=sector_id, programme_id=programme_id, currency=currency, with_plan=False,
                               **overrides)

    def save(self, project_id: int, total_mad: int, parts: list[Part], *, actor_id: int | None = None,
             share_bp: int = 10_000, commit: bool = True):
        """set_plan as a view would call it; returns the plan's audit snapshot."""
        from marketplace.accounts.models import User
        from marketplace.ppp.plans import ComponentInput, plan_of, plan_snapshot, set_plan
        from marketplace.projects.models import Project

        with self.app.app_context(), self.app.test_request_context(headers={"Accept-Language": "en"}):
            try:
                project = db.session.get(Project, project_id)
                actor = db.session.get(User, actor_id or self.owner.id)
                inputs = [ComponentInput(p.kind, p.mad * 100, self.orgs[p.provider].id if p.provider else None,
                                         currency=p.currency, status=p.status, raised_by_campaign=p.raised)
                          for p in parts]
                set_plan(project, actor, total_mad * 100, inputs, diaspora_capital_share_bp=share_bp)
                snapshot = plan_snapshot(plan_of(project), _components(project))
                if commit:
                    db.session.commit()
                return snapshot
            finally:
                db.session.remove()

    def stored(self, project_id: int) -> dict | None:
        """What the database holds for the project's plan, read in a fresh session."""
        from marketplace.ppp.plans import plan_of, plan_snapshot
        from marketplace.projects.models import Project

        with self.app.app_context():
            project = db.session.get(Project, project_id)
            plan = plan_of(project)
            return plan_snapshot(plan, _components(project)) if plan else None


def _components(project):
    from marketplace.ppp.plans import plan_components

    return plan_components(project)


@pytest.fixture
def plans(app, make) -> PlanFactories:
    return PlanFactories(app, make)


@pytest.fixture
def programmes(app):
    """Only the five demo programmes and their rule sets, for checks that write nothing."""
    from marketplace.demo.projects import seed_programmes
    from marketplace.ppp.rule_sets import load_rule_sets

    with app.app_context():
        seed_programmes()
        load_rule_sets()
        db.session.commit()
    return app
