"""The partnership workspace in Chromium: the promoter submits milestone evidence, the authority returns it and
then approves it, the programme fund and the bank release their tranches (a refused release first), and the
ledger's CSV agrees with the page."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import select

from marketplace.demo.files import text_pdf
from marketplace.extensions import db
from tests.browser.test_pledges_in_browser import in_app, log_in, submit

pytestmark = pytest.mark.browser

PROMOTER = "promoter.nador@demo.passerelle.org"
REVIEWER = "reviewer@demo.passerelle.org"
FUND = "fund.officer@demo.passerelle.org"
BANKER = "bank.officer@demo.passerelle.org"


def project_p04(app) -> dict:
    from marketplace.projects.models import Project

    def read():
        project = db.session.scalar(select(Project).where(Project.code == "P04"))
        return {"id": project.id, "title": project.display_title, "status": project.status}

    return in_app(app, read)


def first_milestone(page):
    return page.locator(".milestone").first


def test_milestone_evidence_tranche_release_and_payments(page, app, live_server, screenshot, tmp_path):
    p04 = project_p04(app)
    assert p04["status"] == "funded"
    evidence = tmp_path / "permis.pdf"
    evidence.write_bytes(text_pdf("Permis de construire", ["Procès-verbal de réception des travaux."]))

    # The promoter finds the partnership from the list, filtered by programme, and submits evidence.
    log_in(page, live_server, PROMOTER)
    with page.expect_navigation():
        page.get_by_role("link", name="Partnerships").click()
    page.select_option("#programme", "MDM")
    submit(page, page.get_by_role("button", name="Filter"))
    screenshot("ppp-1-partnership-list")
    with page.expect_navigation():
        page.get_by_role("link", name=p04["title"]).click()
    assert page.locator("h1").inner_text() == "Partnership workspace"
    assert page.locator("#ledger-table").is_visible()
    screenshot("ppp-2-workspace-funded")
    milestone = first_milestone(page)
    milestone.locator("summary").click()
    milestone.locator("input[type=file]").set_input_files(str(evidence))
    submit(page, milestone.get_by_role("button", name="Submit to the monitor"))
    assert "Evidence submitted" in first_milestone(page).inner_text()

    # The reviewing authority returns it with a note (a note is required), then approves the resubmission.
    log_in(page, live_server, REVIEWER)
    page.goto(f"{live_server}/projects/{p04['id']}/partnership#milestones")
    milestone = first_milestone(page)
    submit(page, milestone.get_by_role("button", name="Return with a note"))
    assert page.locator(".milestone .error").first.is_visible()
    milestone = first_milestone(page)
    milestone.locator("textarea").fill("The report must be signed by the inspector.")
    submit(page, milestone.get_by_role("button", name="Return with a note"))
    assert "Returned" in first_milestone(page).inner_text()
    screenshot("ppp-3-evidence-returned")

    log_in(page, live_server, PROMOTER)
    page.goto(f"{live_server}/projects/{p04['id']}/partnership#milestones")
    milestone = first_milestone(page)
    assert "The report must be signed by the inspector." in milestone.inner_text()
    milestone.locator("summary").click()
    milestone.locator("input[type=file]").set_input_files(str(evidence))
    submit(page, milestone.get_by_role("button", name="Submit to the monitor"))

    log_in(page, live_server, REVIEWER)
    page.goto(f"{live_server}/projects/{p04['id']}/partnership#milestones")
    submit(page, first_milestone(page).get_by_role("button", name="Approve: the milestone is met"))
    assert "Met" in first_milestone(page).locator(".badge").inner_text()

    # The programme fund releases the grant's first tranche; the project is now in implementation.
    log_in(page, live_server, FUND)
    page.goto(f"{live_server}/projects/{p04['id']}/partnership#milestones")
    tranche = first_milestone(page).locator("tr", has_text="Grant")
    tranche.locator("input[type=date]").fill(date.today().isoformat())
    tranche.locator("input[type=text]").fill("FNGF-2026-0417")
    submit(page, tranche.get_by_role("button", name="Release the tranche"))
    assert "Released" in first_milestone(page).locator("tr", has_text="Grant").inner_text()
    assert "FNGF-2026-0417" in page.locator("#disbursements").inner_text()
    screenshot("ppp-4-tranche-released")
    assert project_p04(app)["status"] == "in_implementation"

    # The bank releases its loan tranche: a date in the future is refused (nothing written), then today.
    log_in(page, live_server, BANKER)
    page.goto(f"{live_server}/projects/{p04['id']}/partnership#milestones")
    assert page.locator("#record-payment").count() == 0  # the loan moves only by tranches
    tranche = first_milestone(page).locator("tr", has_text="Bank loan")
    tranche.locator("input[type=date]").fill(date(date.today().year + 1, 1, 1).isoformat())
    tranche.locator("input[type=text]").fill("BAD-2026-11-0001")
    submit(page, tranche.get_by_role("button", name="Release the tranche"))
    assert "cannot be in the future" in first_milestone(page).inner_text()
    screenshot("ppp-5-release-refused")
    tranche = first_milestone(page).locator("tr", has_text="Bank loan")
    tranche.locator("input[type=date]").fill(date.today().isoformat())
    submit(page, tranche.get_by_role("button", name="Release the tranche"))
    assert "BAD-2026-11-0001" in page.locator("#disbursements").inner_text()
    screenshot("ppp-6-ledger-after-payments")

    # The CSV the page offers agrees with the ledger it shows.
    response = page.request.get(f"{live_server}/projects/{p04['id']}/partnership/ledger.csv")
    rows = {row["kind"]: row for row in csv.DictReader(io.StringIO(response.text()))}
    assert rows["bank_loan"]["disbursed"] == "1092000.00" and rows["grant"]["disbursed"] == "168000.00"
