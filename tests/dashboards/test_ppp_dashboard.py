"""The PPP dashboard against hand-computed figures, its CSV files, who sees what, and its statement count.

MAD converts at 10.8 per EUR, so every MAD amount below is a round number of euros.

Project X (programme INT, MAD) plan 1,080,000 MAD:
    promoter's own funds 108,000 (10,000 EUR) committed, 54,000 (5,000 EUR) paid;
    bank loan 972,000 (90,000 EUR) by the bank (role 3 Extending: lender, payment partner), confirmed by the bank;
        tranche 486,000 (45,000 EUR) released on milestone MX1 (met), tranche 486,000 pending on MX2 (due in 60 days);
    guarantee 777,600 (72,000 EUR) by the programme fund (no project role; programme role 1 Funding: guarantor).
Project Y (no programme, EUR) plan 100,000 EUR:
    bank loan 60,000 by the bank (same role), 20,000 paid outside tranches;
    grant 40,000 by a donor (role 1 Funding: grantor): tranche 25,000 released on MY1 (met), 10,000 pending on MY2
        (ten days overdue), 5,000 pending on MY3 (met, not released yet);
    in kind 5,000 by a diaspora association that has no role.
Crowd: Y has 6 investors x 100.00 EUR (5 paid); X has 2 investors x 1,080 MAD (100.00 EUR), committed.
Pools: P1 on Y (bank, 50 percent, 1,000 EUR): 6 x 50.00 used; P2 on X (bank, 100 percent, 10,800 MAD): 2 x 1,080 MAD
    used (200.00 EUR); P3 on the INT programme (fund, 5,400 MAD = 500 EUR): unused.
"""

from __future__ import annotations

import csv
import html as html_lib
import io
import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from tests.dashboards.conftest import place, step
from tests.ppp.conftest import Part, PlanFactories
from tests.ppp.test_ledger import Books, Milestones
from tests.ppp.test_partners import Partners

TOO_FEW = "Hidden: fewer than 5 investors."
COMPLEMENT = "Hidden so that a smaller group cannot be worked out from the total."
EN = {"Accept-Language": "en"}


@dataclass
class PppSet:
    plans: PlanFactories
    books: Books
    steps: Milestones
    authority: object
    admin: object
    donor: object
    donor_member: object
    projects: dict
    pools: dict
    milestones: dict
    investors: dict
    programme: int
    morocco: int

    @property
    def bank(self):
        return self.plans.bank

    @property
    def fund(self):
        return self.plans.orgs["programme_fund"]

    @property
    def association(self):
        return self.plans.orgs["diaspora_association"]


def add_milestone(books: Books, actor_id: int, project_id: int, title: str, due_in_days: int) -> int:
    from marketplace.ppp.milestones import add_milestone as add
    from marketplace.projects.models import Project

    return books.call(actor_id, lambda actor, project: add(
        actor, project, title=title, due_on=date.today() + timedelta(days=due_in_days),
        evidence_required="Site report"), (Project, project_id))


def add_pool(app, organisation_id: int, currency: str, total_minor: int, ratio: int, *, project_id=None,
             programme_id=None) -> int:
    from marketplace.pledges.models import MatchPool

    with app.app_context():
        pool = MatchPool(name=f"Pool {organisation_id}-{project_id}-{programme_id}", organisation_id=organisation_id,
                         project_id=project_id, programme_id=programme_id, currency=currency, ratio_percent=ratio,
                         cap_per_pledge_minor=10**9, cap_per_investor_minor=10**9, total_minor=total_minor,
                         used_minor=0)
        db.session.add(pool)
        db.session.commit()
        return pool.id


def confirm(books: Books, actor_id: int, project_id: int, kind: str) -> None:
    from marketplace.ppp.ledger import confirm_commitment
    from marketplace.ppp.models import FinancingComponent
    from marketplace.projects.models import Project

    books.call(actor_id, lambda actor, component, project: confirm_commitment(actor, component, project),
               (FinancingComponent, books.component(project_id, kind)), (Project, project_id))


