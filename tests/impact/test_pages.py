"""The impact pages: the public view with pending values marked, the investor's share, the framework editor,
the value form's refusals (422), access, CSRF, the admin catalogue and the query budget."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from marketplace.extensions import db
from tests.conftest import csrf_from


def login(browserless, record):
    assert browserless.login(record.email, record.password).status_code == 302


def _pay(impact, investor, amount_minor: int) -> None:
    """A paid pledge, written directly: the pledge workflow has its own tests."""
    from marketplace.models_common import utcnow
    from marketplace.pledges.models import Pledge

    def add():
        n = db.session.scalar(db.select(db.func.count(Pledge.id))) + 1
        db.session.add(Pledge(reference=f"IMP{investor.id}-{n}", request_key=f"k{investor.id}-{n}",
                              project_id=impact.project_id, investor_id=investor.id, amount_minor=amount_minor,
                              currency="MAD", method="bank_transfer", status="paid", project_version_number=1,
                              revocable_until=utcnow()))
    impact.call(add)


def test_the_impact_page_shows_verified_values_and_marks_pending_ones_to_parties(impact, client, browserless):
    impact.walk(impact.report("PI3687", 0, "6"), "verified")
    impact.walk(impact.report("PI3687", 1, "3"), "submitted")
    public = client.get(f"/projects/{impact.project_id}/impact").get_data(as_text=True)
    assert 'class="verified">6<' in public and "75 percent" in public  # 6 of the 8 targeted
    assert "1 value is awaiting review or verification." in public
    assert 'class="bar-pending"' not in public  # the public sees no unverified figure
    assert "<svg" in public and re.search(r"<script(?![^>]*\bsrc=)", public) is None  # CSP: no inline script
    login(browserless, impact.reporter)
    party = client.get(f"/projects/{impact.project_id}/impact").get_data(as_text=True)
    assert "pending</span> 3" in party and 'class="bar-pending"' in party
    assert 'class="verified-total">6<' in party  # the pending 3 is not in the total


def test_the_investor_sees_their_share_pro_rata_to_paid_pledges_and_can_hide_it(impact, client, browserless):
    impact.walk(impact.report("PI3687", 0, "8"), "verified")
    investor = impact.cast.investor()
    other = impact.cast.investor()
    _pay(impact, investor, 25_000_00)
    _pay(impact, other, 75_000_00)
    login(browserless, investor)
    url = f"/projects/{impact.project_id}/impact"
    page = client.get(url).get_data(as_text=True)
    assert "25 percent" in page and 'class="your-share">2 FTE<' in page  # a quarter of 8 jobs
    assert "pro rata to paid pledges" in page
    response = client.post("/impact/investor-share", data={"csrf_token": csrf_from(page), "next": url})
    assert response.status_code == 302 and response.headers["Location"] == url
    hidden = client.get(url).get_data(as_text=True)
    assert 'id="share-title"' not in hidden and "Show my share of the impact" in hidden
    assert 'class="your-share"' not in hidden
    client.post("/impact/investor-share", data={"csrf_token": csrf_from(hidden), "next": url, "shown": "y"})
    assert 'class="your-share">2 FTE<' in client.get(url).get_data(as_text=True)


def test_no_share_without_paid_pledges(impact, client, browserless):
    impact.walk(impact.report("PI3687", 0, "8"), "verified")
    login(browserless, impact.cast.investor())
    assert 'class="your-share"' not in client.get(f"/projects/{impact.project_id}/impact").get_data(as_text=True)


def test_only_investors_are_offered_to_hide_or_show_their_share(impact, client, browserless):
    """A partner's reporter has no share to hide: no button; an investor has one."""
    url = f"/projects/{impact.project_id}/impact"
    login(browserless, impact.reporter)
    assert "my share of the impact" not in client.get(url).get_data(as_text=True)
    browserless.logout()
    login(browserless, impact.cast.investor())
    assert "Hide my share of the impact" in client.get(url).get_data(as_text=True)


def test_the_impact_page_takes_a_fixed_number_of_queries(impact, client, browserless, count_queries):
    investor = impact.cast.investor()
    _pay(impact, investor, 10_000_00)
    login(browserless, investor)
    url = f"/projects/{impact.project_id}/impact"
    impact.walk(impact.report("PI3687", 0, "6"), "verified")
    with count_queries() as before:
        assert client.get(url).status_code == 200
    impact.walk(impact.report("PI3687", 1, "3"), "verified")
    impact.walk(impact.report("OI8869", 0, "12"), "submitted")
    impact.walk(impact.report("FP6510", 0, "1000"), "approved")
    with count_queries() as after:
        assert client.get(url).status_code == 200
    assert len(before) == len(after) <= 14


