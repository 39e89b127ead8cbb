"""The capital dashboard against hand-computed figures (see conftest.py for the data set)."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from tests.dashboards.conftest import place

TOO_FEW = "Hidden: fewer than 5 investors."
COMPLEMENT = "Hidden so that a smaller group cannot be worked out from the total."


def report(app, scope=None, **filters):
    from marketplace.dashboards import queries

    with app.app_context(), app.test_request_context(headers={"Accept-Language": "en"}):
        return queries.capital_report(scope or queries.Scope(everything=True), queries.CapitalFilters(**filters))


def cells(row):
    """(pledges, investors, pledged, committed, collected) as shown, None where hidden."""
    return (row.shown_pledges, row.pledged.shown_investors, row.pledged.shown_minor, row.committed.shown_minor,
            row.collected.shown_minor)


def by_label(table):
    return {row.label: row for row in table.rows}


def test_totals_match_the_hand_computed_figures(app, capital_set):
    total = report(app)["sector"].total
    # pledged: A 6 x 100.00 + B 2 x 300.00 + 50.00 + C 5 x 1,080 MAD (= 500.00 EUR); the lapsed 70.00 is out
    # committed: everything but the two Belgian offers; collected: GB1..GB5 on A
    # investors add up each project's (and month's) own: GB1, on A and on B, counts twice (13 distinct)
    assert cells(total) == (14, 14, 175_000, 115_000, 50_000)
    assert (total.committed.investors, total.collected.investors) == (12, 5)


def test_mad_amounts_are_converted_with_the_rate_shown(app, capital_set):
    from decimal import Decimal

    table = report(app)["instrument"]
    [rate] = table.rates
    assert (rate.currency, table.currency, rate.rate) == ("MAD", "EUR", 1 / Decimal("10.8"))
    donation = by_label(table)["Donation"]
    assert (donation.pledged.minor, donation.pledged.investors) == (50_000, 5)
    assert donation.pledged.hidden == COMPLEMENT  # the loan row (3 investors) is hidden, so the next smallest too
    assert cells(by_label(table)["Equity"]) == (6, 6, 60_000, 60_000, 50_000)


def test_corridor_hides_small_groups_and_enough_others(app, capital_set):
    from tests.factories import country_id

    gb, be, ma = (country_id(app, iso) for iso in ("GB", "BE", "MA"))
    oriental, tanger = capital_set.regions["MA-02"], capital_set.regions["MA-01"]
    rows = {row.key: row for row in report(app)["corridor"].rows}
    assert set(rows) == {(gb, oriental), (gb, tanger), (be, tanger), (ma, oriental)}
    assert "→ Oriental" in rows[(gb, oriental)].label
    assert cells(rows[(gb, oriental)]) == (6, 6, 60_000, 60_000, 50_000)
    # pledged: GB→Tanger (1 investor) and BE→Tanger (2) are too small; together 3 < 5, so MA→Oriental goes too
    assert [rows[k].pledged.hidden for k in ((gb, tanger), (be, tanger), (ma, oriental))] == [
        TOO_FEW, TOO_FEW, COMPLEMENT]
    # committed: only GB→Tanger is small (the Belgians committed nothing: 0 stays visible), so one more is hidden
    assert rows[(gb, tanger)].committed.hidden == TOO_FEW
    assert rows[(ma, oriental)].committed.hidden == COMPLEMENT
    assert (rows[(be, tanger)].committed.shown_minor, rows[(be, tanger)].committed.shown_investors) == (0, 0)
    assert rows[(gb, tanger)].pledged.shown_investors is None and rows[(gb, tanger)].shown_pledges is None


def test_region_table_hides_the_single_small_region_and_the_other(app, capital_set):
    rows = {row.key[0]: row for row in report(app)["region"].rows}
    oriental, tanger = rows[capital_set.regions["MA-02"]], rows[capital_set.regions["MA-01"]]
    assert tanger.pledged.hidden == TOO_FEW and tanger.pledged.shown_investors is None
    assert oriental.pledged.hidden == COMPLEMENT  # one hidden region could be worked out from the total
    assert (tanger.committed.hidden, oriental.committed.hidden) == (TOO_FEW, COMPLEMENT)  # GB1's 50.00 alone
    assert (oriental.collected.shown_minor, oriental.collected.shown_investors) == (50_000, 5)
    assert (tanger.collected.shown_minor, tanger.collected.shown_investors) == (0, 0)
    assert (oriental.pledged.minor, oriental.pledged.investors, tanger.pledged.minor) == (110_000, 11, 65_000)


def test_month_filter_and_state_filter(app, capital_set):
    from datetime import UTC, datetime

    this_month = datetime.now(UTC).strftime("%Y-%m")
    assert cells(report(app, month_from=this_month, month_to=this_month)["month"].total)[2] == 175_000
    assert report(app, month_from="2099-01")["month"].rows == []
    assert report(app, month_from="2099-01")["month"].total.pledged.minor == 0
    assert report(app, status="draft")["sector"].rows == []


def test_sdg_and_sector_filters(app, capital_set):
    health = report(app, sector_id=capital_set.sectors["HEA"])["sector"]
    assert cells(health.total) == (11, 11, 110_000, 110_000, 50_000)
    assert report(app, sdg=17)["sector"].rows == []  # the listings are tagged SDG 3 and 8
    assert report(app, sdg=3)["sector"].total.pledged.minor == 175_000


def test_hidden_figures_that_may_share_investors_are_protected_by_one_of_five(app, make):
    """The same three investors in January and February (two hidden months of 3) and five others in March:
    their 6 is not 6 people, so March is hidden too, else the total minus March would give away 3 people."""
    from marketplace.dashboards import queries

    figures = {}
    total = queries.CapitalRow((), "Total", 11, queries.Figure(800, 8), queries.Figure(800, 8),
                               queries.Figure(800, 8))
    for month, (amount, people) in {"2026-01": (100, 3), "2026-02": (200, 3), "2026-03": (500, 5)}.items():
        figures[month] = queries.CapitalRow((month,), month, people, *(queries.Figure(amount, people)
                                                                       for _ in range(3)))
    with app.app_context(), app.test_request_context(headers={"Accept-Language": "en"}):
        queries.suppress(list(figures.values()), total)
    assert [figures[m].pledged.hidden for m in sorted(figures)] == [TOO_FEW, TOO_FEW, COMPLEMENT]
    assert total.pledged.hidden is None


def pairs_in_two_sectors(app, make):
    """Three projects in each of two sectors: the same two investors back every project of the first, six
    different investors, two by two, those of the second. Returns the cast, both sectors and each project with its
    two backers."""
    from marketplace.reference.models import Sector
    from tests.factories import PledgeFactories

    cast = PledgeFactories(app, make)
    with app.app_context():
        first, second = sorted(db.session.scalars(select(Sector.id)))[:2]
    same_two = [cast.investor("GB").id for _ in range(2)]
    six = [cast.investor("GB").id for _ in range(6)]
    backed = []
    for n in range(3):
        backed.append((cast.project(target="100000", min_ticket="10", sector_id=first), same_two))
        backed.append((cast.project(target="100000", min_ticket="10", sector_id=second), six[2 * n:2 * n + 2]))
    return cast, first, second, backed


def test_privacy_is_exact_where_cells_alone_cannot_tell(app, make):
    """Two investors backing three projects make cells of 2 that add up to 6: still only 2 people, so hidden;
    six different investors in cells of 2 are 6 people, so shown (both settled from the fact rows)."""
    from marketplace.dashboards import queries

    _, first, second, backed = pairs_in_two_sectors(app, make)
    for project, investors in backed:
        for investor in investors:
            place(app, investor, project, 1_000)
    rows = {row.key[0]: row for row in report(app, scope=queries.Scope(everything=True))["sector"].rows}
    assert (rows[first].pledged.investors, rows[first].pledged.distinct, rows[first].pledged.hidden) == (
        6, 2, TOO_FEW)
    assert (rows[second].pledged.investors, rows[second].pledged.distinct) == (6, 6)
    assert rows[second].pledged.hidden == COMPLEMENT  # the only other row: it would give the first away
    assert report(app)["sector"].total.pledged.shown_minor == 12_000  # 8 distinct investors in all


def test_only_the_collected_bucket_is_settled_when_the_cells_settle_the_others(app, make, count_queries):
    """Five investors per project, so every pledged cell settles itself; but the same two investors paid in each
    of three projects (collected cells of 2, adding up to 6): only the collected bucket is counted from the fact
    rows, it finds 2 people and hides them; six different payers in cells of 2 are shown."""
    from marketplace.dashboards import queries
    from tests.dashboards.conftest import step

    cast, first, second, backed = pairs_in_two_sectors(app, make)
    for project, payers in backed:
        for investor in payers:
            step(app, place(app, investor, project, 10_000), "start_collection", "mark_paid")
        for _ in range(3):
            step(app, place(app, cast.investor("GB").id, project, 5_000), "start_collection")
    everything = queries.Scope(everything=True)
    with app.app_context(), app.test_request_context(headers={"Accept-Language": "en"}):
        total = queries.capital_total(everything)
        with count_queries() as statements:
            table = queries.capital_table("sector", everything, total=total)
    rows = {row.key[0]: row for row in table.rows}
    settling = [s for s in statements if "dashboard_capital_facts" in s]
    assert len(settling) == 1 and "paid_pledges > 0" in settling[0]  # one bucket, read through its own index
    assert (rows[first].committed.distinct, rows[first].committed.hidden) == (5, None)
    assert (rows[first].pledged.distinct, rows[first].pledged.hidden) == (5, None)
    assert (rows[first].collected.investors, rows[first].collected.distinct, rows[first].collected.hidden) == (
        6, 2, TOO_FEW)
    assert (rows[second].collected.distinct, rows[second].collected.hidden) == (6, COMPLEMENT)
    assert rows[second].pledged.hidden is None


# --- pages, CSV, access -------------------------------------------------------------------------------------

def login(browserless, user):
    browserless.login(user.email, user.password)


def test_page_csv_and_query_function_agree_to_the_cent(app, browserless, authority, capital_set):
    login(browserless, authority)
    tables = report(app)
    pages = {}
    for name, table in tables.items():
        page = browserless.client.get(f"/dashboards/capital?by={name}", headers={"Accept-Language": "en"})
        assert page.status_code == 200
        pages[name] = html = page.get_data(as_text=True)
        shown = [row.pledged.shown_minor for row in table.rows]
        assert re.findall(r'<td class="plan-amount" data-pledged="(\d*)"', html)[:len(shown)] == [
            "" if value is None else str(value) for value in shown]
        response = browserless.client.get(f"/dashboards/capital/{name}.csv", headers={"Accept-Language": "en"})
        assert response.status_code == 200 and response.mimetype == "text/csv"
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
        body = {r[0]: r for r in rows[1:] if len(r) > 3}
        for row in [*table.rows, table.total]:
            line = body[row.label]
            for column, measure in ((3, "pledged"), (5, "committed"), (7, "collected")):
                shown = row.figure(measure).shown_minor
                assert line[column] == ("" if shown is None else f"{shown / 100:.2f}")
    html = pages["sector"]
    total = tables["sector"].total
    assert f'data-pledged="{total.pledged.minor}"' in html
    assert f'data-collected="{total.collected.minor}"' in html
    assert TOO_FEW in pages["corridor"] and "1 MAD = " in html
    for html in pages.values():
        assert not _investor_names(app, capital_set) & set(re.findall(r"[\w.@ ]+", html))  # no names, no e-mails
        for name in _investor_names(app, capital_set):
            assert not re.search(rf"{re.escape(name)}\b", html)


def _investor_names(app, capital_set) -> set[str]:
    from marketplace.accounts.models import User

    with app.app_context():
        users = [db.session.get(User, i) for i in capital_set.investors.values()]
        return {u.display_name for u in users} | {u.email for u in users}


def test_foreign_authority_sees_nothing_of_morocco(app, make, browserless, capital_set):
    from tests.factories import country_id

    tunisia = country_id(app, "TN")
    reviewer = make.user(organisation=make.organisation(type="ministry", country_id=tunisia))
    login(browserless, reviewer)
    page = browserless.client.get("/dashboards/capital", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert 'data-pledged="175000"' not in page.get_data(as_text=True)
    refused = browserless.client.get(f"/dashboards/capital?country={capital_set.morocco}",
                                     headers={"Accept-Language": "en"})
    assert refused.status_code == 400
    assert "not one you can see figures for" in refused.get_data(as_text=True)
    csv_refused = browserless.client.get(f"/dashboards/capital/sector.csv?country={capital_set.morocco}")
    assert csv_refused.status_code == 400 and b"175000" not in csv_refused.data


def test_partner_member_sees_only_their_organisations_projects(app, make, capital_set):
    from marketplace.accounts.models import User
    from marketplace.dashboards import queries
    from tests.factories import PledgeFactories

    other = PledgeFactories(app, make)
    project = other.project(target="100000", min_ticket="10")
    for _ in range(5):
        place(app, other.investor("MA").id, project, 20_000)
    member = make.user(organisation=capital_set.cast.owner_org)
    with app.app_context(), app.test_request_context():
        scope = queries.scope_for(db.session.get(User, member.id))
        assert queries.capital_total(scope).pledged.minor == 175_000
        assert queries.capital_total(queries.Scope(everything=True)).pledged.minor == 275_000


def test_investors_and_strangers_are_refused(app, make, browserless, capital_set):
    assert browserless.client.get("/dashboards/capital").status_code == 302  # to the login page
    investor = make.investor()
    login(browserless, investor)
    assert browserless.client.get("/dashboards/capital").status_code == 403
    assert browserless.client.get("/dashboards/capital/sector.csv").status_code == 403


@pytest.mark.parametrize("query, message", [
    ("region=999999", "Unknown region."),
    ("sector=abc", "Unknown sector."),
    ("sdg=18", "Choose a Sustainable Development Goal"),
    ("state=flying", "Unknown project state."),
    ("from=2026-13", "Write months as year-month"),
    ("from=2026-05&to=2026-01", "The period ends before it starts"),
    ("programme=99999999999999999999", "Unknown programme."),
    ("by=investor", "Unknown breakdown"),
    ("country=²", "This country is not one you can see figures for."),  # a digit to isdigit(), not to int()
    ("from=٢٠٢٦-03", "Write months as year-month"),  # Arabic-Indic digits
])
def test_bad_filters_get_a_clear_message_never_a_500(browserless, authority, query, message):
    login(browserless, authority)
    response = browserless.client.get(f"/dashboards/capital?{query}", headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_unknown_csv_table_is_not_found(browserless, authority):
    login(browserless, authority)
    assert browserless.client.get("/dashboards/capital/nonsense.csv").status_code == 404


@pytest.mark.parametrize("by", ["corridor", "sector", "month"])
def test_page_statements_do_not_grow_with_the_data(app, browserless, authority, capital_set, count_queries, by):
    login(browserless, authority)
    browserless.client.get(f"/dashboards/capital?by={by}")
    with count_queries() as before:
        browserless.client.get(f"/dashboards/capital?by={by}")
    for i in range(4):
        place(app, capital_set.investors[f"MA{i + 1}"], capital_set.projects["A"], 1_000 + i)
    with count_queries() as after:
        browserless.client.get(f"/dashboards/capital?by={by}")
    assert len(after) == len(before) <= 16


def test_chart_script_is_served_from_npm_not_a_cdn(app, browserless, authority, capital_set):
    from marketplace.dashboards.views import CHART_JS

    if not (CHART_JS / "chart.umd.js").is_file():
        pytest.skip("Chart.js is not installed (make assets)")
    login(browserless, authority)
    html = browserless.client.get("/dashboards/capital?by=sector").get_data(as_text=True)
    assert re.search(r'<script src="/dashboards/vendor/chart.umd.js" nonce=', html)
    assert 'type="application/json" id="chart-sector"' in html
    assert "cdn" not in html.lower()
    script = browserless.client.get("/dashboards/vendor/chart.umd.js")
    assert script.status_code == 200 and script.mimetype == "text/javascript"
    script.close()


@pytest.mark.parametrize("filters", [{}, {"status": "published"}, {"month_from": "2000-01"}, {"region_id": "MA-02"}])
def test_corridor_rows_agree_with_the_cells(app, capital_set, monkeypatch, filters):
    """The corridor table read from its own rows equals the same table added up from the cells."""
    from marketplace.dashboards import queries

    if "region_id" in filters:
        filters = {"region_id": capital_set.regions[filters["region_id"]]}

    def shown(table):
        return [(row.key, row.label, cells(row), row.committed.shown_investors, row.collected.shown_investors,
                 [row.figure(m).hidden for m in queries.MEASURES]) for row in table.rows]

    fast = report(app, **filters)["corridor"]
    monkeypatch.setattr(queries, "corridor_rows_serve", lambda scope, filters: False)
    slow = report(app, **filters)["corridor"]
    assert fast.rows and shown(fast) == shown(slow)


def test_corridor_rows_follow_a_project_that_changes_state(app, make, capital_set):
    from marketplace.accounts.models import User
    from marketplace.dashboards.maintenance import drift
    from marketplace.projects.lifecycle import transition
    from marketplace.projects.models import Project
    from tests.factories import country_id

    admin = make.admin()
    with app.app_context(), app.test_request_context():
        project = db.session.get(Project, capital_set.projects["C"])
        transition(project, "suspend", actor=db.session.get(User, admin.id), note="Documents to check.")
        db.session.commit()
        assert drift() == []
    key = (country_id(app, "MA"), capital_set.regions["MA-02"])
    suspended = {row.key: row for row in report(app, status="suspended")["corridor"].rows}
    assert list(suspended) == [key] and cells(suspended[key]) == (5, 5, 50_000, 50_000, 0)
    assert key not in {row.key for row in report(app, status="published")["corridor"].rows}