def programme_role(app, admin_id: int, code: str, organisation_id: int, **terms) -> None:
    from marketplace.accounts.models import User
    from marketplace.organisations.models import Organisation
    from marketplace.ppp.partners import assign_programme_role
    from marketplace.programmes.models import Programme

    with app.app_context(), app.test_request_context():
        programme = db.session.scalar(select(Programme).where(Programme.code == code))
        assign_programme_role(db.session.get(User, admin_id), programme, db.session.get(Organisation, organisation_id),
                              **terms)
        db.session.commit()


def y_like_project(app, plans, books, steps, partners, *, donor, donor_member, authority, investors,
                   tag: str) -> tuple[int, int, int]:
    """Project Y's plan, roles, payments, tranches, pool and pledges (EUR, no programme)."""
    project = plans.project(currency="EUR", target="20000", min_ticket="10")
    plans.save(project, 100_000, [Part("bank_loan", 60_000, "bank", currency="EUR", status="committed"),
                                  Part("grant", 40_000, "donor", currency="EUR", status="committed"),
                                  Part("in_kind", 5_000, "diaspora_association", currency="EUR", status="committed")])
    partners.assign(project, plans.bank.id, iati_role=3, iati_org_type="70", functions=["lender", "payment_partner"])
    partners.assign(project, donor.id, iati_role=1, iati_org_type="60", functions=["grantor"])
    pool = add_pool(app, plans.bank.id, "EUR", 100_000, 50, project_id=project)
    for investor in investors:
        pledge = place(app, investor, project, 10_000)
        if investor != investors[-1]:
            step(app, pledge, "start_collection", "mark_paid")
    books.pay(plans.banker.id, project, "bank_loan", 20_000, f"LOAN-{tag}1")
    met = add_milestone(books, plans.owner.id, project, "Works started", -20)
    late = add_milestone(books, plans.owner.id, project, "Equipment installed", -10)
    ready = add_milestone(books, plans.owner.id, project, "Staff trained", -5)
    released = steps.tranche(plans.owner.id, project, met, "grant", 25_000)
    steps.tranche(plans.owner.id, project, late, "grant", 10_000)
    steps.tranche(plans.owner.id, project, ready, "grant", 5_000)
    for milestone in (met, ready):
        steps.submit(plans.owner.id, project, milestone)
        steps.judge(authority.id, project, milestone)
    steps.release(donor_member.id, project, released, reference=f"GR-{tag}1")
    return project, pool, late


def build_ppp_set(app, make) -> PppSet:
    from marketplace.programmes.models import Programme
    from tests.factories import country_id

    plans = PlanFactories(app, make)
    morocco = country_id(app, "MA")
    donor = make.organisation(name="Donateur Test", type="donor")
    plans.orgs["donor"] = donor
    donor_member = make.user(organisation=donor)
    authority = make.user(organisation=make.organisation(type="ministry", country_id=morocco))
    admin = make.admin()
    books, partners = Books(app, plans, make), Partners(app, plans)
    steps = Milestones(books)
    with app.app_context():
        programme = db.session.scalar(select(Programme.id).where(Programme.code == "INT"))
    investors = {f"GB{i}": plans.investor("GB").id for i in range(1, 7)} | {
        f"MA{i}": plans.investor("MA").id for i in range(1, 3)}

    x = plans.project(scheme="INT", sector="AGR", currency="MAD", target="20000", min_ticket="100")
    plans.save(x, 1_080_000, [Part("own_funds_local", 108_000, status="committed"),
                              Part("bank_loan", 972_000, "bank", status="approved"),
                              Part("guarantee", 777_600, "programme_fund", status="committed")])
    confirm(books, plans.banker.id, x, "bank_loan")
    partners.assign(x, plans.bank.id, iati_role=3, iati_org_type="70", functions=["lender", "payment_partner"])
    programme_role(app, admin.id, "INT", plans.orgs["programme_fund"].id, iati_role=1, iati_org_type="15",
                   functions=["guarantor"])
    p2 = add_pool(app, plans.bank.id, "MAD", 1_080_000, 100, project_id=x)
    p3 = add_pool(app, plans.orgs["programme_fund"].id, "MAD", 540_000, 100, programme_id=programme)
    for name in ("MA1", "MA2"):
        place(app, investors[name], x, 108_000)
    books.pay(plans.owner.id, x, "own_funds_local", 54_000, "OWN-X1")
    mx1 = add_milestone(books, plans.owner.id, x, "Warehouse built", -30)
    mx2 = add_milestone(books, plans.owner.id, x, "Cold room running", 60)
    released = steps.tranche(plans.owner.id, x, mx1, "bank_loan", 486_000)
    steps.tranche(plans.owner.id, x, mx2, "bank_loan", 486_000)
    steps.submit(plans.owner.id, x, mx1)
    steps.judge(authority.id, x, mx1)
    steps.release(plans.banker.id, x, released, reference="TR-X1")

    y, p1, my2 = y_like_project(app, plans, books, steps, partners, donor=donor, donor_member=donor_member,
                                authority=authority, investors=[investors[f"GB{i}"] for i in range(1, 7)], tag="Y")
    return PppSet(plans, books, steps, authority, admin, donor, donor_member, {"X": x, "Y": y},
                  {"P1": p1, "P2": p2, "P3": p3}, {"MY2": my2}, investors, programme, morocco)


