"""The vetting journey in Chromium: an owner drafts and submits, the bank co-signs, a reviewer decides."""

from datetime import date, timedelta

import pytest

from marketplace.demo.data import DEMO_PASSWORD

pytestmark = pytest.mark.browser

OWNER = "promoter.nador@demo.passerelle.org"
BANKER = "bank.officer@demo.passerelle.org"
REVIEWER = "reviewer@demo.passerelle.org"


def log_in_as(browser, base_url: str, email: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB",
                                  extra_http_headers={"Accept-Language": "en"})
    page = context.new_page()
    page.goto(f"{base_url}/account/login")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    if page.locator("html").get_attribute("lang") != "en":
        page.locator("footer").get_by_role("button", name="English").click()
        page.wait_for_load_state()
    return context, page


def test_listing_travels_from_draft_to_publication(browser, live_server, screenshot):
    owner_context, owner = log_in_as(browser, live_server, OWNER)
    owner.goto(f"{live_server}/projects/new")
    owner.fill("#title", "Cabinet de kinésithérapie Nador")
    owner.fill("#summary", "Un cabinet de rééducation pour les patients de la province de Nador.")
    owner.fill("#description", "Deux salles équipées et **trois kinésithérapeutes** formés à Bruxelles.")
    owner.select_option("#region_id", label="MA-02 · Oriental (the East)")
    owner.select_option("#sector_id", label="Health")
    owner.fill("#target", "450000")
    owner.fill("#min_ticket", "1000")
    owner.fill("#campaign_starts_on", date.today().isoformat())
    owner.fill("#campaign_ends_on", (date.today() + timedelta(days=45)).isoformat())
    owner.select_option("#partner_bank_id", label="Banque Atlas Diaspora (démo)")
    owner.fill("#risks", "Patientèle plus lente à venir que prévu.")
    owner.fill("#title_en", "Physiotherapy practice in Nador")
    screenshot("journey-1-owner-form", owner)
    owner.get_by_role("button", name="Save the listing").click()
    owner.wait_for_load_state()
    assert owner.locator("h1").inner_text() == "Physiotherapy practice in Nador"
    project_url = owner.url
    # The financing plan: refused while it does not add up, saved once it does.
    owner.get_by_role("link", name="Edit the financing plan").click()
    owner.fill("#total_cost", "600000")
    owner.select_option("#components-0-kind", value="crowd_pledges")
    owner.fill("#components-0-amount", "450000")
    owner.select_option("#components-1-kind", value="bank_loan")
    owner.select_option("#components-1-provider_organisation_id", label="Banque Atlas Diaspora (démo) · Bank")
    owner.fill("#components-1-amount", "100000")
    owner.get_by_role("button", name="Save the financing plan").click()
    owner.wait_for_load_state()
    assert "not the total cost" in owner.locator("main").inner_text()
    owner.fill("#components-1-amount", "150000")
    screenshot("journey-1b-owner-financing-plan", owner)
    owner.get_by_role("button", name="Save the financing plan").click()
    owner.wait_for_load_state()
    assert owner.url.split("#")[0] == project_url
    assert "Bank loan" in owner.locator("#financing-plan").inner_text()
    owner.get_by_role("button", name="Submit for vetting").click()
    owner.wait_for_load_state()
    assert "Submitted" in owner.locator(".vetting-panel").inner_text()
    screenshot("journey-2-owner-submitted", owner)

    reviewer_context, reviewer = log_in_as(browser, live_server, REVIEWER)
    reviewer.goto(f"{live_server}/review")
    reviewer.get_by_role("link", name="Physiotherapy practice in Nador").click()
    reviewer.get_by_role("button", name="Start the review").click()
    reviewer.wait_for_load_state()
    reviewer.once("dialog", lambda dialog: dialog.accept())
    reviewer.get_by_role("button", name="Approve").click()
    reviewer.wait_for_load_state()
    assert "co-signature" in reviewer.get_by_role("alert").inner_text()
    screenshot("journey-3-reviewer-refused-without-cosignature", reviewer)

    bank_context, bank = log_in_as(browser, live_server, BANKER)
    bank.goto(f"{live_server}/due-diligence")
    row = bank.get_by_role("row", name="Physiotherapy practice in Nador")
    row.get_by_role("link", name="Open the checklist").click()
    for checkbox in bank.locator(".checklist input[type=checkbox]").all():
        checkbox.check()
    bank.locator(".checklist input[type=text]").first.fill("Pièces vérifiées en agence.")
    screenshot("journey-4-bank-checklist", bank)
    bank.get_by_role("button", name="Co-sign this version").click()
    bank.wait_for_load_state()
    assert "Co-signed by" in bank.locator("main").inner_text()

    reviewer.goto(project_url)
    reviewer.get_by_role("button", name="Approve").click()
    reviewer.wait_for_load_state()
    assert "Approved" in reviewer.locator(".vetting-panel").inner_text()
    screenshot("journey-5-reviewer-approved", reviewer)

    owner.goto(project_url)
    owner.get_by_role("button", name="Publish now").click()
    owner.wait_for_load_state()
    owner.goto(f"{live_server}/projects/?q=Nador")
    assert owner.get_by_role("link", name="Physiotherapy practice in Nador").is_visible()
    screenshot("journey-6-catalogue", owner)
    for context in (owner_context, reviewer_context, bank_context):
        context.close()


def test_catalogue_filters_in_the_browser(page, live_server, screenshot):
    page.goto(f"{live_server}/projects/")
    page.select_option("#region", label="Oriental (the East)")
    page.select_option("#sort", label="Closing soon")
    page.get_by_role("button", name="Show projects").click()
    page.wait_for_load_state()
    assert "region=MA-02" in page.url and "sort=closing" in page.url
    assert page.locator(".project-card").count() == 2
    screenshot("catalogue-oriental")