def test_the_values_page_takes_a_fixed_number_of_queries(impact, client, browserless, count_queries):
    login(browserless, impact.reporter)
    url = f"/projects/{impact.project_id}/impact/values"
    impact.report("PI3687", 0, "6")
    with count_queries() as before:
        client.get(url)
    impact.report("PI3687", 1, "3")
    impact.report("OI8869", 0, "12", by=impact.monitor)
    with count_queries() as after:
        page = client.get(url).get_data(as_text=True)
    assert len(before) == len(after) <= 10
    assert re.search(r"<td>\w{3} \d{1,2}, \d{4} – \w{3} \d{1,2}, \d{4}</td>", page)  # periods as people write dates
    assert re.search(r"<td>\d{4}-\d{2}-\d{2} – ", page) is None


def _report_url(impact, code="PI3687"):
    return f"/projects/{impact.project_id}/impact/values/new?indicator={impact.indicators[code]}"


def test_reporting_through_the_form_saves_a_draft_with_parts(impact, client, browserless):
    login(browserless, impact.reporter)
    url = _report_url(impact)
    page = client.get(url).get_data(as_text=True)
    assert 'name="part-sex-female"' in page and 'name="part-region-MA-02"' in page
    response = client.post(url, data={"csrf_token": csrf_from(page), "period_id": str(impact.periods[0]),
                                      "value": "6", "part-sex-female": "2", "part-sex-male": "4", "comment": "ok"})
    assert response.status_code == 302
    from marketplace.impact.models import ReportedValue

    with impact.app.app_context():
        row = db.session.scalar(db.select(ReportedValue))
        assert (row.value, row.status, [(p.category, p.value) for p in row.parts]) == (
            Decimal(6), "draft", [("female", Decimal(2)), ("male", Decimal(4))])


@pytest.mark.parametrize(("data", "message"), [
    ({"value": "six"}, "Enter a number such as 12"),
    ({"value": "6", "part-sex-female": "1", "part-sex-male": "1"}, "add up to 2, not to the total of 6"),
    ({"value": "6", "period_id": "999999"}, "Choose one of the periods"),
])
def test_bad_input_rerenders_the_form_with_the_error_and_writes_nothing(impact, client, browserless, data, message):
    login(browserless, impact.reporter)
    url = _report_url(impact)
    page = client.get(url).get_data(as_text=True)
    response = client.post(url, data={"csrf_token": csrf_from(page), "period_id": str(impact.periods[0]), **data})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    from marketplace.impact.models import ReportedValue

    with impact.app.app_context():
        assert db.session.scalar(db.select(db.func.count(ReportedValue.id))) == 0