@pytest.fixture
def ppp_set(app, make) -> PppSet:
    return build_ppp_set(app, make)


def tables(app, scope=None, **filters):
    from marketplace.dashboards import ppp_queries, queries

    with app.app_context(), app.test_request_context(headers=EN):
        return ppp_queries.ppp_report(scope or queries.Scope(everything=True), queries.CapitalFilters(**filters))


def shown(row, *columns):
    return tuple(row.shown(column) for column in columns)


MONEY = ("committed", "disbursed", "remaining")
ROLLUP = ("partners", "committed", "disbursed", "remaining", "non_cash")


# --- figures ------------------------------------------------------------------------------------------------

def test_partner_table_matches_the_hand_computed_ledger(app, ppp_set):
    table = tables(app)["partners"]
    bank, donor, fund, association = ppp_set.bank.id, ppp_set.donor.id, ppp_set.fund.id, ppp_set.association.id
    assert [row.key for row in table.rows][:4] == [(bank, "bank_loan"), (donor, "grant"), (None, "own_funds_local"),
                                                   ("crowd",)]  # cash by name, promoters and the crowd last
    assert {row.key for row in table.rows[4:]} == {(fund, "guarantee"), (association, "in_kind")}
    # bank: X 90,000 EUR (45,000 paid by tranche) + Y 60,000 (20,000 paid)
    assert shown(table.row((bank, "bank_loan")), *MONEY) == (150_000_00, 65_000_00, 85_000_00)
    assert table.row((bank, "bank_loan")).label == ppp_set.bank.name
    assert shown(table.row((donor, "grant")), *MONEY) == (40_000_00, 25_000_00, 15_000_00)
    assert shown(table.row((None, "own_funds_local")), *MONEY) == (10_000_00, 5_000_00, 5_000_00)
    assert table.row((None, "own_funds_local")).label == "Project promoters"
    # the crowd from the capital summary: 6 x 100.00 on Y and 2 x 100.00 on X committed; 5 paid
    assert shown(table.row(("crowd",)), *MONEY) == (800_00, 500_00, 300_00)
    # guarantees and in kind apart, never paid
    assert shown(table.row((fund, "guarantee")), *MONEY) == (72_000_00, None, None)
    assert shown(table.row((association, "in_kind")), *MONEY) == (5_000_00, None, None)
    assert shown(table.row(("total", "cash")), *MONEY) == (200_000_00, 95_000_00, 105_000_00)
    assert shown(table.row(("total", "crowd")), *MONEY) == (200_800_00, 95_500_00, 105_300_00)
    assert shown(table.row(("total", "non_cash")), "committed") == (77_000_00,)
    [rate] = table.rates
    assert rate.currency == "MAD"


