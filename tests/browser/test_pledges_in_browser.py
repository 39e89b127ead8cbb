"""Pledging in Chromium: a bank-transfer pledge revoked in its reflection period, a campaign closed and its
transfer confirmed by the partner bank, and a card saved through localstripe's stand-in for Stripe.js."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.demo.data import DEMO_PASSWORD
from marketplace.extensions import db
from tests.payments.conftest import localstripe  # noqa: F401 - the session's localstripe server, a fixture

pytestmark = pytest.mark.browser

BRUSSELS = "investor.brussels@demo.passerelle.org"
BANKER = "bank.officer@demo.passerelle.org"


# --- helpers ---------------------------------------------------------------------------------------------

def log_in(page, base_url: str, email: str) -> None:
    """Log in on the one page of the test (any previous session is dropped first), in English."""
    page.context.clear_cookies()
    page.goto(f"{base_url}/account/login")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    if page.locator("html").get_attribute("lang") != "en":
        with page.expect_navigation():
            page.locator("footer").get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator(".account-nav .account-name").is_visible()


def submit(page, locator) -> None:
    """Click a submit button and wait for the page it leads to."""
    with page.expect_navigation():
        locator.click()


def in_app(app, work):
    """Run `work()` against the live server's database, in the test's own session."""
    with app.app_context():
        try:
            return work()
        finally:
            db.session.remove()


def major(minor: int) -> str:
    """Minor units as the plain amount a person types (MAD and EUR have two decimals)."""
    return f"{minor // 100}" if minor % 100 == 0 else f"{minor // 100}.{minor % 100:02d}"


def open_project_from_catalogue(page, base_url: str, title: str) -> None:
    page.goto(f"{base_url}/projects/")
    with page.expect_navigation():
        page.locator(".project-card").get_by_role("link", name=title).first.click()
    assert page.locator("h1").inner_text() == title


def pledgeable_project(app) -> dict:
    """A published demo project open for a minimum pledge (not the two campaigns left due)."""
    from marketplace.projects.models import Project

    def pick():
        projects = db.session.scalars(select(Project).where(
            Project.status == "published", Project.code.not_in(("P20", "P31")))
            .order_by(Project.id)).all()
        project = next(p for p in projects if p.remaining_minor >= 2 * p.min_ticket_minor)
        return {"id": project.id, "title": project.display_title, "min": project.min_ticket_minor,
                "currency": project.currency}

    return in_app(app, pick)


def pledge_row(app, pledge_id: int) -> dict:
    from marketplace.pledges.models import Pledge

    def read():
        p = db.session.get(Pledge, pledge_id)
        return {c: getattr(p, c) for c in ("id", "reference", "status", "method", "amount_minor", "received_minor",
                                           "offered_at", "revocable_until", "stripe_payment_method_id",
                                           "stripe_setup_intent_id", "investor_id", "project_id")}

    return in_app(app, read)


def latest_pledge(app, email: str, project_id: int) -> dict:
    from marketplace.accounts.models import User
    from marketplace.pledges.models import Pledge

    def find():
        return db.session.scalar(select(Pledge.id).join(User, Pledge.investor_id == User.id)
                                 .where(User.email == email, Pledge.project_id == project_id)
                                 .order_by(Pledge.id.desc()).limit(1))

    pledge_id = in_app(app, find)
    assert pledge_id is not None, f"no pledge of {email} on project {project_id}"
    return pledge_row(app, pledge_id)


# --- 1. bank transfer, then revoked within the reflection period ----------------------------------------

def test_bank_transfer_pledge_is_revoked_in_its_reflection_period(page, app, live_server, screenshot):
    from marketplace.projects.models import Project

    project = pledgeable_project(app)
    log_in(page, live_server, BRUSSELS)
    pool_project = in_app(app, lambda: db.session.scalar(select(Project.id).where(Project.code == "P36")))
    page.goto(f"{live_server}/projects/{pool_project}")
    assert "Matching" in page.locator(".project-side").inner_text()
    screenshot("pledge-0-project-with-matching-pool")
    open_project_from_catalogue(page, live_server, project["title"])
    screenshot("pledge-1-project")
    with page.expect_navigation():
        page.get_by_role("link", name="Pledge to this project").click()
    assert page.locator("h1").inner_text() == f"Pledge to “{project['title']}”"

    # Without cards configured, the bank transfer is the only method, already chosen.
    assert page.get_by_role("radio", name="Bank transfer").is_checked()
    assert page.get_by_role("radio", name="Card").count() == 0
    protection = page.locator("section.notice")
    assert "Reflection period" in protection.inner_text()

    # The reflection notice must be acknowledged: refused without the tick, accepted with it.
    page.fill("#amount", major(project["min"]))
    submit(page, page.get_by_role("button", name="Confirm my pledge", exact=True))
    assert page.locator(".alert-error").is_visible()
    assert page.locator(".field.has-error #reflection_notice_seen").count() == 1
    screenshot("pledge-2-form-reflection-refused")
    assert page.input_value("#amount") == major(project["min"])
    page.get_by_label("I have read how the 4-day reflection period works.").check()
    screenshot("pledge-3-form-filled")
    submit(page, page.get_by_role("button", name="Confirm my pledge", exact=True))

    assert re.search(r"/portfolio/\d+$", page.url), page.url
    pledge = latest_pledge(app, BRUSSELS, project["id"])
    assert pledge["status"] == "offered" and pledge["method"] == "bank_transfer"
    assert pledge["amount_minor"] == project["min"]
    assert pledge["revocable_until"] - pledge["offered_at"] == timedelta(hours=96)
    assert page.locator("h1").inner_text() == f"Pledge {pledge['reference']}"
    flash = page.locator("main .alert-success").inner_text()
    assert flash == "Pledge recorded."
    reflection = page.locator("main .alert-info").first.inner_text()
    assert "Your reflection period has started." in reflection and "(Europe/Brussels)" in reflection
    assert "Offered (revocable)" in page.locator(".lead .badge").inner_text()
    assert pledge["reference"] in page.locator("dl.details").inner_text()
    screenshot("pledge-4-reflection-started")

    with page.expect_navigation():
        page.locator("#site-nav").get_by_role("link", name="Portfolio").click()
    row = page.get_by_role("row").filter(has_text=pledge["reference"])
    assert row.count() == 1
    assert "Offered (revocable)" in row.inner_text()
    assert "Revocable until" in row.inner_text() and "(Europe/Brussels)" in row.inner_text()
    screenshot("pledge-5-portfolio-offered")

    with page.expect_navigation():
        row.get_by_role("link", name=pledge["reference"]).click()
    revoke = page.get_by_role("button", name="Revoke this pledge")

    # Saying "no" to the confirmation leaves the pledge as it was: nothing is sent.
    questions: list[str] = []

    def dismiss(dialog):
        questions.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    revoke.click()
    assert questions == ["Revoke this pledge? Nothing will be charged."]
    assert pledge_row(app, pledge["id"])["status"] == "offered"

    def accept(dialog):
        questions.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    with page.expect_navigation():
        revoke.click()
    assert len(questions) == 2
    assert pledge_row(app, pledge["id"])["status"] == "revoked"
    assert page.locator(".lead .badge").inner_text() == "Revoked"
    assert "Your pledge is revoked. Nothing will be charged." in page.locator("main .alert-success").inner_text()
    assert page.get_by_role("button", name="Revoke this pledge").count() == 0
    assert "Revoked" in page.locator("ol.timeline").inner_text()
    screenshot("pledge-6-revoked")

    with page.expect_navigation():
        page.locator("#site-nav").get_by_role("link", name="Portfolio").click()
    row = page.get_by_role("row").filter(has_text=pledge["reference"])
    assert "Revoked" in row.inner_text()
    screenshot("pledge-7-portfolio-revoked")


# --- 2. campaigns closed; the partner bank confirms a transfer ------------------------------------------

def test_bank_confirms_the_transfer_of_a_funded_campaign(page, app, live_server, screenshot):
    from marketplace.accounts.models import User
    from marketplace.pledges.campaigns import close_due
    from marketplace.pledges.models import Pledge
    from marketplace.projects.models import Project

    def close():
        report = close_due()
        db.session.commit()
        return report

    report = in_app(app, close)
    assert "P31" in report.funded and "P20" in report.failed

    def pledges_of(code: str) -> list[dict]:
        rows = db.session.execute(select(Pledge.id, Pledge.reference, Pledge.status, Pledge.amount_minor, User.email)
                                  .join(Project, Pledge.project_id == Project.id)
                                  .join(User, Pledge.investor_id == User.id)
                                  .where(Project.code == code).order_by(Pledge.id)).all()
        return [row._asdict() for row in rows]

    funded = in_app(app, lambda: pledges_of("P31"))
    failed = in_app(app, lambda: pledges_of("P20"))
    assert funded and {p["status"] for p in funded} == {"collecting"}
    assert failed and {p["status"] for p in failed} == {"released"}

    log_in(page, live_server, BANKER)
    with page.expect_navigation():
        page.locator("#site-nav").get_by_role("link", name="Transfers").click()
    assert page.locator("h1").inner_text() == "Transfers to confirm"
    rows = page.locator("table tbody tr")
    queued = rows.count()
    for pledge in funded:
        assert rows.filter(has_text=pledge["reference"]).count() == 1
    screenshot("transfer-1-queue")

    # The bank confirms the first row of the queue, with the exact pledged amount.
    reference = rows.first.locator("code").inner_text()
    pledge = next(p for p in funded if p["reference"] == reference)
    row = rows.filter(has_text=reference)
    amount = row.locator("input[name=amount]")
    assert amount.input_value() in (major(pledge["amount_minor"]), f"{pledge['amount_minor'] / 100:.2f}")
    amount.fill(major(pledge["amount_minor"]))
    submit(page, row.get_by_role("button", name="Confirm receipt"))
    assert f"Transfer {reference} confirmed: the pledge is paid." in page.locator("main .alert-success").inner_text()
    assert page.locator("table tbody tr").filter(has_text=reference).count() == 0
    assert page.locator("table tbody tr").count() == queued - 1
    stored = pledge_row(app, pledge["id"])
    assert stored["status"] == "paid" and stored["received_minor"] == pledge["amount_minor"]
    screenshot("transfer-2-confirmed")

    # A transfer short of the pledged amount is recorded but flagged, and stays in the queue, first.
    short = next(p for p in funded if p["reference"] != reference)
    row = page.locator("table tbody tr").filter(has_text=short["reference"])
    row.locator("input[name=amount]").fill(major(short["amount_minor"] - 100))
    submit(page, row.get_by_role("button", name="Confirm receipt"))
    warning = page.locator("main .alert-warning").inner_text()
    assert f"Transfer {short['reference']} recorded but it does not match the pledged amount: flagged." in warning
    flagged = page.locator("table tbody tr").first
    assert short["reference"] in flagged.inner_text()
    assert "row-flagged" in (flagged.get_attribute("class") or "")
    assert flagged.locator(".badge-warning").inner_text() == "Mismatch"
    assert flagged.locator("input[name=amount]").input_value() in ("1", "1.00")
    stored = pledge_row(app, short["id"])
    assert stored["status"] == "collecting" and stored["received_minor"] == short["amount_minor"] - 100
    assert in_app(app, lambda: db.session.get(Pledge, short["id"]).transfer_mismatch) is True
    screenshot("transfer-2b-mismatch-flagged")

    log_in(page, live_server, pledge["email"])
    with page.expect_navigation():
        page.locator("#site-nav").get_by_role("link", name="Portfolio").click()
    mine = page.get_by_role("row").filter(has_text=reference)
    assert mine.locator(".badge").inner_text() == "Paid"
    screenshot("transfer-3-investor-paid")

    released = next(p for p in failed if p["email"] != pledge["email"])  # someone else, in their own session
    log_in(page, live_server, released["email"])
    with page.expect_navigation():
        page.locator("#site-nav").get_by_role("link", name="Portfolio").click()
    theirs = page.get_by_role("row").filter(has_text=released["reference"])
    assert theirs.locator(".badge").inner_text() == "Released (campaign not funded)"
    screenshot("transfer-4-investor-released")
    with page.expect_navigation():
        theirs.get_by_role("link", name=released["reference"]).click()
    assert "The campaign was not funded: nothing is charged." in page.locator("ol.timeline").inner_text()
    screenshot("transfer-5-released-detail")


# --- 3. a card saved through localstripe's Stripe.js stand-in -------------------------------------------

class TestCardInTheBrowser:
    @pytest.fixture
    def app_overrides(self, localstripe):  # noqa: F811 - the imported session fixture
        return {"STRIPE_SECRET_KEY": "sk_test_passerelle", "STRIPE_PUBLISHABLE_KEY": "pk_test_passerelle",
                "STRIPE_WEBHOOK_SECRET": "whsec_test_passerelle_0123456789", "STRIPE_API_BASE": localstripe,
                "STRIPE_JS_URL": f"{localstripe}/js.stripe.com/v3/"}

    def test_card_pledge_saves_a_card_through_stripe_elements(self, page, app, live_server, localstripe,  # noqa: F811
                                                              screenshot):
        from marketplace.accounts.models import User

        # An investor outside any specific regime (no reflection period): committed at once.
        email = in_app(app, lambda: db.session.scalar(
            select(User.email).where(User.email.like("investor.%@demo.passerelle.org"),
                                     User.residence_country.has(iso2="CA")).order_by(User.email).limit(1)))
        assert email, "the demo has an investor living in Canada"
        problems: list[str] = []
        page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))

        project = pledgeable_project(app)
        log_in(page, live_server, email)
        open_project_from_catalogue(page, live_server, project["title"])
        with page.expect_navigation():
            page.get_by_role("link", name="Pledge to this project").click()
        assert page.get_by_role("radio", name="Card").is_checked()
        assert page.locator("section.notice").count() == 0
        page.fill("#amount", major(project["min"]))
        screenshot("card-1-pledge-form")
        submit(page, page.get_by_role("button", name="Confirm my pledge", exact=True))

        assert re.search(r"/pledges/\d+/card$", page.url), page.url
        pledge = latest_pledge(app, email, project["id"])
        assert pledge["method"] == "card" and pledge["status"] == "committed"
        assert pledge["stripe_payment_method_id"] is None
        assert page.locator("h1").inner_text() == f"Card for pledge {pledge['reference']}"
        screenshot("card-2-card-page")

        submit(page, page.get_by_role("button", name="Enter card details"))
        element = page.locator("#card-element")
        # localstripe's Element renders plain inputs named by their placeholders, once Stripe.js has loaded.
        element.locator("input[placeholder=number]").wait_for(timeout=10_000)
        page.fill("#cardholder-name", "Investor Montréal")
        element.locator("input[placeholder=number]").fill("4242424242424242")
        element.locator("input[placeholder=exp_month]").fill("12")
        element.locator("input[placeholder=exp_year]").fill("30")
        element.locator("input[placeholder=cvc]").fill("123")
        element.locator("input[placeholder=postal_code]").fill("10000")
        screenshot("card-3-elements-filled")
        with page.expect_navigation(url=re.compile(r"/pledges/\d+/card$")):
            page.get_by_role("button", name="Save the card").click()

        assert page.locator("#card-errors").count() == 0
        assert "Your card is saved. It is charged only if the campaign is funded." in \
            page.locator("main .alert-success").first.inner_text()
        assert "A card is saved for this pledge." in page.locator("main").inner_text()
        assert page.get_by_role("button", name="Enter card details").count() == 0
        stored = pledge_row(app, pledge["id"])
        assert stored["stripe_payment_method_id"], "the card's payment method is kept"
        assert stored["stripe_payment_method_id"].startswith("pm_")
        assert not [p for p in problems if "Content Security Policy" in p], problems
        screenshot("card-4-card-saved")

        page.goto(f"{live_server}/portfolio/{pledge['id']}")
        assert "Card" in page.locator("dl.details").inner_text()
        screenshot("card-5-pledge-detail")
