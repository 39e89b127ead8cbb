"""Impact reporting in Chromium: the partner bank reports a value, the project's manager returns it with a note,
the bank corrects and resubmits it, the manager approves it and the ministry's reviewer verifies it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from tests.browser.test_pledges_in_browser import in_app, log_in, submit

pytestmark = pytest.mark.browser

BANKER = "bank.officer@demo.passerelle.org"
REVIEWER = "reviewer@demo.passerelle.org"


@pytest.fixture
def shots(page, tmp_path):
    """Full-page screenshots under the test's own tmp path."""

    def take(name: str) -> None:
        page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)

    return take


def unreported_jobs_cell(app) -> dict:
    """P01 (in implementation) after the impact seed: its jobs indicator and a period nobody reported yet."""
    from marketplace.impact.demo import seed_impact
    from marketplace.impact.models import Indicator, ProjectIndicator, ReportedValue, ReportingPeriod, ResultsFramework
    from marketplace.projects.models import Project

    def pick():
        seed_impact()
        db.session.commit()
        project = db.session.scalar(select(Project).where(Project.code == "P01"))
        framework = db.session.scalar(select(ResultsFramework).where(ResultsFramework.project_id == project.id))
        indicator = db.session.scalar(select(ProjectIndicator).join(Indicator).where(
            ProjectIndicator.framework_id == framework.id, Indicator.code == "PI3687"))
        reported = set(db.session.scalars(select(ReportedValue.period_id)
                                          .where(ReportedValue.project_indicator_id == indicator.id)))
        period = next(p for p in db.session.scalars(select(ReportingPeriod).where(
            ReportingPeriod.framework_id == framework.id).order_by(ReportingPeriod.starts_on)) if p.id not in reported)
        return {"project": project.id, "indicator": indicator.id, "period": period.id,
                "owner": f"staff.{project.organisation.slug}@demo.passerelle.org"}

    return in_app(app, pick)


def value_status(app, value_id: int) -> str:
    from marketplace.impact.models import ReportedValue

    return in_app(app, lambda: db.session.get(ReportedValue, value_id).status)


def test_a_value_is_reported_returned_resubmitted_approved_and_verified(page, app, live_server, shots):
    cell = unreported_jobs_cell(app)
    base = f"{live_server}/projects/{cell['project']}/impact"

    log_in(page, live_server, BANKER)
    page.goto(f"{base}/values/new?indicator={cell['indicator']}")
    page.select_option("#period_id", str(cell["period"]))
    page.fill("#value", "ten")
    submit(page, page.get_by_role("button", name="Save as a draft"))
    assert "Enter a number" in page.locator("#value-error").inner_text()
    page.fill("#value", "10")
    page.fill("[name='part-sex-female']", "3")
    page.fill("[name='part-sex-male']", "7")
    page.fill("#comment", "Registre du personnel, décembre.")
    shots("impact-1-report")
    submit(page, page.get_by_role("button", name="Save as a draft"))
    value_id = int(page.url.rstrip("/").split("/")[-1])
    submit(page, page.get_by_role("button", name="Submit for review"))
    assert value_status(app, value_id) == "submitted"
    shots("impact-2-submitted")

    log_in(page, live_server, cell["owner"])
    page.goto(f"{base}/values/{value_id}")
    page.fill("#note", "Seven men and three women make ten: please attach the payroll and check the total.")
    submit(page, page.get_by_role("button", name="Return to the reporter"))
    assert value_status(app, value_id) == "returned"

    log_in(page, live_server, BANKER)
    page.goto(f"{base}/values/{value_id}")
    assert "attach the payroll" in page.locator(".return-note").inner_text()
    shots("impact-3-returned")
    page.fill("#value", "9")
    page.fill("[name='part-sex-male']", "6")
    submit(page, page.get_by_role("button", name="Save the changes"))
    submit(page, page.get_by_role("button", name="Submit for review"))
    assert value_status(app, value_id) == "submitted"

    log_in(page, live_server, cell["owner"])
    page.goto(f"{base}/values/{value_id}")
    submit(page, page.get_by_role("button", name="Approve"))
    assert value_status(app, value_id) == "approved"
    shots("impact-4-approved")

    log_in(page, live_server, REVIEWER)
    page.goto(f"{base}/values/{value_id}")
    submit(page, page.get_by_role("button", name="Verify (counter-sign)"))
    assert value_status(app, value_id) == "verified"
    page.goto(base)
    assert page.locator("svg.impact-chart .bar-verified").count() >= 1
    shots("impact-5-verified")
