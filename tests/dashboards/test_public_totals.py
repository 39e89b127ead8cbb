"""Public totals on the home page and the catalogue: the same query functions, verified impact only."""

from __future__ import annotations

from marketplace.extensions import db


def totals(app):
    from marketplace.dashboards.queries import public_totals

    with app.app_context(), app.test_request_context(headers={"Accept-Language": "en"}):
        return public_totals()


def test_public_totals_count_committed_capital_on_public_projects(app, capital_set):
    found = totals(app)
    assert (found.capital.shown_minor, found.capital.investors, found.currency) == (115_000, 12, "EUR")
    assert found.projects_funded == 0 and found.jobs_created is None


def test_home_page_shows_the_same_figures(app, client, capital_set):
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Capital mobilised" in html and "€1,150" in html


def test_public_capital_hides_fewer_than_five_investors(app, make, client):
    from tests.dashboards.conftest import place
    from tests.factories import PledgeFactories

    cast = PledgeFactories(app, make)
    project = cast.project(target="1000", min_ticket="1")
    for _ in range(2):
        place(app, cast.investor("MA").id, project, 10_000)
    assert totals(app).capital.hidden
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "fewer than 5 investors" in html and "€200" not in html


def test_jobs_created_count_only_verified_values(app, make):
    from tests.impact.conftest import build_impact

    impact = build_impact(app, make, status="funded")
    verified = impact.report("PI3687", period=0, value="5")
    impact.walk(verified, "verified")
    approved_only = impact.report("PI3687", period=1, value="3")
    impact.walk(approved_only, "approved")
    found = totals(app)
    assert found.jobs_created == 5 and found.projects_funded == 1
    with app.app_context():
        from marketplace.projects.models import Project

        db.session.get(Project, impact.project_id).status = "draft"
        db.session.commit()
    assert totals(app).jobs_created is None  # a project that is not public is not counted


def test_catalogue_shows_the_totals_from_the_cache_with_their_time(app, client, capital_set, count_queries):
    """The catalogue keeps its two statements: the totals come from a cache refreshed every 5 minutes, and the
    page says when they were computed."""
    from marketplace.dashboards.queries import PUBLIC_TOTALS_SECONDS
    from marketplace.extensions import cache

    first = client.get("/projects/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Capital mobilised" in first and "€1,150" in first and "Figures as of" in first
    with count_queries() as statements:
        again = client.get("/projects/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert len(statements) <= 2 and "€1,150" in again
    assert PUBLIC_TOTALS_SECONDS == 300
    from tests.dashboards.conftest import place

    place(app, capital_set.investors["GB6"], capital_set.projects["B"], 10_000)  # committed at once: +100.00
    stale = client.get("/projects/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "€1,150" in stale  # as of the time shown
    with app.app_context():
        cache.clear()  # what the 5 minutes do
    fresh = client.get("/projects/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "€1,250" in fresh
