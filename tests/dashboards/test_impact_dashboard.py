"""The impact dashboard against hand-computed figures.

Periods: P1 = 2023, P2 = 2024 (both ended), P3 = 2099 (not yet due). Targets per period in brackets.

Project A  Oriental, health, programme X, owner O:
    PI3687 jobs (sum) [10, 10, 10]: P1 8 verified (women 3; aged 15-24: 2 of 8), P2 6 verified (women 3, no age split)
    OI8869 employees (latest, baseline 10) [12, 14, 16]: P1 11 verified, P2 13 approved but not verified
Project B  Oriental, other sector, no programme, owner O:
    PI3687 [4, 6, 8]: P1 4 verified (women 2), P2 5 submitted
    OI8869 (baseline 5) [6, 7, 8]: P1 9 verified, P2 7 verified
Project C  Tanger, health, no programme, another owner:
    PI3687 [5, 5, 5]: nothing reported

Due by now (P1 and P2), per project: A jobs 14 of 20 (70 percent), A employees 11 (latest counted) of 14 (latest
due) = 79 percent, B jobs 4 of 10, B employees 7 of 7, C jobs nothing of 10. Behind (under 80 percent or no
value): C jobs, B jobs, A jobs, A employees.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from tests.factories import PledgeFactories, country_id

PERIODS = ((date(2023, 1, 1), date(2023, 12, 31)), (date(2024, 1, 1), date(2024, 12, 31)),
           (date(2099, 1, 1), date(2099, 12, 31)))
EN = {"Accept-Language": "en"}


@dataclass
class ImpactSet:
    projects: dict
    regions: dict
    sectors: dict
    programme: int
    reviewer: object
    owner_org: object
    owner: object
    indicators: dict  # code -> catalogue id
    morocco: int


def _call(app, work):
    with app.app_context(), app.test_request_context(headers=EN):
        result = work()
        db.session.commit()
        return result


def _project(app, make, cast, reviewer, *, region, sector, indicators, programme=None):
    """A funded project with a confirmed framework of three periods; returns (id, {code: project indicator id},
    [period ids], reporter, monitor)."""
    from marketplace.accounts.models import User
    from marketplace.impact import framework as frameworks
    from marketplace.impact.models import Indicator
    from marketplace.organisations.models import Organisation
    from marketplace.ppp.partners import assign_role, change_status
    from marketplace.projects.models import Project

    project_id = cast.project(status="draft", currency="MAD", target="100000", min_ticket="100", region_id=region,
                              sector_id=sector)
    agency = make.organisation(type="implementing_agency")
    monitor = make.user(organisation=agency)
    reporter = make.user(organisation=cast.owner_org)

    def build():
        project = db.session.get(Project, project_id)
        owner = db.session.get(User, cast.owner.id)
        role = assign_role(owner, project, db.session.get(Organisation, agency.id), iati_role=4, iati_org_type="40",
                           functions=["implementer", "monitor"])
        change_status(owner, role, "agree")
        codes = {code: id_ for code, id_ in db.session.execute(select(Indicator.code, Indicator.id))}  # noqa: C416
        periods = [frameworks.add_period(owner, project, starts_on=s, ends_on=e).id for s, e in PERIODS]
        found = {}
        for code, (baseline, targets) in indicators.items():
            found[code] = frameworks.add_indicator(owner, project, codes[code], baseline=baseline,
                                                   baseline_on=date(2022, 12, 31)).id
            for period, target in zip(periods, targets, strict=True):
                frameworks.set_target(owner, project, found[code], period, target)
        project.status = "in_review"
        db.session.flush()
        frameworks.confirm(db.session.get(User, reviewer.id), project)
        project.status = "in_implementation"
        project.programme_id = programme  # set directly: the programme's financing rules are not under test
        return found, periods

    found, periods = _call(app, build)
    return project_id, found, periods, reporter, monitor


def _value(app, project_id, pi_id, period_id, value, *, reporter, monitor, reviewer, to, parts=None):
    from marketplace.accounts.models import User
    from marketplace.impact.models import ReportedValue
    from marketplace.impact.reporting import change_status, report_value
    from marketplace.projects.models import Project

    value_id = _call(app, lambda: report_value(
        db.session.get(User, reporter.id), db.session.get(Project, project_id), project_indicator_id=pi_id,
        period_id=period_id, value=value, parts=parts).id)
    steps = [("submit", reporter), ("approve", monitor), ("verify", reviewer)]
    for action, who in steps[:{"submitted": 1, "approved": 2, "verified": 3}[to]]:
        _call(app, lambda action=action, who=who: change_status(
            db.session.get(User, who.id), db.session.get(ReportedValue, value_id), action))
    return value_id


def build_impact_set(app, make) -> ImpactSet:
    from marketplace.impact.catalogue import load_indicator_catalogue
    from marketplace.impact.models import Indicator
    from marketplace.programmes.models import Programme
    from marketplace.reference.models import Region, Sector

    morocco = country_id(app, "MA")
    reviewer = make.user(organisation=make.organisation(type="ministry", country_id=morocco))

    def reference():
        load_indicator_catalogue()
        programme = Programme(code="TESTX", name_en="Programme X", name_fr="Programme X", name_ar="Programme X")
        db.session.add(programme)
        db.session.flush()
        regions = {r.iso_code: r.id for r in db.session.scalars(select(Region).where(
            Region.iso_code.in_(("MA-01", "MA-02"))))}
        sectors = {s.code: s.id for s in db.session.scalars(select(Sector))}
        indicators = {code: id_ for code, id_ in db.session.execute(select(Indicator.code, Indicator.id))}  # noqa: C416
        return regions, sectors, programme.id, indicators

    regions, sectors, programme, indicators = _call(app, reference)
    other = next(code for code in sorted(sectors) if code != "HEA")
    cast, stranger_cast = PledgeFactories(app, make), PledgeFactories(app, make)
    a, a_pi, periods_a, reporter_a, monitor_a = _project(
        app, make, cast, reviewer, region=regions["MA-02"], sector=sectors["HEA"], programme=programme,
        indicators={"PI3687": ("0", ("10", "10", "10")), "OI8869": ("10", ("12", "14", "16"))})
    b, b_pi, periods_b, reporter_b, monitor_b = _project(
        app, make, cast, reviewer, region=regions["MA-02"], sector=sectors[other],
        indicators={"PI3687": ("0", ("4", "6", "8")), "OI8869": ("5", ("6", "7", "8"))})
    c, _c_pi, _periods_c, _reporter_c, _monitor_c = _project(
        app, make, stranger_cast, reviewer, region=regions["MA-01"], sector=sectors["HEA"],
        indicators={"PI3687": ("0", ("5", "5", "5"))})
    people_a = {"reporter": reporter_a, "monitor": monitor_a, "reviewer": reviewer}
    people_b = {"reporter": reporter_b, "monitor": monitor_b, "reviewer": reviewer}
    _value(app, a, a_pi["PI3687"], periods_a[0], "8", to="verified", **people_a,
           parts={"sex": {"female": "3", "male": "5"}, "age_band": {"15-24": "2", "25-34": "4", "35+": "2"}})
    _value(app, a, a_pi["PI3687"], periods_a[1], "6", to="verified", **people_a,
           parts={"sex": {"female": "3", "male": "3"}})
    _value(app, a, a_pi["OI8869"], periods_a[0], "11", to="verified", **people_a)
    _value(app, a, a_pi["OI8869"], periods_a[1], "13", to="approved", **people_a)
    _value(app, b, b_pi["PI3687"], periods_b[0], "4", to="verified", **people_b,
           parts={"sex": {"female": "2", "male": "2"}})
    _value(app, b, b_pi["PI3687"], periods_b[1], "5", to="submitted", **people_b)
    _value(app, b, b_pi["OI8869"], periods_b[0], "9", to="verified", **people_b)
    _value(app, b, b_pi["OI8869"], periods_b[1], "7", to="verified", **people_b)
    return ImpactSet({"A": a, "B": b, "C": c}, regions, {"HEA": sectors["HEA"], "other": sectors[other]}, programme,
                     reviewer, cast.owner_org, cast.owner, indicators, morocco)


@pytest.fixture
def impact_set(app, make) -> ImpactSet:
    return build_impact_set(app, make)


def report(app, scope=None, today=date(2026, 6, 1), **filters):
    from marketplace.dashboards import impact_queries as iq
    from marketplace.dashboards.queries import Scope

    with app.app_context(), app.test_request_context(headers=EN):
        return iq.impact_report(scope or Scope(everything=True), iq.ImpactFilters(**filters), today=today)


def figures(row):
    return (row.projects, row.actual, row.target, row.percent, row.behind)


def rows_by(table, key):
    return {(row.key, row.indicator.code): row for row in table if row.key == key}


D = Decimal


def test_indicator_totals_count_only_verified_values_by_each_rule(app, impact_set):
    rows = {row.indicator.code: row for row in report(app).indicators}
    # jobs: A 8 + 6, B 4 (its 5 is only submitted), C nothing; targets due 20 + 10 + 10
    assert figures(rows["PI3687"]) == (3, D(18), D(40), 45, 3)
    # employees, latest rule: A 11 (its 13 is approved, not verified) + B 7; latest targets due 14 + 7
    assert figures(rows["OI8869"]) == (2, D(18), D(21), 86, 1)


def test_region_sector_and_programme_roll_ups(app, impact_set):
    result = report(app)
    oriental, tanger = impact_set.regions["MA-02"], impact_set.regions["MA-01"]
    region = {(row.key, row.indicator.code): row for row in result.by["region"]}
    assert figures(region[(oriental, "PI3687")]) == (2, D(18), D(30), 60, 2)
    assert figures(region[(oriental, "OI8869")]) == (2, D(18), D(21), 86, 1)
    assert figures(region[(tanger, "PI3687")]) == (1, None, D(10), None, 1)
    assert region[(oriental, "PI3687")].label == "Oriental (the East)"
    sector = {(row.key, row.indicator.code): row for row in result.by["sector"]}
    assert figures(sector[(impact_set.sectors["HEA"], "PI3687")]) == (2, D(14), D(30), 47, 2)  # A and C
    assert figures(sector[(impact_set.sectors["other"], "OI8869")]) == (1, D(7), D(7), 100, 0)
    programme = {(row.key, row.indicator.code): row for row in result.by["programme"]}
    assert figures(programme[(impact_set.programme, "OI8869")]) == (1, D(11), D(14), 79, 1)
    assert figures(programme[(None, "PI3687")]) == (2, D(4), D(20), 20, 2)
    assert programme[(None, "PI3687")].label == "No programme"


def test_jobs_with_the_share_of_women_and_of_youth(app, impact_set):
    result = report(app)
    total = result.jobs_total
    assert (total.jobs, total.target) == (D(18), D(40))
    assert total.women_share == D("44.4")  # 3 + 3 + 2 women of 18 jobs, all split by sex
    assert total.youth_share == D("25.0")  # 2 of the 8 jobs split by age band
    assert (total.sex_coverage, total.age_coverage) == (D("100.0"), D("44.4"))
    [oriental] = [row for row in result.jobs if row.key == impact_set.regions["MA-02"]]
    assert oriental.jobs == D(18)


def test_projects_behind_target_worst_first(app, impact_set):
    result = report(app)
    listed = [(row.project_id, row.indicator.code, row.actual, row.target, row.percent) for row in result.behind]
    p = impact_set.projects
    assert listed == [(p["C"], "PI3687", None, D(10), None), (p["B"], "PI3687", D(4), D(10), 40),
                      (p["A"], "PI3687", D(14), D(20), 70), (p["A"], "OI8869", D(11), D(14), 79)]
    assert result.behind_count == 4


def test_a_window_counts_the_periods_ending_in_it(app, impact_set):
    rows = {row.indicator.code: row for row in report(app, month_from="2024-01", month_to="2024-12").indicators}
    # 2024 only: A jobs 6 of 10, B jobs nothing counted of 6, C nothing of 5; employees: A's last counted value
    # (2023) is outside the window, B 7 of 7
    assert figures(rows["PI3687"]) == (3, D(6), D(21), 29, 3)
    assert figures(rows["OI8869"]) == (2, D(7), D(21), 33, 1)
    first_year = {row.indicator.code: row for row in report(app, month_to="2023-12").indicators}
    assert figures(first_year["PI3687"]) == (3, D(12), D(19), 63, 1)  # A's 8 of 10 is exactly 80: not behind


def test_periods_not_yet_ended_do_not_count(app, impact_set):
    rows = {row.indicator.code: row for row in report(app, today=date(2024, 12, 31)).indicators}
    assert figures(rows["PI3687"])[1:3] == (D(12), D(19))  # 2024 ends today: only 2023 is due
    assert report(app, today=date(2023, 6, 1)).indicators == []


def test_summary_equals_a_rebuild(app, impact_set):
    from marketplace.dashboards.impact_maintenance import drift, rebuild

    with app.app_context():
        assert drift() == []
        rebuild()
        db.session.commit()
        assert drift() == []
    assert figures({r.indicator.code: r for r in report(app).indicators}["PI3687"]) == (3, D(18), D(40), 45, 3)


def test_reopening_a_framework_takes_its_targets_out_until_confirmed_again(app, impact_set):
    from marketplace.accounts.models import User
    from marketplace.dashboards.impact_maintenance import drift
    from marketplace.impact import framework as frameworks
    from marketplace.projects.models import Project

    with app.app_context(), app.test_request_context(headers=EN):
        project = db.session.get(Project, impact_set.projects["A"])
        project.status = "changes_requested"  # back with its owner: the framework may change, and reopens
        frameworks.add_period(db.session.get(User, impact_set.owner.id), project, starts_on=date(2100, 1, 1),
                              ends_on=date(2100, 12, 31))
        db.session.commit()
        assert project.status == "changes_requested" and drift() == []
    assert figures({r.indicator.code: r for r in report(app).indicators}["PI3687"]) == (2, D(4), D(20), 20, 2)


def test_a_project_that_moves_takes_its_figures_along(app, impact_set):
    """The summary rows carry their project's keys: moving B to Tanger, to health and into programme X (as a
    listing edit does, through the ORM) moves its figures there in the same transaction."""
    from marketplace.dashboards.impact_maintenance import drift
    from marketplace.projects.models import Project

    tanger, oriental = impact_set.regions["MA-01"], impact_set.regions["MA-02"]
    with app.app_context():
        project = db.session.get(Project, impact_set.projects["B"])
        project.region_id, project.sector_id = tanger, impact_set.sectors["HEA"]
        project.programme_id = impact_set.programme
        db.session.commit()
        assert drift() == []
    result = report(app)
    region = {(row.key, row.indicator.code): row for row in result.by["region"]}
    assert figures(region[(oriental, "PI3687")]) == (1, D(14), D(20), 70, 1)  # A alone
    assert figures(region[(tanger, "PI3687")]) == (2, D(4), D(20), 20, 2)  # B and C
    assert figures(region[(tanger, "OI8869")]) == (1, D(7), D(7), 100, 0)
    sector = {(row.key, row.indicator.code): row for row in result.by["sector"]}
    assert (impact_set.sectors["other"], "OI8869") not in sector
    assert figures(sector[(impact_set.sectors["HEA"], "PI3687")]) == (3, D(18), D(40), 45, 3)
    programme = {(row.key, row.indicator.code): row for row in result.by["programme"]}
    assert figures(programme[(impact_set.programme, "OI8869")]) == (2, D(18), D(21), 86, 1)
    in_tanger = {row.indicator.code: figures(row) for row in report(app, region_id=tanger).indicators}
    assert in_tanger == {"PI3687": (2, D(4), D(20), 20, 2), "OI8869": (1, D(7), D(7), 100, 0)}
    assert {row.project_id for row in report(app, region_id=oriental).behind} == {impact_set.projects["A"]}


def test_a_scope_of_countries_and_organisations_sees_either(app, impact_set):
    """On PostgreSQL the country comes from the summary rows' own keys and the organisation through its projects;
    a scope naming both sees the projects of either (A and B are the organisation's, C is another owner's)."""
    from marketplace.dashboards.queries import Scope

    a, b, c = (impact_set.projects[name] for name in "ABC")
    senegal = country_id(app, "SN")

    def behind(scope) -> set[int]:
        return {row.project_id for row in report(app, scope=scope).behind}

    organisation = frozenset({impact_set.owner_org.id})
    assert behind(Scope(organisation_ids=organisation)) == {a, b}
    assert behind(Scope(country_ids=frozenset({senegal}), organisation_ids=organisation)) == {a, b}
    assert behind(Scope(country_ids=frozenset({impact_set.morocco}), organisation_ids=frozenset({0}))) == {a, b, c}
    assert behind(Scope(country_ids=frozenset({impact_set.morocco}))) == {a, b, c}
    assert behind(Scope(everything=True)) == {a, b, c}
    assert report(app, scope=Scope(country_ids=frozenset({senegal}))).indicators == []
    assert report(app, scope=Scope()).indicators == []


def test_a_move_racing_a_verification_leaves_no_row_behind(app, impact_set):
    """A listing edit moves B while another transaction recomputes one of B's indicators (a value verified): the
    recomputation holds B's row under a share lock, so the move waits for it and then moves its new rows too."""
    import threading
    import time

    from marketplace.dashboards.impact_maintenance import drift, on_results_change
    from marketplace.impact.models import ProjectIndicator, ResultsFramework
    from marketplace.projects.models import Project

    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("SQLite runs one writing transaction at a time")
    project_id, tanger = impact_set.projects["B"], impact_set.regions["MA-01"]
    errors: list[BaseException] = []

    def move() -> None:
        try:
            with app.app_context():
                db.session.get(Project, project_id).region_id = tanger
                db.session.commit()
        except BaseException as error:  # reported below
            errors.append(error)

    with app.app_context():
        framework_id, pi_id = db.session.execute(
            select(ResultsFramework.id, ProjectIndicator.id)
            .join(ProjectIndicator, ProjectIndicator.framework_id == ResultsFramework.id)
            .where(ResultsFramework.project_id == project_id).order_by(ProjectIndicator.id).limit(1)).one()
        on_results_change(framework_id, pi_id)  # its rows deleted and inserted again, not yet committed
        mover = threading.Thread(target=move)
        mover.start()
        time.sleep(0.5)  # the move reaches B's row and waits for this transaction
        db.session.commit()
    mover.join(10)
    assert not mover.is_alive() and not errors, errors
    with app.app_context():
        assert db.session.get(Project, project_id).region_id == tanger
        assert drift() == []


