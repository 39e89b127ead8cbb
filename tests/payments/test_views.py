"""The card pages end to end through the test client, with localstripe standing in for Stripe and Stripe.js."""

import re

import pytest

from marketplace.extensions import db
from marketplace.payments import services
from marketplace.pledges.models import Pledge
from tests.payments.conftest import event, pledge_state, post_event, start_collection
from tests.payments.test_charges import charge

SECRET = re.compile(r'data-client-secret="([^"]+)"')
PASSWORD = "correct horse battery staple 42"


def log_in(app, browserless, investor_id):
    from marketplace.accounts.models import User

    with app.app_context():
        email = db.session.get(User, investor_id).email
    assert browserless.login(email, PASSWORD).status_code == 302


def save_card_through_the_pages(app, browserless, cards, pledge_id, card):
    """GET the card page, POST to show Elements, confirm like Stripe.js, POST done: the browser's path."""
    client = browserless.client
    page = client.get(f"/pledges/{pledge_id}/card")
    assert page.status_code == 200
    form = browserless.post_form(f"/pledges/{pledge_id}/card", {})
    assert form.status_code == 200
    assert form.headers["Cache-Control"] == "no-store"
    html = form.get_data(as_text=True)
    secret = SECRET.search(html).group(1)
    assert f'src="{app.config["STRIPE_JS_URL"]}"' in html
    assert secret not in form.headers.get("Location", "")
    setup_intent_id = secret.split("_secret_")[0]
    assert pledge_state(app, pledge_id)["stripe_setup_intent_id"] == setup_intent_id
    payment_method = cards.confirm_setup(setup_intent_id, card)
    done = browserless.post_form(f"/pledges/{pledge_id}/card/done", {"payment_method": "pm_forged_by_browser"},
                                 form_url=f"/pledges/{pledge_id}/card")
    assert done.status_code == 302
    state = pledge_state(app, pledge_id)
    assert state["stripe_payment_method_id"] == payment_method != "pm_forged_by_browser"
    assert secret not in str(state)
    return secret


def test_card_pledge_end_to_end_is_paid(app, browserless, cards):
    pledge_id, investor_id = cards.placed()
    log_in(app, browserless, investor_id)
    save_card_through_the_pages(app, browserless, cards, pledge_id, "ok")
    start_collection(app, pledge_id)
    assert charge(app, pledge_id) == "paid"
    assert pledge_state(app, pledge_id)["status"] == "paid"


def test_card_pledge_end_to_end_after_the_campaign_closes(app, browserless, cards):
    from marketplace.models_common import utcnow
    from marketplace.pledges.campaigns import close_campaign, collect_card_payments
    from marketplace.projects.models import Project

    pledge_id, investor_id = cards.placed(amount_minor=100_000)
    log_in(app, browserless, investor_id)
    save_card_through_the_pages(app, browserless, cards, pledge_id, "ok")
    with app.app_context():
        pledge = db.session.get(Pledge, pledge_id)
        assert close_campaign(db.session.get(Project, pledge.project_id), now=utcnow())
        db.session.commit()
        assert collect_card_payments() == [pledge_id]
        db.session.remove()
    assert pledge_state(app, pledge_id)["status"] == "paid"


def test_a_declined_card_end_to_end_fails_the_pledge(app, browserless, cards):
    pledge_id, investor_id = cards.placed()
    log_in(app, browserless, investor_id)
    save_card_through_the_pages(app, browserless, cards, pledge_id, "declined")
    start_collection(app, pledge_id)
    assert charge(app, pledge_id) == "failed"
    assert pledge_state(app, pledge_id)["status"] == "payment_failed"


@pytest.mark.parametrize("settle_by", ["page", "reconcile", "webhook"])
def test_a_card_needing_authentication_is_completed_on_session(app, browserless, cards, stripe_api, settle_by):
    pledge_id, investor_id = cards.placed()
    log_in(app, browserless, investor_id)
    save_card_through_the_pages(app, browserless, cards, pledge_id, "authenticate")
    start_collection(app, pledge_id)
    assert charge(app, pledge_id) == "action_required"
    page = browserless.client.get(f"/pledges/{pledge_id}/complete-payment")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    secret = SECRET.search(page.get_data(as_text=True)).group(1)
    intent_id = pledge_state(app, pledge_id)["stripe_payment_intent_id"]
    assert secret.startswith(f"{intent_id}_secret_")
    cards.authenticate(intent_id)  # what confirmCardPayment does once the investor passes the bank's step
    if settle_by == "page":
        done = browserless.post_form(f"/pledges/{pledge_id}/complete-payment", {})
        assert done.status_code == 302
    elif settle_by == "reconcile":
        with app.app_context():
            assert services.reconcile() == {pledge_id: "paid"}
            db.session.remove()
    else:  # localstripe's own webhook cannot reach the test client: the same event, signed here
        intent = stripe_api.v1.payment_intents.retrieve(intent_id).to_dict()
        response = post_event(browserless.client, event("payment_intent.succeeded", intent))
        assert response.get_json()["outcome"] == "paid"
    assert pledge_state(app, pledge_id)["status"] == "paid"
    after = browserless.client.get(f"/pledges/{pledge_id}/complete-payment").get_data(as_text=True)
    assert "data-client-secret" not in after


def test_another_investors_card_pages_are_404(app, browserless, cards, pledging):
    pledge_id, _ = cards.placed()
    log_in(app, browserless, pledging.investor().id)
    assert browserless.client.get(f"/pledges/{pledge_id}/card").status_code == 404
    assert browserless.client.get(f"/pledges/{pledge_id}/complete-payment").status_code == 404
    token = browserless.token("/")
    assert browserless.client.post(f"/pledges/{pledge_id}/card", data={"csrf_token": token}).status_code == 404
    assert pledge_state(app, pledge_id)["stripe_setup_intent_id"] is None


def test_card_pages_need_a_log_in(client, cards):
    pledge_id, _ = cards.placed()
    response = client.get(f"/pledges/{pledge_id}/card")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_saving_a_card_without_the_csrf_token_is_refused(app, browserless, cards):
    pledge_id, investor_id = cards.placed()
    log_in(app, browserless, investor_id)
    assert browserless.client.post(f"/pledges/{pledge_id}/card", data={}).status_code == 400
    assert pledge_state(app, pledge_id)["stripe_setup_intent_id"] is None


def test_the_card_page_policy_allows_stripe_js_and_its_api_only(app, browserless, cards, localstripe):
    pledge_id, investor_id = cards.placed()
    log_in(app, browserless, investor_id)
    policy = browserless.client.get(f"/pledges/{pledge_id}/card").headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert localstripe in directives["script-src"] and "'unsafe-inline'" not in directives["script-src"]
    assert localstripe in directives["connect-src"]
    assert localstripe in directives["frame-src"]


def test_the_setup_is_reused_on_reload(app, browserless, cards, transport):
    pledge_id, investor_id = cards.placed()
    log_in(app, browserless, investor_id)
    first = SECRET.search(browserless.post_form(f"/pledges/{pledge_id}/card", {}).get_data(as_text=True)).group(1)
    again = SECRET.search(browserless.post_form(f"/pledges/{pledge_id}/card", {}).get_data(as_text=True)).group(1)
    assert first == again
    assert [c.idempotency_key for c in transport.made("post", "/v1/customers")] == [f"pledge:{pledge_id}:customer"]
    assert [c.idempotency_key for c in transport.made("post", "/v1/setup_intents")] == [f"pledge:{pledge_id}:setup"]