def test_a_wrong_evidence_file_is_a_422_on_the_evidence_field(impact, client, browserless):
    import io

    login(browserless, impact.reporter)
    url = _report_url(impact)
    page = client.get(url).get_data(as_text=True)
    response = client.post(url, data={"csrf_token": csrf_from(page), "period_id": str(impact.periods[0]),
                                      "value": "6", "evidence": (io.BytesIO(b"#!/bin/sh\necho"), "x.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert 'id="evidence-error"' in response.get_data(as_text=True)


def test_posts_without_a_csrf_token_are_refused(impact, client, browserless):
    login(browserless, impact.reporter)
    response = client.post(_report_url(impact), data={"period_id": str(impact.periods[0]), "value": "6"})
    assert response.status_code in (400, 422)
    value = impact.report()
    client.post(f"/projects/{impact.project_id}/impact/values/{value}/submit")
    assert impact.status(value) == "draft"


def test_the_workflow_through_the_buttons_shows_the_return_note_to_the_reporter(impact, client, browserless):
    value = impact.report("PI3687", 0, "6")
    url = f"/projects/{impact.project_id}/impact/values/{value}"
    login(browserless, impact.reporter)
    page = client.get(url).get_data(as_text=True)
    client.post(f"{url}/submit", data={"csrf_token": csrf_from(page)})
    browserless.logout()
    login(browserless, impact.monitor)
    page = client.get(url).get_data(as_text=True)
    client.post(f"{url}/return", data={"csrf_token": csrf_from(page), "note": "Attach the payroll"})
    browserless.logout()
    login(browserless, impact.reporter)
    page = client.get(url).get_data(as_text=True)
    assert "Returned with this note:" in page and "Attach the payroll" in page
    assert impact.status(value) == "returned"


def test_strangers_get_404_on_a_draft_projects_values_and_403_on_a_public_one(impact, client, browserless, app):
    login(browserless, impact.stranger)
    value = impact.report()
    assert client.get(f"/projects/{impact.project_id}/impact/values").status_code == 403  # in implementation
    assert client.get(f"/projects/{impact.project_id}/impact/values/{value}").status_code == 403
    assert client.get(f"/projects/{impact.project_id}/impact/framework").status_code == 403
    from marketplace.projects.models import Project

    with app.app_context():
        db.session.get(Project, impact.project_id).status = "draft"
        db.session.commit()
    assert client.get(f"/projects/{impact.project_id}/impact").status_code == 404
    assert client.get(f"/projects/{impact.project_id}/impact/values").status_code == 404


def test_a_value_of_another_project_is_404(impact, make, client, browserless):
    from tests.impact.conftest import build_impact

    other = build_impact(impact.app, make)
    value = other.report()
    login(browserless, impact.reporter)
    assert client.get(f"/projects/{impact.project_id}/impact/values/{value}").status_code == 404


# --- the framework editor -------------------------------------------------------------------------------------

def test_the_owner_sets_up_a_framework_on_a_draft_and_the_reviewer_confirms_it(app, make, client, browserless):
    from tests.impact.conftest import build_impact

    impact = build_impact(app, make)
    project_id = impact.cast.project(status="draft", currency="MAD")
    url = f"/projects/{project_id}/impact/framework"
    login(browserless, impact.cast.owner)
    page = client.get(url).get_data(as_text=True)
    from marketplace.impact.models import Indicator

    with app.app_context():
        jobs = db.session.scalar(db.select(Indicator.id).where(Indicator.code == "PI3687"))
    bad = client.post(f"{url}/indicators", data={"csrf_token": csrf_from(page), "indicator_id": str(jobs),
                                                 "baseline": "zero", "baseline_on": "2025-12-31"})
    assert bad.status_code == 422 and "Enter a number" in bad.get_data(as_text=True)
    assert client.post(f"{url}/indicators", data={"csrf_token": csrf_from(page), "indicator_id": str(jobs),
                                                  "baseline": "0", "baseline_on": "2025-12-31"}).status_code == 302
    backwards = client.post(f"{url}/periods", data={"csrf_token": csrf_from(page), "starts_on": "2026-12-31",
                                                    "ends_on": "2026-01-01"})
    assert backwards.status_code == 422 and "cannot end before it starts" in backwards.get_data(as_text=True)
    client.post(f"{url}/periods", data={"csrf_token": csrf_from(page), "starts_on": "2026-01-01",
                                        "ends_on": "2026-12-31"})
    overlap = client.post(f"{url}/periods", data={"csrf_token": csrf_from(page), "starts_on": "2026-06-01",
                                                  "ends_on": "2027-05-31"})
    assert overlap.status_code == 422 and "overlaps" in overlap.get_data(as_text=True)
    from marketplace.impact.models import ProjectIndicator, ReportingPeriod

    with app.app_context():
        pi = db.session.scalar(db.select(ProjectIndicator.id).order_by(ProjectIndicator.id.desc()))
        period = db.session.scalar(db.select(ReportingPeriod.id).order_by(ReportingPeriod.id.desc()))
    assert client.post(f"{url}/targets", data={"csrf_token": csrf_from(page), "project_indicator_id": str(pi),
                                               "period_id": str(period), "value": "12"}).status_code == 302
    # The owner cannot confirm; the reviewer can once the listing is under review.
    client.post(f"{url}/confirm", data={"csrf_token": csrf_from(page)})
    from marketplace.impact.models import ResultsFramework
    from marketplace.projects.models import Project

    with app.app_context():
        assert db.session.scalar(db.select(ResultsFramework.confirmed_at)
                                 .where(ResultsFramework.project_id == project_id)) is None
        db.session.get(Project, project_id).status = "in_review"
        db.session.commit()
    browserless.logout()
    login(browserless, impact.reviewer)
    page = client.get(url).get_data(as_text=True)
    assert "Confirm the results framework" in page
    client.post(f"{url}/confirm", data={"csrf_token": csrf_from(page)})
    with app.app_context():
        assert db.session.scalar(db.select(ResultsFramework.confirmed_by_id)
                                 .where(ResultsFramework.project_id == project_id)) == impact.reviewer.id
        from marketplace.audit.models import AuditEvent

        assert db.session.scalar(db.select(AuditEvent.seq).where(AuditEvent.action == "impact.framework_confirmed",
                                                                AuditEvent.object_id == str(project_id)))


def test_a_confirmed_framework_of_a_project_in_review_is_locked_for_the_owner(impact):
    from marketplace.errors import ConflictError, ForbiddenError
    from marketplace.impact import framework as frameworks
    from marketplace.projects.models import Project

    def in_review():
        db.session.get(Project, impact.project_id).status = "in_review"

    impact.call(in_review)
    with pytest.raises(ConflictError):
        impact.call(lambda: frameworks.add_period(impact.user(impact.cast.owner), impact.project(),
                                                  starts_on=date(2027, 1, 1), ends_on=date(2027, 12, 31)))
    with pytest.raises(ForbiddenError):
        impact.call(lambda: frameworks.add_period(impact.user(impact.monitor), impact.project(),
                                                  starts_on=date(2027, 1, 1), ends_on=date(2027, 12, 31)))


def test_confirmation_needs_a_target_for_every_indicator_and_period(app, make):
    from marketplace.errors import ConflictError
    from marketplace.impact import framework as frameworks
    from tests.impact.conftest import build_impact

    impact = build_impact(app, make)
    project_id = impact.cast.project(status="draft", currency="MAD")

    def set_up():
        from marketplace.projects.models import Project

        project = db.session.get(Project, project_id)
        owner = impact.user(impact.cast.owner)
        frameworks.add_period(owner, project, starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))
        from marketplace.impact.models import Indicator

        jobs = db.session.scalar(db.select(Indicator.id).where(Indicator.code == "PI3687"))
        frameworks.add_indicator(owner, project, jobs, baseline="0", baseline_on=date(2025, 12, 31))
        project.status = "in_review"

    impact.call(set_up)
    from marketplace.projects.models import Project

    with pytest.raises(ConflictError, match="target in every period"):
        impact.call(lambda: frameworks.confirm(impact.user(impact.reviewer), db.session.get(Project, project_id)))


# --- the catalogue --------------------------------------------------------------------------------------------

def test_the_reference_catalogue_loads_the_ten_indicators_once(app):
    from marketplace.impact.catalogue import indicators, load_indicator_catalogue

    with app.app_context():  # the schema's reference data already holds them: loading again adds nothing
        assert load_indicator_catalogue() == 0
        codes = {i.code for i in indicators()}
    assert {"PI3687", "PI5691", "OI6213", "OI8869", "FP6510", "PI4060", "PI2998", "PI5842", "DIA-01",
            "DIA-02"} == codes


def test_admins_add_and_edit_indicators_and_others_are_refused(app, make, client, browserless):
    admin = make.admin()
    login(browserless, admin)
    page = client.get("/admin/impact/indicators/new").get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "code": "sdg-8.5.2", "framework": "sdg", "name_en": "Unemployment rate",
            "name_fr": "Taux de chômage", "name_ar": "معدل البطالة", "unit": "percent", "measure": "percentage",
            "aggregation": "latest", "level": "impact", "sdg_targets": "8.5", "is_active": "y"}
    refused = client.post("/admin/impact/indicators/new", data={**data, "disaggregations": ["sex"]})
    assert refused.status_code == 422 and "add up" in refused.get_data(as_text=True)
    assert client.post("/admin/impact/indicators/new", data=data).status_code == 302
    listing = client.get("/admin/impact/indicators").get_data(as_text=True)
    assert "SDG-8.5.2" in listing and "Unemployment rate" in listing
    from marketplace.impact.models import Indicator

    with app.app_context():
        indicator_id = db.session.scalar(db.select(Indicator.id).where(Indicator.code == "SDG-8.5.2"))
    edit = client.get(f"/admin/impact/indicators/{indicator_id}/edit").get_data(as_text=True)
    assert client.post(f"/admin/impact/indicators/{indicator_id}/edit",
                       data={**data, "csrf_token": csrf_from(edit), "name_en": "Unemployment rate (15+)",
                             "sdg_targets": "8.5, 10.c"}).status_code == 302
    with app.app_context():
        assert db.session.get(Indicator, indicator_id).sdg_targets == ["8.5", "10.c"]
    browserless.logout()
    login(browserless, make.user(organisation=make.organisation(type="ministry")))
    assert client.get("/admin/impact/indicators").status_code == 403