def test_crowd_line_is_the_capital_dashboards_total(app, ppp_set):
    from marketplace.dashboards import queries

    with app.app_context(), app.test_request_context(headers=EN):
        capital = queries.capital_total(queries.Scope(everything=True))
    crowd = tables(app)["partners"].row(("crowd",))
    assert (crowd.shown("committed"), crowd.shown("disbursed")) == (capital.committed.minor, capital.collected.minor)


def test_role_table_uses_the_project_role_then_the_programme_role(app, ppp_set):
    table = tables(app)["roles"]
    assert [row.label for row in table.rows] == ["1 · Funding", "2 · Accountable", "3 · Extending", "4 · Implementing",
                                                 "No partner role recorded", "Project promoters (own funds)"]
    assert shown(table.row((1,)), *ROLLUP) == (2, 40_000_00, 25_000_00, 15_000_00, 72_000_00)  # donor + fund
    assert shown(table.row((2,)), *ROLLUP) == (0, 0, 0, 0, 0)
    assert shown(table.row((3,)), *ROLLUP) == (1, 150_000_00, 65_000_00, 85_000_00, 0)
    assert shown(table.row(("none",)), *ROLLUP) == (1, 0, 0, 0, 5_000_00)  # the association's in-kind
    assert shown(table.row(("promoter",)), *ROLLUP) == (1, 10_000_00, 5_000_00, 5_000_00, 0)
    assert shown(table.row(("total",)), *ROLLUP) == (5, 200_000_00, 95_000_00, 105_000_00, 77_000_00)


def test_function_table_counts_a_partner_under_each_of_its_functions(app, ppp_set):
    table = tables(app)["functions"]
    assert [row.key for row in table.rows] == [("grantor",), ("lender",), ("guarantor",), ("payment_partner",),
                                               ("none",), ("promoter",)]
    assert shown(table.row(("lender",)), *ROLLUP) == (1, 150_000_00, 65_000_00, 85_000_00, 0)
    assert shown(table.row(("payment_partner",)), *ROLLUP) == shown(table.row(("lender",)), *ROLLUP)
    assert shown(table.row(("grantor",)), *ROLLUP) == (1, 40_000_00, 25_000_00, 15_000_00, 0)
    assert shown(table.row(("guarantor",)), *ROLLUP) == (1, 0, 0, 0, 72_000_00)
    assert shown(table.row(("total",)), *ROLLUP) == (5, 200_000_00, 95_000_00, 105_000_00, 77_000_00)


def test_pools_show_total_used_left_and_hide_small_groups(app, ppp_set):
    table = tables(app)["pools"]
    p1, p2, p3 = (table.row((ppp_set.pools[name],)) for name in ("P1", "P2", "P3"))
    assert (p1.shown("total"), p2.shown("total"), p3.shown("total")) == (1_000_00, 1_000_00, 500_00)
    # P2 matched 2 investors: hidden; P1 (6) is then the only other to hide, or P2 = total - P1 - P3
    assert (p2.cells["used"].hidden, p2.cells["left"].hidden, p2.shown("investors")) == (TOO_FEW, TOO_FEW, None)
    assert (p1.cells["used"].hidden, p1.cells["left"].hidden) == (COMPLEMENT, COMPLEMENT)
    assert (p1.cells["used"].value, p2.cells["used"].value) == (300_00, 200_00)
    assert shown(p3, "investors", "used", "left") == (0, 0, 500_00)  # describes nobody
    assert p3.shown("applies_to") == "Programme: Guaranteed start-up loan (Intelaka-style)"
    assert shown(table.row(("total",)), "investors", "total", "used", "left") == (8, 2_500_00, 500_00, 2_000_00)


