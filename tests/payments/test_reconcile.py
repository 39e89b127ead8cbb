"""Faults between us and Stripe: one key per logical charge, unknown outcomes settled by `flask payments reconcile`."""

from datetime import timedelta

from marketplace.extensions import db
from marketplace.models_common import utcnow
from marketplace.payments import services
from marketplace.pledges.models import Pledge
from tests.payments.conftest import pledge_state
from tests.payments.test_charges import PI, charge


def intents_for(stripe_api, pledge_id, reference):
    return [i for i in stripe_api.v1.payment_intents.list(params={"limit": 100}).data
            if i.metadata.to_dict() == {"pledge_id": str(pledge_id), "reference": reference}]


def test_500s_are_retried_with_the_same_key_and_the_charge_succeeds(app, cards, transport):
    pledge_id = cards.collecting("ok")
    transport.fail("post", PI, "500", "500")
    assert charge(app, pledge_id) == "paid"
    keys = [c.idempotency_key for c in transport.made("post", PI)]
    assert keys == [f"pledge:{pledge_id}:charge"] * 3


def test_a_timeout_after_stripe_charged_is_unknown_then_reconcile_settles_it_without_a_second_intent(
        app, cards, transport, stripe_api, runner):
    pledge_id = cards.collecting("ok")
    transport.fail("post", PI, "timeout_after", "timeout_after", "timeout_after")
    assert charge(app, pledge_id) == "unknown"
    state = pledge_state(app, pledge_id)
    assert state["status"] == "collecting" and state["payment_outcome_unknown"] is True
    assert state["stripe_payment_intent_id"] is None
    assert [c.idempotency_key for c in transport.made("post", PI)] == [f"pledge:{pledge_id}:charge"] * 3

    result = runner.invoke(args=["payments", "reconcile"])
    assert result.exit_code == 0, result.output
    assert "paid: 1" in result.output
    state = pledge_state(app, pledge_id)
    assert state["status"] == "paid" and state["payment_outcome_unknown"] is False
    assert len(transport.made("post", PI)) == 3  # found by metadata, not created again
    with app.app_context():
        reference = db.session.get(Pledge, pledge_id).reference
    assert [i.id for i in intents_for(stripe_api, pledge_id, reference)] == [state["stripe_payment_intent_id"]]
    assert "nothing to do" in runner.invoke(args=["payments", "reconcile"]).output


def test_a_timeout_before_stripe_saw_the_call_is_charged_again_with_the_same_key(app, cards, transport, runner):
    pledge_id = cards.collecting("ok")
    transport.fail("post", PI, "timeout_before", "timeout_before", "timeout_before")
    assert charge(app, pledge_id) == "unknown"
    assert runner.invoke(args=["payments", "reconcile"]).exit_code == 0
    assert pledge_state(app, pledge_id)["status"] == "paid"
    assert {c.idempotency_key for c in transport.made("post", PI)} == {f"pledge:{pledge_id}:charge"}
    assert len(transport.made("post", PI)) == 4


def test_a_retry_storm_makes_at_most_one_payment_intent(app, cards, transport, stripe_api):
    pledge_id = cards.collecting("ok")
    transport.fail("post", PI, *["timeout_after"] * 3)
    charge(app, pledge_id)
    for _ in range(5):
        transport.fail("post", PI, "timeout_after", "500")
        with app.app_context():
            services.reconcile()
            db.session.remove()
    assert pledge_state(app, pledge_id)["status"] == "paid"
    with app.app_context():
        reference = db.session.get(Pledge, pledge_id).reference
    assert len(intents_for(stripe_api, pledge_id, reference)) == 1


def test_after_24_hours_reconcile_looks_up_and_never_creates(app, cards, transport):
    pledge_id = cards.collecting("ok")
    transport.fail("post", PI, *["timeout_before"] * 3)
    charge(app, pledge_id, now=utcnow() - timedelta(hours=25))
    with app.app_context():
        outcomes = services.reconcile()
        db.session.remove()
    assert outcomes == {pledge_id: "failed"}
    state = pledge_state(app, pledge_id)
    assert state["status"] == "payment_failed" and state["payment_error"] == "charge_not_completed"
    assert len(transport.made("post", PI)) == 3  # the three attempts of the original call only
    assert transport.made("get", PI)  # it looked


def test_reconcile_leaves_a_fresh_claim_alone(app, cards, transport):
    pledge_id = cards.collecting("ok")
    with app.app_context():
        db.session.get(Pledge, pledge_id).charge_attempted_at = utcnow()  # a charge still waiting for Stripe
        db.session.commit()
        assert services.reconcile() == {}
        db.session.remove()
    assert transport.made("post", PI) == []


def test_reconcile_completes_an_authentication_finished_while_no_webhook_arrived(app, cards):
    pledge_id = cards.collecting("authenticate")
    assert charge(app, pledge_id) == "action_required"
    intent_id = pledge_state(app, pledge_id)["stripe_payment_intent_id"]
    cards.authenticate(intent_id)  # the investor passed the bank's step on-session
    with app.app_context():
        assert services.reconcile() == {pledge_id: "paid"}
        db.session.remove()
    assert pledge_state(app, pledge_id)["status"] == "paid"
