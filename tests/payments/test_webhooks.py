"""Stripe webhooks: each event once, any order, concurrent deliveries, and nothing from a forged one."""

import itertools
import json
import threading
import time
import uuid

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models_common import utcnow
from marketplace.notifications.models import Notification
from marketplace.payments.models import StripeEvent
from marketplace.pledges.models import Pledge, PledgeTransition
from tests.payments.conftest import event, pledge_state, post_event, sign, start_collection


@pytest.fixture
def charged(app, cards):
    return make_charged(app, cards)


def make_charged(app, cards) -> dict:
    """A collecting card pledge whose off-session charge was sent (ids as Stripe gave them); card not yet stored."""
    pledge_id, _ = cards.placed()
    start_collection(app, pledge_id)
    suffix = uuid.uuid4().hex[:12]
    with app.app_context():
        pledge = db.session.get(Pledge, pledge_id)
        pledge.stripe_customer_id, pledge.stripe_setup_intent_id = f"cus_{suffix}", f"seti_{suffix}"
        pledge.stripe_payment_intent_id = f"pi_{suffix}"
        pledge.charge_attempted_at, pledge.charge_idempotency_key = utcnow(), f"pledge:{pledge_id}:charge"
        db.session.commit()
        ids = {"pledge_id": pledge_id, "reference": pledge.reference, "amount": pledge.amount_minor,
               "customer": pledge.stripe_customer_id, "setup": pledge.stripe_setup_intent_id,
               "intent": pledge.stripe_payment_intent_id, "method": f"pm_{suffix}", "charge": f"ch_{suffix}"}
        db.session.remove()
    return ids


def intent(c, status, error_code=None):
    return {"id": c["intent"], "object": "payment_intent", "amount": c["amount"], "currency": "mad",
            "status": status, "customer": c["customer"], "payment_method": c["method"],
            "metadata": {"pledge_id": str(c["pledge_id"]), "reference": c["reference"]},
            "last_payment_error": {"code": error_code} if error_code else None}


def succeeded(c):
    return event("payment_intent.succeeded", {**intent(c, "succeeded"), "amount_received": c["amount"]})


def failed(c, status="requires_payment_method", code="card_declined"):
    return event("payment_intent.payment_failed", intent(c, status, code))


def setup_succeeded(c):
    return event("setup_intent.succeeded", {"id": c["setup"], "object": "setup_intent", "status": "succeeded",
                                            "customer": c["customer"], "payment_method": c["method"]})


def refunded(c, amount_refunded=None):
    return event("charge.refunded", {
        "id": c["charge"], "object": "charge", "amount": c["amount"], "amount_captured": c["amount"],
        "amount_refunded": c["amount"] if amount_refunded is None else amount_refunded, "currency": "mad",
        "paid": True, "captured": True, "status": "succeeded", "payment_intent": c["intent"], "refunded": True})


def effects(app, pledge_id):
    """Everything an event can change: the pledge, its history, notifications and recorded events."""
    with app.app_context():
        counts = {
            "transitions": db.session.scalar(select(func.count()).where(PledgeTransition.pledge_id == pledge_id)),
            "notifications": db.session.scalar(select(func.count()).select_from(Notification)),
            "events": db.session.scalar(select(func.count()).select_from(StripeEvent)),
        }
        db.session.remove()
    return {**pledge_state(app, pledge_id), **counts}


def test_a_payment_succeeded_event_marks_the_pledge_paid(app, client, charged):
    response = post_event(client, succeeded(charged))
    assert response.status_code == 200
    assert response.get_json()["outcome"] == "paid"
    state = pledge_state(app, charged["pledge_id"])
    assert state["status"] == "paid" and state["received_minor"] == charged["amount"]


def test_the_same_event_five_times_has_one_effect(app, client, charged):
    payload = succeeded(charged)
    outcomes = [post_event(client, payload).get_json()["outcome"] for _ in range(5)]
    assert outcomes == ["paid"] + ["duplicate"] * 4
    after = effects(app, charged["pledge_id"])
    assert after["events"] == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.kind == "pledge.paid")) == 1


def test_twenty_concurrent_deliveries_of_one_event_have_one_effect(app, charged):
    payload = json.dumps(succeeded(charged))
    header = sign(payload)
    barrier = threading.Barrier(20)
    statuses, errors = [], []

    def deliver():
        client = app.test_client()
        barrier.wait()
        try:
            statuses.append(client.post("/webhooks/stripe", data=payload, content_type="application/json",
                                        headers={"Stripe-Signature": header}).status_code)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=deliver) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[:3]
    assert statuses == [200] * 20
    after = effects(app, charged["pledge_id"])
    assert after["events"] == 1 and after["status"] == "paid"
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(
            PledgeTransition.pledge_id == charged["pledge_id"], PledgeTransition.action == "mark_paid")) == 1


SEQUENCE = ("setup_intent.succeeded", "payment_intent.payment_failed", "payment_intent.succeeded", "charge.refunded")


def test_every_order_of_four_events_converges_on_one_state(app, cards, client):
    """Authentication asked, then passed, then refunded; the card saved at any moment: 24 orders, one end."""
    finals = set()
    for order in itertools.permutations(range(4)):
        # A fresh pledge per order; the app and its database are shared by the 24 runs.
        c = make_charged(app, cards)
        builders = [setup_succeeded(c), failed(c, status="requires_action", code="authentication_required"),
                    succeeded(c), refunded(c)]
        for index in order:
            assert post_event(client, builders[index]).status_code == 200
        state = pledge_state(app, c["pledge_id"])
        finals.add((state["status"], state["received_minor"], state["refunded_minor"],
                    state["stripe_payment_method_id"] == c["method"], state["payment_error"]))
    assert finals == {("refunded", 50_000, 50_000, True, None)}