def test_tranches_released_pending_ready_and_late_by_programme(app, ppp_set):
    table = tables(app)["tranches"]
    columns = ("released_count", "released", "pending_count", "pending", "ready", "late", "late_milestones")
    by_label = {row.key: row for row in table.rows}
    assert shown(by_label[(ppp_set.programme,)], *columns) == (1, 45_000_00, 1, 45_000_00, 0, 0, 0)
    assert shown(by_label[(None,)], *columns) == (1, 25_000_00, 2, 15_000_00, 5_000_00, 10_000_00, 1)
    assert by_label[(None,)].label == "No programme"
    assert shown(table.row(("total",)), *columns) == (2, 70_000_00, 3, 60_000_00, 5_000_00, 10_000_00, 1)


def test_overdue_milestones_are_listed_with_their_delay(app, ppp_set):
    [row] = tables(app)["milestones"].rows
    assert row.key == (ppp_set.milestones["MY2"],)
    assert shown(row, "milestone", "due_on", "days_late", "status") == (
        "Equipment installed", date.today() - timedelta(days=10), 10, "Pending")


def test_a_period_narrows_payments_and_due_dates_but_not_commitments(app, ppp_set):
    report = tables(app, month_from="2099-01", month_to="2099-12")
    partners = report["partners"]
    assert shown(partners.row(("total", "cash")), *MONEY) == (200_000_00, 0, 105_000_00)
    assert shown(partners.row(("crowd",)), *MONEY) == (0, 0, 0)  # pledges are counted by the month they were made
    total = report["tranches"].row(("total",))
    assert shown(total, "released_count", "pending_count", "late_milestones") == (0, 0, 0)
    assert report["milestones"].rows == []
    this_month = date.today().strftime("%Y-%m")
    now = tables(app, month_from=this_month, month_to=this_month)["partners"]
    assert shown(now.row(("total", "cash")), *MONEY) == (200_000_00, 95_000_00, 105_000_00)


def test_programme_filter_keeps_one_project_and_hides_its_small_crowd(app, ppp_set):
    table = tables(app, programme_id=ppp_set.programme)["partners"]
    assert shown(table.row((ppp_set.bank.id, "bank_loan")), *MONEY) == (90_000_00, 45_000_00, 45_000_00)
    crowd = table.row(("crowd",))
    # two investors committed on X, none paid yet: an empty figure describes nobody and stays
    assert [crowd.cells[c].hidden for c in MONEY] == [TOO_FEW, None, TOO_FEW]
    assert shown(crowd, *MONEY) == (None, 0, None)
    assert shown(table.row(("total", "crowd")), *MONEY) == (None, 50_000_00, None)
    assert shown(table.row(("total", "cash")), *MONEY) == (100_000_00, 50_000_00, 50_000_00)


# --- who sees what ------------------------------------------------------------------------------------------

def scope_of(app, user_id):
    from marketplace.accounts.models import User
    from marketplace.dashboards import queries

    with app.app_context():
        return queries.scope_for(db.session.get(User, user_id))


def test_a_partner_member_sees_only_their_organisations_projects(app, make, ppp_set):
    report = tables(app, scope_of(app, ppp_set.donor_member.id))
    partners = report["partners"]
    assert {row.key for row in partners.rows} == {(ppp_set.bank.id, "bank_loan"), (ppp_set.donor.id, "grant"),
                                                  ("crowd",), (ppp_set.association.id, "in_kind")}
    assert shown(partners.row((ppp_set.bank.id, "bank_loan")), *MONEY) == (60_000_00, 20_000_00, 40_000_00)
    assert shown(partners.row(("crowd",)), *MONEY) == (600_00, 500_00, 100_00)
    [pool] = report["pools"].rows
    assert pool.key == (ppp_set.pools["P1"],) and shown(pool, "used", "investors") == (300_00, 6)
    assert [row.key for row in report["tranches"].rows] == [(None,)]
    # a provider without a recorded role (the association) sees the project it finances
    association_member = make.user(organisation=ppp_set.association)
    seen = tables(app, scope_of(app, association_member.id))["partners"]
    assert shown(seen.row(("total", "cash")), *MONEY) == (100_000_00, 45_000_00, 55_000_00)
    stranger = make.user(organisation=make.organisation(type="ngo"))
    nothing = tables(app, scope_of(app, stranger.id))
    assert [row.key for row in nothing["partners"].rows] == [("crowd",)]
    assert shown(nothing["partners"].row(("crowd",)), *MONEY) == (0, 0, 0)
    assert all(not nothing[name].rows for name in ("functions", "pools", "tranches", "milestones"))
    assert all(row.shown("committed") == 0 for row in nothing["roles"].rows)