def test_roll_up_averages_percentages_and_adds_quantities():
    from marketplace.dashboards.impact_queries import Cell, IndicatorInfo, roll_up

    rate = IndicatorInfo(1, "R", "Rate", "%", "percentage", "average", True)
    count = IndicatorInfo(2, "C", "Count", "persons", "unit", "latest", True)
    cell = Cell(projects=2, actual_sum=300_000 + 500_000, actuals=2, target_sum=1_000_000, targets=2)
    assert roll_up(rate, cell) == (D(40), D(50))
    assert roll_up(count, cell) == (D(80), D(100))


# --- pages, CSV, access -------------------------------------------------------------------------------------

def login(browserless, user):
    browserless.login(user.email, user.password)


def csv_rows(browserless, table, query=""):
    response = browserless.client.get(f"/dashboards/impact/{table}.csv{query}", headers=EN)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_page_and_csv_agree_with_the_report(app, browserless, impact_set):
    from marketplace.impact.reporting import plain_number

    login(browserless, impact_set.reviewer)
    page = browserless.client.get("/dashboards/impact", headers=EN)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    result = report(app, today=date.today())
    indicators = {row[0]: row for row in csv_rows(browserless, "indicators")[1:]}
    for row in result.indicators:
        line = indicators[row.indicator.label]
        assert line[3:8] == [str(row.projects), plain_number(row.actual), plain_number(row.target),
                             str(row.percent), str(row.behind)]
        assert f'data-actual="{row.actual}"' in html
    region = csv_rows(browserless, "region")
    assert [line[0] for line in region[1:]] == [row.label for row in result.by["region"]]
    jobs = csv_rows(browserless, "jobs")
    assert jobs[-1][:5] == ["Total", "18", "40", "44.4", "25.0"]
    assert 'data-women-total="44.4"' in html and 'data-youth-total="25.0"' in html
    behind = csv_rows(browserless, "behind")
    assert [line[6].rsplit("/", 2)[-2] for line in behind[1:]] == [str(row.project_id) for row in result.behind]
    for row in result.behind:
        assert f'href="/projects/{row.project_id}/impact"' in html
    assert html.count('class="behind-target"') == 4
    for table in ("sector", "programme"):
        assert len(csv_rows(browserless, table)) == len(result.by[table]) + 1


