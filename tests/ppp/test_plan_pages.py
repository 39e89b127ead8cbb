"""The financing-plan editor and the plan panel: saving through the form, refusals, access and read-only states."""

from __future__ import annotations

import re

import pytest

from marketplace.extensions import db
from tests.ppp.conftest import Part


def plan_url(project_id: int) -> str:
    return f"/projects/{project_id}/plan"


def rows(*lines: tuple) -> dict:
    """Form data of component rows as a browser sends them: every one of the ten rows, unused ones empty."""
    data = {}
    for index in range(10):
        kind, amount, provider, status = (*lines[index], "planned")[:4] if index < len(lines) else ("", "", "", "")
        data |= {f"components-{index}-kind": kind, f"components-{index}-amount": amount,
                 f"components-{index}-provider_organisation_id": str(provider or ""),
                 f"components-{index}-status": status or "planned", f"components-{index}-note": ""}
    return data


def value_of(page: str, name: str) -> str | None:
    match = re.search(rf'<input [^>]*name="{re.escape(name)}"[^>]*value="([^"]*)"', page)
    return match.group(1) if match else None


def login_owner(browserless, plans):
    response = browserless.login(plans.owner.email, plans.owner.password)
    assert response.status_code == 302


def test_the_owner_saves_a_plan_that_adds_up_through_the_form(browserless, plans):
    project = plans.project(status="draft", currency="MAD")
    login_owner(browserless, plans)
    response = browserless.post_form(plan_url(project), {
        "total_cost": "500 000", **rows(("own_funds_local", "100000", None), ("bank_loan", "400000.00", plans.bank.id),
                                        ("in_kind", "80000", plans.orgs["commune"].id, "committed")),
    })
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"/projects/{project}")
    stored = plans.stored(project)
    assert stored["total_cost_minor"] == 500_000_00
    assert [(c["kind"], c["amount_minor"], c["provider_organisation_id"], c["status"]) for c in stored["components"]] \
        == [("own_funds_local", 100_000_00, None, "planned"), ("bank_loan", 400_000_00, plans.bank.id, "planned"),
            ("in_kind", 80_000_00, plans.orgs["commune"].id, "committed")]


def test_the_editor_is_prefilled_with_the_saved_plan(browserless, plans):
    project = plans.project(status="draft", currency="MAD")
    plans.save(project, 500_000, [Part("bank_loan", 500_000, "bank")])
    login_owner(browserless, plans)
    page = browserless.client.get(plan_url(project)).get_data(as_text=True)
    assert value_of(page, "total_cost") == "500000" and value_of(page, "components-0-amount") == "500000"
    assert '<option selected value="bank_loan">' in page and f'<option selected value="{plans.bank.id}">' in page


