"""The public catalogue: filters in the URL, search, sorting, paging, and a constant query count."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.projects.models import Project
from tests.projects.test_vetting_journey import publish


@pytest.fixture
def catalogue(app, cast, projects):
    """Three published projects in different regions, sectors and instruments, and one draft."""
    from marketplace.reference.models import Region, Sector

    ids = {}
    for key, title, region, sector, instrument in [
        ("clinic", "Centre de radiologie Oujda", "MA-02", "HEA", "equity"),
        ("olive", "Unité d'huile d'olive Berkane", "MA-02", "AGR", "loan"),
        ("solar", "Pompage solaire El Kelaâ", "MA-07", "ENR", "revenue_share"),
    ]:
        with app.app_context():
            region_id = db.session.scalar(select(Region.id).where(Region.iso_code == region))
            sector_id = db.session.scalar(select(Sector.id).where(Sector.code == sector))
        ids[key] = publish(app, cast, projects, title=title, region_id=region_id, sector_id=sector_id,
                           instrument=instrument)
    ids["draft"] = projects.draft(owner=cast.owner, organisation=cast.ngo, bank=cast.bank, title="Projet brouillon")
    with app.app_context():
        db.session.get(Project, ids["olive"]).pledged_minor = 124_000_000
        db.session.get(Project, ids["solar"]).campaign_ends_on = date.today() + timedelta(days=5)
        db.session.commit()
    return ids


def titles(client, query: str = "") -> list[str]:
    html = client.get(f"/projects/?{query}").get_data(as_text=True)
    return [t for t in ("Centre de radiologie Oujda", "Unité d&#39;huile d&#39;olive Berkane",
                        "Pompage solaire El Kelaâ", "Projet brouillon") if t in html]


def test_catalogue_lists_published_projects_only(client, catalogue):
    assert len(titles(client)) == 3
    assert "Projet brouillon" not in titles(client)


@pytest.mark.parametrize(("query", "expected"), [
    ("region=MA-07", ["Pompage solaire El Kelaâ"]),
    ("sector=AGR", ["Unité d&#39;huile d&#39;olive Berkane"]),
    ("instrument=equity", ["Centre de radiologie Oujda"]),
    ("country=MA&region=MA-02&instrument=loan", ["Unité d&#39;huile d&#39;olive Berkane"]),
    ("sdg=3", ["Centre de radiologie Oujda", "Unité d&#39;huile d&#39;olive Berkane", "Pompage solaire El Kelaâ"]),
    ("sdg=13", []),
    ("state=closing_soon", ["Pompage solaire El Kelaâ"]),
    ("q=olive", ["Unité d&#39;huile d&#39;olive Berkane"]),
    ("q=Oujda", ["Centre de radiologie Oujda"]),
    ("q=pompage+solaire", ["Pompage solaire El Kelaâ"]),
    ("q=scanner", ["Centre de radiologie Oujda", "Unité d&#39;huile d&#39;olive Berkane", "Pompage solaire El Kelaâ"]),
    ("q=nothing-matches-this", []),
    ("region=XX-99&sort=bogus&page=abc", []),
])
def test_filters_and_search_are_shareable_urls(client, catalogue, query, expected):
    assert titles(client, query) == expected


def test_sorting_by_funding_and_closing_date(client, catalogue):
    html = client.get("/projects/?sort=funded").get_data(as_text=True)
    assert html.index("Berkane") < html.index("Oujda")
    html = client.get("/projects/?sort=closing").get_data(as_text=True)
    assert html.index("El Kelaâ") < html.index("Oujda")


def test_progress_and_amounts_are_shown_in_the_visitors_locale(client, catalogue):
    html = client.get("/projects/?sector=AGR").get_data(as_text=True)
    assert 'value="99"' in html  # 1,240,000 of 1,250,000 MAD
    assert "MAD1,240,000" in html and "MAD1,240,000.00" not in html  # whole amounts without decimals


def test_catalogue_takes_a_fixed_number_of_queries(app, client, catalogue, cast, projects, count_queries):
    client.get("/projects/")  # warms the cached filter options
    with count_queries() as before:
        client.get("/projects/?sort=closing&state=open")
    for _ in range(3):
        publish(app, cast, projects)
    with count_queries() as after:
        client.get("/projects/?sort=closing&state=open")
    assert len(before) == len(after) <= 2


def test_project_page_takes_a_fixed_number_of_queries(app, client, catalogue, count_queries):
    with count_queries() as statements:
        response = client.get(f"/projects/{catalogue['clinic']}")
    assert response.status_code == 200
    assert len(statements) <= 10  # project, its parts, matching pools, financing plan, components, partner roles


def test_pagination_keeps_the_filters(app, client, cast, projects):
    for _ in range(13):
        publish(app, cast, projects)
    html = client.get("/projects/?instrument=equity").get_data(as_text=True)
    assert "Page 1 of 2" in html
    assert "/projects/?instrument=equity&amp;page=2" in html
    assert "Page 2 of 2" in client.get("/projects/?instrument=equity&page=2").get_data(as_text=True)


@pytest.mark.parametrize("ends_in, expected", [
    (9, "9 days left"), (1, "1 day left"), (0, "Last day of the campaign"), (-1, "Campaign closed"),
    (-400, "Campaign closed")])
def test_progress_says_when_the_campaign_is_on_its_last_day_or_closed(app, ends_in, expected):
    """A campaign that ended does not count down from "0 days left"; its last day is named as such."""
    from types import SimpleNamespace

    from flask import render_template_string

    today = date(2026, 6, 15)
    ends_on = today + timedelta(days=ends_in)
    project = SimpleNamespace(progress_percent=40, pledged_minor=40_000, target_minor=100_000, currency="EUR",
                              campaign_ends_on=ends_on, days_left=lambda day: max(0, (ends_on - day).days))
    with app.test_request_context(headers={"Accept-Language": "en"}):
        app.preprocess_request()
        html = render_template_string("{% import 'projects/macros.html' as listing %}"
                                      "{{ listing.progress(project, today) }}", project=project, today=today)
    assert expected in html
    assert ("days left" in html or "day left" in html) == (ends_in > 0)