def login(browserless, user):
    browserless.login(user.email, user.password)


def test_a_foreign_authority_sees_nothing_and_is_refused_the_country(app, make, browserless, ppp_set):
    from tests.factories import country_id

    reviewer = make.user(organisation=make.organisation(type="ministry", country_id=country_id(app, "TN")))
    login(browserless, reviewer)
    page = browserless.client.get("/dashboards/ppp", headers=EN)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert ppp_set.bank.name not in text and 'data-value="20000000"' not in text
    refused = browserless.client.get(f"/dashboards/ppp?country={ppp_set.morocco}", headers=EN)
    assert refused.status_code == 400 and "not one you can see figures for" in refused.get_data(as_text=True)
    csv_refused = browserless.client.get(f"/dashboards/ppp/partners.csv?country={ppp_set.morocco}", headers=EN)
    assert csv_refused.status_code == 400 and ppp_set.bank.name.encode() not in csv_refused.data
    rows = list(csv.reader(io.StringIO(browserless.client.get("/dashboards/ppp/partners.csv").get_data(as_text=True))))
    assert ppp_set.bank.name not in {row[0] for row in rows}


def test_investors_and_strangers_are_refused(make, browserless, ppp_set):
    assert browserless.client.get("/dashboards/ppp").status_code == 302  # to the login page
    login(browserless, make.investor())
    assert browserless.client.get("/dashboards/ppp").status_code == 403
    assert browserless.client.get("/dashboards/ppp/partners.csv").status_code == 403


@pytest.mark.parametrize("query, message", [
    ("region=999999", "Unknown region."),
    ("programme=abc", "Unknown programme."),
    ("programme=99999999999999999999", "Unknown programme."),
    ("sdg=0", "Choose a Sustainable Development Goal"),
    ("from=2026-13", "Write months as year-month"),
    ("from=0000-01", "Choose months between 1990 and 2100."),
    ("from=2026-05&to=2026-01", "The period ends before it starts"),
])
def test_bad_filters_get_a_clear_400_never_a_500(browserless, ppp_set, query, message):
    login(browserless, ppp_set.authority)
    page = browserless.client.get(f"/dashboards/ppp?{query}", headers=EN)
    assert page.status_code == 400 and message in html_lib.unescape(page.get_data(as_text=True))
    file = browserless.client.get(f"/dashboards/ppp/tranches.csv?{query}", headers=EN)
    assert file.status_code == 400 and message in file.get_data(as_text=True)


def test_unknown_csv_table_is_not_found(browserless, ppp_set):
    login(browserless, ppp_set.authority)
    assert browserless.client.get("/dashboards/ppp/ledger.csv").status_code == 404


# --- page and CSV -------------------------------------------------------------------------------------------

def page_tables(html: str) -> dict[str, list[tuple[str, dict[str, str]]]]:
    """Per table: (row key, {column: data-value}) in the page's order."""
    found = {}
    for name, body in re.findall(r'<section class="dashboard-table"[^>]*data-table="(\w+)">(.*?)</section>', html,
                                 re.S):
        found[name] = [(key, dict(re.findall(r'data-cell="(\w+)" data-value="([^"]*)"', row)))
                       for key, row in re.findall(r'<tr data-row="([^"]*)">(.*?)</tr>', body, re.S)]
    return found


