"""Financing plans for the 40 demo projects of domain-facts b.5, built from each row by the programme rules.

Only what the rules leave open is taken from b.5 as data: the diaspora's share of capital and the
co-investor of six MDM projects, and the founder's equity of the EQ projects. Everything else follows
from the row (total, diaspora share, scheme) and the rule set: the MDM grant is computed by `set_plan`,
the bank loan takes the remainder, INT guarantees cover 80 % of the loan, FOR honour loans embed the
10,000 MAD grant, 3X1 splits in four quarters. The source that the project's campaign raises (the diaspora
share: own funds, the honour loan, the association's quarter, diaspora equity) is marked as such, so the
ledger counts the pledges for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.organisations.models import Organisation
from marketplace.ppp.models import FULL_SHARE_BP, FinancingPlan
from marketplace.ppp.plans import ComponentInput, compute_grant, rule_set_in_force
from marketplace.programmes.models import Programme

MINISTRY, FUND, BANK, REGION = "org-01-ministere-mdm", "org-02-fonds-garantie", "org-03-banque-atlas", \
    "org-05-region-oriental"
# b.5 MDM rows with a non-diaspora co-investor: (diaspora share of capital in basis points, co-investor MAD).
MDM_CO_INVESTED = {"P02": (7000, 975_000), "P05": (6000, 1_580_000), "P06": (8000, 1_250_000),
                   "P09": (5000, 1_400_000), "P11": (5500, 3_937_500), "P15": (7500, 650_000)}
EQ_FOUNDER_EQUITY = {"P37": 1_000_000, "P38": 1_350_000, "P39": 540_000, "P40": 770_000}
THREE_FOR_ONE = {"P33": ("assoc-ait-youssef-bruxelles", "commune-driouch"),
                 "P34": ("assoc-draa-gennevilliers", "commune-ouarzazate"),
                 "P35": ("assoc-atlas-bologna", "commune-tinghir"),
                 "P36": ("assoc-rif-rotterdam", "commune-al-hoceima")}
FORSA_GRANT_MAD = 10_000
FORSA_LOAN_WITH_GRANT_MAD = 100_000


@dataclass(frozen=True)
class DemoPlan:
    """What `set_plan` takes: total cost, the diaspora's share of capital (for the grant) and the components."""

    code: str
    total_cost_minor: int
    diaspora_capital_share_bp: int
    components: list[ComponentInput]


def _minor(mad: int) -> int:
    return mad * 100


def demo_plan(project_row, *, on: date | None = None, organisation_ids: dict[str, int] | None = None) -> DemoPlan:
    """The plan of one b.5 row (a `marketplace.demo.projects_data.PROJECTS` tuple), valid under its scheme."""
    code, _title_fr, _title_en, _region, _sector, scheme, total, share, *_rest = project_row
    ids = organisation_ids if organisation_ids is not None else _demo_organisation_ids()
    builder = {"MDM": _mdm, "INT": _int, "FOR": _for, "3X1": _three_for_one, "EQ": _eq}[scheme]
    return builder(code, _minor(total), _minor(share), ids, on or date.today())


def _demo_organisation_ids() -> dict[str, int]:
    return dict(db.session.execute(select(Organisation.slug, Organisation.id)).all())


def _mdm(code: str, total: int, share: int, ids: dict[str, int], on: date) -> DemoPlan:
    """Own FX = the diaspora share; grant by the rules; optional co-investor; the bank lends the rest."""
    share_bp, co_investor = MDM_CO_INVESTED.get(code, (FULL_SHARE_BP, 0))
    programme = db.session.scalar(select(Programme).where(Programme.code == "MDM"))
    grant = compute_grant(FinancingPlan(total_cost_minor=total, diaspora_capital_share_bp=share_bp),
                          rule_set_in_force(programme, on))
    components = [ComponentInput("own_funds_fx", share, note="Apport en devises (compte dédié)",
                                 raised_by_campaign=True)]
    if co_investor:
        components.append(ComponentInput("equity", _minor(co_investor), note="Co-investisseur"))
    components.append(ComponentInput("bank_loan", total - share - _minor(co_investor) - grant, ids.get(BANK)))
    return DemoPlan(code, total, share_bp, components)


def _int(code: str, total: int, share: int, ids: dict[str, int], on: date) -> DemoPlan:
    """Own funds, a bank loan for the rest, and the fund's 80 % guarantee on it (rounded down)."""
    bank = total - share
    return DemoPlan(code, total, FULL_SHARE_BP, [
        ComponentInput("own_funds_local", share, raised_by_campaign=True),
        ComponentInput("bank_loan", bank, ids.get(BANK)),
        ComponentInput("guarantee", bank * 80 // 100, ids.get(FUND)),
    ])


def _for(code: str, total: int, share: int, ids: dict[str, int], on: date) -> DemoPlan:
    """The honour loan with its 10,000 MAD grant covers up to 100,000 MAD; the promoter funds the rest.

    The diaspora lends the honour loan through the campaign (its target is the loan); the ministry adds the grant.
    """
    grant = _minor(FORSA_GRANT_MAD)
    loan = min(total, _minor(FORSA_LOAN_WITH_GRANT_MAD)) - grant
    components = [ComponentInput("honour_loan", loan, raised_by_campaign=True),
                  ComponentInput("grant", grant, ids.get(MINISTRY))]
    if total - loan - grant:
        components.append(ComponentInput("own_funds_local", total - loan - grant))
    return DemoPlan(code, total, FULL_SHARE_BP, components)


def _three_for_one(code: str, total: int, share: int, ids: dict[str, int], on: date) -> DemoPlan:
    """Association, ministry, region and commune a quarter each (b.4: the Oriental region co-funds all four)."""
    association, commune = THREE_FOR_ONE[code]
    quarter = total // 4
    return DemoPlan(code, total, FULL_SHARE_BP, [
        ComponentInput("community", total - 3 * quarter, ids.get(association), raised_by_campaign=True),
        ComponentInput("grant", quarter, ids.get(MINISTRY)),
        ComponentInput("grant", quarter, ids.get(REGION)),
        ComponentInput("grant", quarter, ids.get(commune)),
    ])


def _eq(code: str, total: int, share: int, ids: dict[str, int], on: date) -> DemoPlan:
    """Diaspora equity through the campaign, the founder's equity, and a bank loan for the rest."""
    founder = _minor(EQ_FOUNDER_EQUITY[code])
    return DemoPlan(code, total, FULL_SHARE_BP, [
        ComponentInput("crowd_pledges", share, note="Fonds propres de la diaspora"),
        ComponentInput("own_funds_local", founder, note="Fonds propres du fondateur"),
        ComponentInput("bank_loan", total - share - founder, ids.get(BANK)),
    ])
