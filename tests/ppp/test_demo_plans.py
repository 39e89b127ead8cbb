"""demo_plan builds, for every b.5 project, a plan that set_plan accepts and that matches b.5's split."""

from __future__ import annotations

import pytest

from marketplace.demo.projects_data import PROJECTS
from marketplace.extensions import db

# domain-facts b.5, in MAD: the split of each project by component kind.
B5 = {
    "P01": {"own_funds_fx": 2_450_000, "grant": 980_000, "bank_loan": 6_370_000},
    "P02": {"own_funds_fx": 1_950_000, "grant": 455_000, "bank_loan": 3_120_000, "equity": 975_000},
    "P03": {"own_funds_fx": 840_000, "grant": 240_000, "bank_loan": 1_320_000},
    "P04": {"own_funds_fx": 1_050_000, "grant": 420_000, "bank_loan": 2_730_000},
    "P05": {"own_funds_fx": 1_975_000, "grant": 474_000, "bank_loan": 3_871_000, "equity": 1_580_000},
    "P06": {"own_funds_fx": 3_500_000, "grant": 1_000_000, "bank_loan": 6_750_000, "equity": 1_250_000},
    "P07": {"own_funds_fx": 16_740_000, "grant": 5_000_000, "bank_loan": 40_260_000},
    "P08": {"own_funds_fx": 1_240_000, "grant": 310_000, "bank_loan": 1_550_000},
    "P09": {"own_funds_fx": 1_400_000, "grant": 280_000, "bank_loan": 2_520_000, "equity": 1_400_000},
    "P10": {"own_funds_fx": 950_000, "grant": 380_000, "bank_loan": 2_470_000},
    "P11": {"own_funds_fx": 4_375_000, "grant": 962_500, "bank_loan": 8_225_000, "equity": 3_937_500},
    "P12": {"own_funds_fx": 870_000, "grant": 290_000, "bank_loan": 1_740_000},
    "P13": {"own_funds_fx": 2_175_000, "grant": 870_000, "bank_loan": 5_655_000},
    "P14": {"own_funds_fx": 480_000, "grant": 160_000, "bank_loan": 960_000},
    "P15": {"own_funds_fx": 1_300_000, "grant": 390_000, "bank_loan": 2_860_000, "equity": 650_000},
    "P16": {"own_funds_fx": 825_000, "grant": 330_000, "bank_loan": 2_145_000},
    "P17": {"own_funds_local": 95_000, "bank_loan": 855_000, "guarantee": 684_000},
    "P18": {"own_funds_local": 96_000, "bank_loan": 544_000, "guarantee": 435_200},
    "P19": {"own_funds_local": 261_000, "bank_loan": 1_189_000, "guarantee": 951_200},
    "P20": {"own_funds_local": 84_000, "bank_loan": 336_000, "guarantee": 268_800},
    "P21": {"own_funds_local": 193_200, "bank_loan": 1_186_800, "guarantee": 949_440},
    "P22": {"own_funds_local": 110_000, "bank_loan": 990_000, "guarantee": 792_000},
    "P23": {"own_funds_local": 60_000, "bank_loan": 240_000, "guarantee": 192_000},
    "P24": {"own_funds_local": 93_600, "bank_loan": 686_400, "guarantee": 549_120},
    "P25": {"own_funds_local": 89_000, "bank_loan": 801_000, "guarantee": 640_800},
    "P26": {"own_funds_local": 125_000, "bank_loan": 1_125_000, "guarantee": 900_000},
    "P27": {"honour_loan": 85_000, "grant": 10_000},
    "P28": {"honour_loan": 60_000, "grant": 10_000},
    "P29": {"honour_loan": 90_000, "grant": 10_000, "own_funds_local": 20_000},
    "P30": {"honour_loan": 90_000, "grant": 10_000},
    "P31": {"honour_loan": 50_000, "grant": 10_000},
    "P32": {"honour_loan": 75_000, "grant": 10_000},
    "P33": {"community": 400_000, "grant": 1_200_000},
    "P34": {"community": 120_000, "grant": 360_000},
    "P35": {"community": 500_000, "grant": 1_500_000},
    "P36": {"community": 300_000, "grant": 900_000},
    "P37": {"crowd_pledges": 1_000_000, "own_funds_local": 1_000_000, "bank_loan": 500_000},
    "P38": {"crowd_pledges": 1_350_000, "own_funds_local": 1_350_000, "bank_loan": 300_000},
    "P39": {"crowd_pledges": 900_000, "own_funds_local": 540_000, "bank_loan": 360_000},
    "P40": {"crowd_pledges": 770_000, "own_funds_local": 770_000, "bank_loan": 660_000},
}


def _demo_ids(plans) -> dict[str, int]:
    """The demo slugs demo_plan names, pointed at test organisations of the same types."""
    from marketplace.ppp import demo

    orgs = plans.orgs
    ids = {demo.MINISTRY: orgs["ministry"].id, demo.FUND: orgs["programme_fund"].id, demo.BANK: orgs["bank"].id,
           demo.REGION: orgs["regional_council"].id}
    for association, commune in demo.THREE_FOR_ONE.values():
        ids[association], ids[commune] = orgs["diaspora_association"].id, orgs["commune"].id
    return ids


def _by_kind(components) -> dict[str, int]:
    totals: dict[str, int] = {}
    for component in components:
        totals[component.kind] = totals.get(component.kind, 0) + component.amount_minor // 100
    return totals


@pytest.mark.parametrize("scheme", ["MDM", "INT", "FOR", "3X1", "EQ"])
def test_every_demo_project_gets_a_valid_plan_matching_b5(app, plans, scheme):
    from marketplace.accounts.models import User
    from marketplace.ppp.demo import demo_plan
    from marketplace.ppp.plans import plan_components, set_plan
    from marketplace.projects.models import Project

    rows = [row for row in PROJECTS if row[5] == scheme]
    project_ids = {row[0]: plans.project(scheme=scheme, sector=row[4]) for row in rows}
    ids = _demo_ids(plans)
    with app.test_request_context():
        owner = db.session.get(User, plans.owner.id)
        for row in rows:
            project = db.session.get(Project, project_ids[row[0]])
            plan = demo_plan(row, organisation_ids=ids)
            set_plan(project, owner, plan.total_cost_minor, plan.components,
                     diaspora_capital_share_bp=plan.diaspora_capital_share_bp)
            assert _by_kind(plan_components(project)) == B5[row[0]], row[0]
        db.session.commit()