def test_csv_follows_the_filters(browserless, impact_set):
    login(browserless, impact_set.reviewer)
    rows = csv_rows(browserless, "region", f"?sector={impact_set.sectors['HEA']}&from=2024-01&to=2024-12")
    assert {(line[0], line[1].split(" ")[0], line[4]) for line in rows[1:]} == {
        ("Oriental (the East)", "PI3687", "6"), ("Oriental (the East)", "OI8869", ""),
        ("Tangier-Tetouan-Al Hoceima", "PI3687", "")}


def test_the_region_table_reads_right_to_left_in_arabic(make, browserless, impact_set):
    reader = make.user(organisation=make.organisation(type="ministry", country_id=impact_set.morocco), locale="ar")
    login(browserless, reader)
    html = browserless.client.get("/dashboards/impact").get_data(as_text=True)
    assert 'dir="rtl"' in html
    region = html[html.index('data-table="region"'):html.index('data-table="sector"')]
    assert region.count('<th scope="row"><bdi>') == 3  # names isolated, so Latin and Arabic never reorder
    assert 'class="plan-amount"' in region  # figures align to the end: the left edge in Arabic


def test_an_authority_of_another_country_sees_none_of_it(app, make, browserless, impact_set):
    reviewer = make.user(organisation=make.organisation(type="ministry", country_id=country_id(app, "TN")))
    login(browserless, reviewer)
    page = browserless.client.get("/dashboards/impact", headers=EN)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "data-actual=" not in html and "behind-target" not in html
    assert len(csv_rows(browserless, "indicators")) == 1
    refused = browserless.client.get(f"/dashboards/impact?country={impact_set.morocco}", headers=EN)
    assert refused.status_code == 400 and "not one you can see figures for" in refused.get_data(as_text=True)