def test_a_plan_that_does_not_add_up_is_shown_again_with_the_reason_and_nothing_is_saved(browserless, plans):
    project = plans.project(status="draft", currency="MAD")
    login_owner(browserless, plans)
    response = browserless.post_form(plan_url(project), {
        "total_cost": "500000", **rows(("own_funds_local", "100000", None), ("bank_loan", "300000", plans.bank.id)),
    }, headers={"Accept-Language": "en"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The plan was not saved" in page
    assert "The cash components add up to" in page and "not the total cost of" in page
    assert value_of(page, "components-1-amount") == "300000"
    assert plans.stored(project) is None


def test_an_unreadable_amount_is_marked_on_its_row_and_nothing_is_saved(browserless, plans):
    project = plans.project(status="draft", currency="MAD")
    login_owner(browserless, plans)
    response = browserless.post_form(plan_url(project), {"total_cost": "500000", **rows(("bank_loan", "5e5", None))},
                                     headers={"Accept-Language": "en"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="components-0-amount-error">Enter an amount such as 5000 or 5000.50.' in page
    assert plans.stored(project) is None


def test_an_mdm_plan_asks_the_diaspora_share_and_shows_the_computed_grant(browserless, plans):
    project = plans.project(scheme="MDM", sector="HEA", status="draft", currency="MAD")
    login_owner(browserless, plans)
    assert 'name="diaspora_capital_share"' in browserless.client.get(plan_url(project)).get_data(as_text=True)
    response = browserless.post_form(plan_url(project), {
        "total_cost": "9800000", "diaspora_capital_share": "50",
        **rows(("own_funds_fx", "2450000", None), ("equity", "860000", None), ("bank_loan", "6000000", plans.bank.id)),
    })
    assert response.status_code == 302, response.get_data(as_text=True)
    stored = plans.stored(project)
    assert stored["diaspora_capital_share_bp"] == 5_000
    assert [(c["kind"], c["amount_minor"], c["computed"]) for c in stored["components"]][-1] == \
        ("grant", 490_000_00, True)
    page = browserless.client.get(plan_url(project), headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "computed by" in page and 'name="components-3-kind"' in page


@pytest.mark.parametrize(("status", "expected"), [("draft", 404), ("published", 403)])
def test_a_stranger_cannot_open_the_editor(browserless, plans, make, status, expected):
    project = plans.project(status=status, currency="MAD")
    stranger = make.user(organisation=make.organisation(type="ngo"), role="manager")
    browserless.login(stranger.email, stranger.password)
    assert browserless.client.get(plan_url(project)).status_code == expected


@pytest.mark.parametrize("status", ["submitted", "in_review", "approved", "published"])
def test_the_editor_is_read_only_outside_draft_and_changes_requested(browserless, plans, status):
    project = plans.project(status=status, currency="MAD")
    plans.save(project, 500_000, [Part("bank_loan", 500_000, "bank")])
    before = plans.stored(project)
    login_owner(browserless, plans)
    page = browserless.client.get(plan_url(project), headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "can be changed only while it is a draft" in page
    assert 'name="total_cost"' not in page and "Edit the financing plan" not in page
    response = browserless.post_form(plan_url(project), {"total_cost": "600000", **rows(("bank_loan", "600000", None))},
                                     form_url="/")
    assert response.status_code == 409
    assert plans.stored(project) == before


def _panel(app, project_id: int, roles: set[str]) -> str:
    """The panel as the project page renders it for a viewer with these roles."""
    from flask import render_template

    from marketplace.ppp.views import financing_context
    from marketplace.projects.queries import project_for_page

    with app.test_request_context(headers={"Accept-Language": "en"}):
        return render_template("ppp/_financing_panel.html", roles=roles,
                               **financing_context(project_for_page(project_id)))


def test_the_panel_shows_an_investor_the_sources_and_their_shares_without_the_rule_check(app, plans):
    project = plans.project(status="published", currency="MAD")
    plans.save(project, 500_000, [Part("own_funds_local", 125_000), Part("bank_loan", 375_000, "bank"),
                                  Part("guarantee", 300_000, "programme_fund")])
    panel = _panel(app, project, set())
    assert "Bank loan" in panel and plans.bank.name in panel
    assert '<progress class="plan-share" max="1000" value="750" aria-hidden="true"></progress> <span>75 %' in panel
    assert "<span>25 %</span>" in panel
    cash, non_cash = panel.split("Not cash")
    assert "Guarantee cover" not in cash and "Guarantee cover" in non_cash and "60 % of the total cost" in non_cash
    assert "does not meet" not in panel and "Edit the financing plan" not in panel
    assert "style=" not in panel


def test_the_panel_lists_the_broken_rules_for_the_owner_with_the_edit_link(app, plans):
    from sqlalchemy import select

    from marketplace.projects.models import Project
    from marketplace.reference.models import Sector

    project_id = plans.project(scheme="MDM", sector="HEA", status="draft", currency="MAD")
    plans.save(project_id, 9_800_000, [Part("own_funds_fx", 2_450_000), Part("bank_loan", 6_370_000, "bank")])
    with app.app_context():  # the sector changed after the plan was saved: the plan now breaks a rule
        db.session.get(Project, project_id).sector_id = db.session.scalar(select(Sector.id).where(Sector.code == "AGR"))
        db.session.commit()
    panel = _panel(app, project_id, {"owner"})
    assert "does not meet these rules" in panel and "Sector AGR is not eligible under MDM" in panel
    assert f'href="/projects/{project_id}/plan">Edit the financing plan' in panel
    assert "does not meet" not in _panel(app, project_id, set())


def test_an_investor_sees_the_plan_on_a_published_project_page(browserless, plans):
    project = plans.project(status="published", currency="MAD")
    plans.save(project, 500_000, [Part("own_funds_local", 125_000), Part("bank_loan", 375_000, "bank")])
    investor = plans.investor()
    browserless.login(investor.email, investor.password)
    page = browserless.client.get(f"/projects/{project}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'id="financing-plan"' in page and "<span>75 %</span>" in page
    assert "Edit the financing plan" not in page


def test_financing_context_takes_two_statements(app, plans, count_queries):
    from marketplace.ppp.views import financing_context
    from marketplace.projects.queries import project_for_page

    project_id = plans.project(scheme="3X1", sector="HEA", status="draft", currency="MAD")
    plans.save(project_id, 400_000, [Part("community", 100_000), Part("grant", 100_000, "ministry"),
                                     Part("grant", 100_000, "regional_council"), Part("grant", 100_000, "commune")])
    with app.test_request_context(headers={"Accept-Language": "en"}):
        project = project_for_page(project_id)
        with count_queries() as statements:
            context = financing_context(project)
            names = [row.component.provider_organisation.name for row in context["cash_rows"]
                     if row.component.kind == "grant"]
            label = context["rules_label"]
        assert len(statements) == 2
        assert len(names) == 3 and label and context["problems"] == []


def test_the_owner_marks_the_source_the_campaign_raises(browserless, plans):
    project = plans.project(status="draft", currency="MAD")
    login_owner(browserless, plans)
    data = {"total_cost": "500000", **rows(("own_funds_fx", "100000", None), ("bank_loan", "400000", plans.bank.id))}
    response = browserless.post_form(plan_url(project), data | {"components-0-raised_by_campaign": "y"})
    assert response.status_code == 302
    stored = plans.stored(project)["components"]
    assert [(c["kind"], c["raised_by_campaign"]) for c in stored] == [("own_funds_fx", True), ("bank_loan", False)]
    page = browserless.client.get(plan_url(project)).get_data(as_text=True)
    assert re.search(r'<input checked[^>]*name="components-0-raised_by_campaign"', page)
    two = browserless.post_form(plan_url(project), data | {"components-0-raised_by_campaign": "y",
                                                           "components-1-raised_by_campaign": "y"})
    assert two.status_code == 422 and "Only one source" in two.get_data(as_text=True)
    assert [c["raised_by_campaign"] for c in plans.stored(project)["components"]] == [True, False]
