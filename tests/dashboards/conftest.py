"""A small capital data set whose every figure is worked out by hand in `test_capital.py`.

Outside the EU a pledge is committed at once; EU residents (BE) keep an offer revocable for 96 hours.

Project A  EUR, Oriental, health, equity:      GB1..GB6 pledge 100.00 each (committed); GB1..GB5 paid;
                                               GB2 also pledged 70.00, which lapsed (never counted).
Project B  EUR, Tanger, other sector, loan:    BE1, BE2 offer 300.00 each (still revocable); GB1 50.00 committed.
Project C  MAD, Oriental, health, donation:    MA1..MA5 pledge 1,080.00 MAD each (100.00 EUR at 10.8), committed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from tests.factories import PledgeFactories, country_id


@dataclass
class CapitalSet:
    cast: PledgeFactories
    projects: dict
    investors: dict
    regions: dict
    sectors: dict
    morocco: int


def place(app, investor_id: int, project_id: int, amount_minor: int) -> int:
    from marketplace.accounts.models import User
    from marketplace.pledges.services import PledgeRequest, place_pledge
    from marketplace.projects.models import Project

    with app.app_context(), app.test_request_context():
        project = db.session.get(Project, project_id)
        request = PledgeRequest(amount_minor=amount_minor, currency=project.currency, method="bank_transfer",
                                request_key=uuid.uuid4().hex, reflection_notice_seen=True,
                                risk_warning_acknowledged=True, high_amount_consent=True, understanding_answer=2)
        pledge = place_pledge(db.session.get(User, investor_id), project, request)
        db.session.commit()
        return pledge.id


def step(app, pledge_id: int, *actions: str) -> None:
    from marketplace.pledges import lifecycle
    from marketplace.pledges.models import Pledge

    with app.app_context(), app.test_request_context():
        for action in actions:
            lifecycle.apply(db.session.get(Pledge, pledge_id), action)
        db.session.commit()


def build_capital_set(app, make) -> CapitalSet:
    from marketplace.reference.models import Region, Sector

    cast = PledgeFactories(app, make)
    with app.app_context():
        regions = {r.iso_code: r.id for r in db.session.scalars(select(Region).where(
            Region.iso_code.in_(("MA-01", "MA-02"))))}
        sectors = {s.code: s.id for s in db.session.scalars(select(Sector))}
    other_sector = next(code for code in sorted(sectors) if code != "HEA")
    projects = {
        "A": cast.project(target="100000", min_ticket="10", instrument="equity"),
        "B": cast.project(target="100000", min_ticket="10", instrument="loan", region_id=regions["MA-01"],
                          sector_id=sectors[other_sector]),
        "C": cast.project(target="1000000", min_ticket="10", currency="MAD", instrument="donation"),
    }
    investors = {}
    for residence, n in (("GB", 6), ("MA", 5)):
        for i in range(1, n + 1):
            investors[f"{residence}{i}"] = cast.investor(residence).id
    investors["BE1"], investors["BE2"] = cast.eu_investor().id, cast.eu_investor().id
    for i in range(1, 7):
        pledge = place(app, investors[f"GB{i}"], projects["A"], 10_000)
        if i <= 5:
            step(app, pledge, "start_collection", "mark_paid")
    step(app, place(app, investors["GB2"], projects["A"], 7_000), "lapse")
    for name in ("BE1", "BE2"):
        place(app, investors[name], projects["B"], 30_000)
    place(app, investors["GB1"], projects["B"], 5_000)
    for i in range(1, 6):
        place(app, investors[f"MA{i}"], projects["C"], 108_000)
    return CapitalSet(cast, projects, investors, regions, {"HEA": sectors["HEA"], "other": sectors[other_sector]},
                      country_id(app, "MA"))


@pytest.fixture
def capital_set(app, make) -> CapitalSet:
    return build_capital_set(app, make)


@pytest.fixture
def authority(app, make, capital_set):
    """A Moroccan ministry's reviewer: sees every project in Morocco."""
    organisation = make.organisation(type="ministry", country_id=capital_set.morocco)
    return make.user(organisation=organisation)