def test_page_csv_and_query_functions_agree_to_the_cent(app, browserless, ppp_set):
    from marketplace.dashboards.ppp_views import cell_text

    login(browserless, ppp_set.authority)
    page = browserless.client.get("/dashboards/ppp", headers=EN)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    on_page = page_tables(html)
    expected = tables(app)
    assert set(on_page) == set(expected)
    for name, table in expected.items():
        response = browserless.client.get(f"/dashboards/ppp/{name}.csv", headers=EN)
        assert response.status_code == 200 and response.mimetype == "text/csv"
        lines = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
        everything = [*table.rows, *table.totals]
        assert [key for key, _cells in on_page[name]] == ["|".join(map(str, row.key)) for row in everything]
        for row, line, (_key, cells) in zip(everything, lines[1:], on_page[name], strict=False):
            assert line[0] == row.label
            for i, column in enumerate(table.columns, start=1):
                text = cell_text(row.cells[column.key], column, table.currency)
                assert line[i] == text, (name, row.label, column.key)
                value = row.cells[column.key].shown
                assert html_lib.unescape(cells[column.key]) == ("" if value is None else str(value))
    assert 'data-total="partners-committed">' in html and TOO_FEW in html and "1 MAD = " in html
    assert 'aria-current="page">Public-private partnerships</a>' in html
    names = _investor_names(app, ppp_set)
    assert not any(name in html for name in names)


def _investor_names(app, ppp_set) -> set[str]:
    from marketplace.accounts.models import User

    with app.app_context():
        users = [db.session.get(User, i) for i in ppp_set.investors.values()]
        return {u.display_name for u in users} | {u.email for u in users}


def test_csv_writes_exact_decimals_and_the_rate(app, browserless, ppp_set):
    login(browserless, ppp_set.admin)
    lines = list(csv.reader(io.StringIO(
        browserless.client.get("/dashboards/ppp/partners.csv", headers=EN).get_data(as_text=True))))
    assert lines[0] == ["Partner", "Kind", "Committed (EUR)", "Disbursed (EUR)", "Remaining to pay (EUR)", "Note"]
    by_label = {line[0]: line for line in lines[1:]}
    assert by_label[ppp_set.bank.name][1:5] == ["Bank loan", "150000.00", "65000.00", "85000.00"]
    assert by_label["Total with diaspora investors"][2:5] == ["200800.00", "95500.00", "105300.00"]
    assert any(line[0].startswith("Rate used: 1 MAD = ") for line in lines)


def test_capital_page_links_to_the_ppp_dashboard(browserless, ppp_set):
    login(browserless, ppp_set.authority)
    html = browserless.client.get("/dashboards/capital", headers=EN).get_data(as_text=True)
    assert 'href="/dashboards/ppp"' in html and 'aria-current="page">Diaspora capital</a>' in html


def test_arabic_page_renders_right_to_left(make, browserless, ppp_set):
    ministry = make.organisation(type="ministry", country_id=ppp_set.morocco)
    login(browserless, make.user(organisation=ministry, locale="ar"))
    page = browserless.client.get("/dashboards/ppp")
    assert page.status_code == 200
    assert 'dir="rtl"' in page.get_data(as_text=True)


def test_page_statements_do_not_grow_with_the_data(app, make, browserless, ppp_set, count_queries):
    login(browserless, ppp_set.authority)
    browserless.client.get("/dashboards/ppp")
    with count_queries() as before:
        assert browserless.client.get("/dashboards/ppp").status_code == 200
    more = [ppp_set.plans.investor("GB").id for _ in range(5)]
    y_like_project(app, ppp_set.plans, ppp_set.books, ppp_set.steps, Partners(app, ppp_set.plans),
                   donor=ppp_set.donor, donor_member=ppp_set.donor_member, authority=ppp_set.authority,
                   investors=more, tag="W")
    with count_queries() as after:
        assert browserless.client.get("/dashboards/ppp").status_code == 200
    assert len(after) == len(before) <= 20, len(before)
    assert tables(app)["partners"].row(("total", "cash")).shown("committed") == 300_000_00


def test_the_page_renders_on_the_demo_data(app, runner, make, browserless):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    login(browserless, make.admin())
    page = browserless.client.get("/dashboards/ppp", headers=EN)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Banque" in html and 'data-table="tranches"' in html
    assert browserless.client.get("/dashboards/ppp/functions.csv").status_code == 200