def test_a_partner_member_sees_only_their_organisations_projects(app, make, impact_set):
    from marketplace.accounts.models import User
    from marketplace.dashboards.queries import scope_for

    member = make.user(organisation=impact_set.owner_org)
    with app.app_context():
        scope = scope_for(db.session.get(User, member.id))
    result = report(app, scope=scope)
    assert {row.project_id for row in result.behind} == {impact_set.projects["A"], impact_set.projects["B"]}
    assert figures({r.indicator.code: r for r in result.indicators}["PI3687"]) == (2, D(18), D(30), 60, 2)


def test_investors_are_refused(make, browserless, impact_set):
    assert browserless.client.get("/dashboards/impact").status_code == 302  # to the login page
    login(browserless, make.investor())
    assert browserless.client.get("/dashboards/impact").status_code == 403
    assert browserless.client.get("/dashboards/impact/region.csv").status_code == 403


@pytest.mark.parametrize("query, message", [
    ("indicator=999999", "Unknown indicator."),
    ("region=abc", "Unknown region."),
    ("programme=99999999999999999999", "Unknown programme."),
    ("from=2026-13", "Write months as year-month"),
    ("from=0001-01", "Choose months between 1990 and 2100."),
    ("to=9999-12", "Choose months between 1990 and 2100."),
    ("from=2025-05&to=2025-01", "The period ends before it starts"),
])
def test_bad_filters_get_a_clear_message_never_a_500(browserless, impact_set, query, message):
    login(browserless, impact_set.reviewer)
    response = browserless.client.get(f"/dashboards/impact?{query}", headers=EN)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    refused = browserless.client.get(f"/dashboards/impact/region.csv?{query}", headers=EN)
    assert refused.status_code == 400 and message in refused.get_data(as_text=True)


