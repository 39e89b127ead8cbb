"""Impact fixtures: the catalogue loaded, a funded project with partners, a confirmed framework, and the cast
(owner manager, reporter, monitor, authority reviewer, investor) as plain records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from tests.factories import PledgeFactories

PERIODS = ((date(2025, 1, 1), date(2025, 12, 31)), (date(2026, 1, 1), date(2026, 12, 31)))


@dataclass
class Impact:
    """Calls the impact services as a view would, each in its own transaction, and reads back plain values."""

    app: object
    cast: PledgeFactories
    project_id: int
    reporter: object
    monitor: object
    reviewer: object
    stranger: object
    indicators: dict  # code -> project indicator id
    periods: list  # period ids

    def call(self, work):
        with self.app.app_context(), self.app.test_request_context(headers={"Accept-Language": "en"}):
            try:
                result = work()
                db.session.commit()
                return result
            finally:
                db.session.remove()

    def project(self):
        from marketplace.projects.models import Project

        return db.session.get(Project, self.project_id)

    def user(self, record):
        from marketplace.accounts.models import User

        return db.session.get(User, record.id)

    def report(self, code="PI3687", period=0, value="5", *, by=None, parts=None, comment="", evidence=(),
               raw_period=False) -> int:
        """Report as `by` (the reporter by default); `period` is an index of the framework's periods, or with
        `raw_period` whatever a forged form would send."""
        from marketplace.impact.reporting import report_value

        return self.call(lambda: report_value(
            self.user(by or self.reporter), self.project(), project_indicator_id=self.indicators[code],
            period_id=period if raw_period else self.periods[period], value=value, parts=parts,
            comment=comment, evidence=evidence).id)

    def step(self, value_id: int, action: str, *, by, note=None) -> str:
        from marketplace.impact.models import ReportedValue
        from marketplace.impact.reporting import change_status

        return self.call(lambda: change_status(self.user(by), db.session.get(ReportedValue, value_id), action,
                                               note=note).status)

    def status(self, value_id: int) -> str:
        from marketplace.impact.models import ReportedValue

        with self.app.app_context():
            return db.session.get(ReportedValue, value_id).status

    def walk(self, value_id: int, to: str) -> None:
        """Take a value from draft to `to` by the people whose job each step is."""
        order = ["submitted", "approved", "verified"]
        actions = {"submitted": ("submit", self.reporter), "approved": ("approve", self.monitor),
                   "verified": ("verify", self.reviewer)}
        for state in order[:order.index(to) + 1]:
            action, who = actions[state]
            self.step(value_id, action, by=who)


def build_impact(app, make, *, status="in_implementation") -> Impact:
    """A project of an NGO with a bank, an implementing agency as monitor, the catalogue and a confirmed framework."""
    from marketplace.accounts.models import User
    from marketplace.impact import framework as frameworks
    from marketplace.impact.catalogue import load_indicator_catalogue
    from marketplace.impact.models import Indicator
    from marketplace.ppp.partners import assign_role, change_status
    from marketplace.projects.models import Project

    cast = PledgeFactories(app, make)
    project_id = cast.project(status="draft", currency="MAD", target="100000", min_ticket="100")
    authority = make.organisation(type="ministry", country_id=_morocco(app))
    agency = make.organisation(type="implementing_agency")
    reviewer = make.user(organisation=authority)
    monitor = make.user(organisation=agency)
    reporter = make.user(organisation=cast.owner_org)  # a plain member of the owner organisation
    stranger = make.user(organisation=make.organisation(type="ngo"))
    with app.app_context(), app.test_request_context(headers={"Accept-Language": "en"}):
        load_indicator_catalogue()
        project = db.session.get(Project, project_id)
        owner = db.session.get(User, cast.owner.id)
        from marketplace.organisations.models import Organisation

        role = assign_role(owner, project, db.session.get(Organisation, agency.id), iati_role=4,
                           iati_org_type="40", functions=["implementer", "monitor"])
        change_status(owner, role, "agree")
        codes = {i.code: i.id for i in db.session.scalars(select(Indicator))}
        periods = [frameworks.add_period(owner, project, starts_on=s, ends_on=e).id for s, e in PERIODS]
        indicators = {}
        for code, baseline in (("PI3687", "0"), ("OI8869", "10"), ("FP6510", "0")):
            indicators[code] = frameworks.add_indicator(owner, project, codes[code], baseline=baseline,
                                                        baseline_on=date(2024, 12, 31)).id
            for index, period in enumerate(periods):
                target = {"PI3687": ("8", "4"), "OI8869": ("14", "18"), "FP6510": ("500000", "800000")}[code][index]
                frameworks.set_target(owner, project, indicators[code], period, target)
        project.status = "in_review"
        db.session.flush()
        frameworks.confirm(db.session.get(User, reviewer.id), project)
        project.status = status
        db.session.commit()
    return Impact(app, cast, project_id, reporter, monitor, reviewer, stranger, indicators, periods)


def _morocco(app) -> int:
    from tests.factories import country_id

    return country_id(app, "MA")


@pytest.fixture
def impact(app, make) -> Impact:
    return build_impact(app, make)