@pytest.mark.parametrize("forgery", ["wrong_secret", "missing_header", "one_byte_changed", "too_old",
                                     "malformed_json", "oversized", "not_an_event"])
def test_a_forged_or_unacceptable_event_is_refused_and_changes_nothing(app, client, charged, forgery):
    before = effects(app, charged["pledge_id"])
    body = json.dumps(succeeded(charged))
    headers = {"Stripe-Signature": sign(body)}
    if forgery == "wrong_secret":
        headers = {"Stripe-Signature": sign(body, secret="whsec_someone_else")}
    elif forgery == "missing_header":
        headers = {}
    elif forgery == "one_byte_changed":
        body = body.replace('"amount": 50000', '"amount": 50001')
    elif forgery == "too_old":
        headers = {"Stripe-Signature": sign(body, timestamp=int(time.time()) - 301)}
    elif forgery == "malformed_json":
        body = body[:-1]
        headers = {"Stripe-Signature": sign(body)}
    elif forgery == "oversized":
        payload = succeeded(charged)
        payload["data"]["object"]["metadata"]["padding"] = "x" * 70_000
        body = json.dumps(payload)
        headers = {"Stripe-Signature": sign(body)}
    elif forgery == "not_an_event":
        body = json.dumps([1, 2, 3])
        headers = {"Stripe-Signature": sign(body)}
    response = client.post("/webhooks/stripe", data=body, content_type="application/json", headers=headers)
    assert response.status_code == 400
    assert response.is_json
    assert effects(app, charged["pledge_id"]) == before


def test_a_valid_event_replayed_within_the_tolerance_is_deduplicated(app, client, charged):
    payload = json.dumps(succeeded(charged))
    header = sign(payload, timestamp=int(time.time()) - 200)
    first = client.post("/webhooks/stripe", data=payload, content_type="application/json",
                        headers={"Stripe-Signature": header})
    replay = client.post("/webhooks/stripe", data=payload, content_type="application/json",
                         headers={"Stripe-Signature": header})
    assert (first.get_json()["outcome"], replay.get_json()["outcome"]) == ("paid", "duplicate")


def test_an_unknown_event_type_is_acknowledged_and_ignored(app, client, charged):
    before = pledge_state(app, charged["pledge_id"])
    response = post_event(client, event("customer.created", {"id": charged["customer"], "object": "customer"}))
    assert response.status_code == 200 and response.get_json()["outcome"] == "ignored"
    assert pledge_state(app, charged["pledge_id"]) == before


def test_a_failure_mid_handler_answers_5xx_applies_nothing_and_the_retry_succeeds(app, client, charged, monkeypatch):
    from marketplace.payments import services

    app.config["PROPAGATE_EXCEPTIONS"] = False
    before = effects(app, charged["pledge_id"])
    payload = succeeded(charged)
    real_notify = services._notify

    def crash(*args, **kwargs):
        raise RuntimeError("the notification store is down")

    monkeypatch.setattr(services, "_notify", crash)  # fails after the pledge was marked paid in the transaction
    assert post_event(client, payload).status_code == 500
    assert effects(app, charged["pledge_id"]) == before
    monkeypatch.setattr(services, "_notify", real_notify)
    response = post_event(client, payload)
    assert response.status_code == 200 and response.get_json()["outcome"] == "paid"
    assert pledge_state(app, charged["pledge_id"])["status"] == "paid"


def test_a_decline_event_fails_the_pledge_and_authentication_opens_the_window(app, client, charged):
    assert post_event(client, failed(charged, "requires_action", "authentication_required")).get_json()[
        "outcome"] == "action_required"
    state = pledge_state(app, charged["pledge_id"])
    assert state["status"] == "collecting" and state["payment_due_by"] is not None
    assert post_event(client, failed(charged)).get_json()["outcome"] == "failed"
    assert pledge_state(app, charged["pledge_id"])["status"] == "payment_failed"
    # A success arriving after the failure: the money is kept aside for refund_due, never counted as paid.
    assert post_event(client, succeeded(charged)).get_json()["outcome"] == "stray"
    state = pledge_state(app, charged["pledge_id"])
    assert state["status"] == "payment_failed" and state["received_minor"] == 50_000


def test_an_event_for_another_pledge_reference_changes_nothing(app, client, charged):
    forged = succeeded(charged)
    forged["data"]["object"]["metadata"]["reference"] = "PSL-XXXX-XXXX"
    assert post_event(client, forged).get_json()["outcome"] == "unknown_pledge"
    assert pledge_state(app, charged["pledge_id"])["status"] == "collecting"


def test_a_partial_refund_is_recorded_and_the_pledge_stays_paid(app, client, charged):
    post_event(client, succeeded(charged))
    assert post_event(client, refunded(charged, 20_000)).get_json()["outcome"] == "partly_refunded"
    state = pledge_state(app, charged["pledge_id"])
    assert (state["status"], state["refunded_minor"]) == ("paid", 20_000)
    assert post_event(client, refunded(charged, 10_000)).get_json()["outcome"] == "unchanged"  # older, smaller
    assert pledge_state(app, charged["pledge_id"])["refunded_minor"] == 20_000