def test_unknown_csv_table_is_not_found(browserless, impact_set):
    login(browserless, impact_set.reviewer)
    assert browserless.client.get("/dashboards/impact/nonsense.csv").status_code == 404


def test_page_statements_do_not_grow_with_the_data(app, make, browserless, impact_set, count_queries):
    login(browserless, impact_set.reviewer)
    browserless.client.get("/dashboards/impact")
    with count_queries() as before:
        assert browserless.client.get("/dashboards/impact").status_code == 200
    cast = PledgeFactories(app, make)
    for region in ("MA-01", "MA-02"):
        project, pis, periods, reporter, monitor = _project(
            app, make, cast, impact_set.reviewer, region=impact_set.regions[region], sector=impact_set.sectors["other"],
            indicators={"PI3687": ("0", ("3", "3", "3"))})
        _value(app, project, pis["PI3687"], periods[0], "1", reporter=reporter, monitor=monitor,
               reviewer=impact_set.reviewer, to="verified", parts={"sex": {"female": "1", "male": "0"}})
    with count_queries() as after:
        assert browserless.client.get("/dashboards/impact").status_code == 200
    assert len(after) == len(before) <= 15


def test_rebuild_command_recomputes_the_summary(app, runner, impact_set):
    from marketplace.dashboards.impact_maintenance import drift
    from marketplace.dashboards.impact_models import ImpactFact

    with app.app_context():
        db.session.execute(db.delete(ImpactFact))
        db.session.commit()
        assert drift()
    result = runner.invoke(args=["dashboards", "rebuild-impact"])
    assert result.exit_code == 0 and "dashboard_impact_facts rebuilt: 15 rows." in result.output
    with app.app_context():
        assert drift() == []
