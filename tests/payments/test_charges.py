"""Off-session charges at close: claimed once, keyed by the pledge, recorded in a second transaction."""

import threading
from datetime import timedelta

import pytest

from marketplace.extensions import db
from marketplace.models_common import utcnow
from marketplace.notifications.models import Notification
from marketplace.payments import gateway, services
from marketplace.pledges.models import Pledge
from tests.payments.conftest import pledge_state

PI = "/v1/payment_intents"


def charge(app, pledge_id, **kwargs):
    with app.app_context():
        try:
            return services.charge_pledge(pledge_id, **kwargs)
        finally:
            db.session.remove()


def kinds(app, pledge_id):
    with app.app_context():
        user_id = db.session.get(Pledge, pledge_id).investor_id
        return [n.kind for n in db.session.query(Notification).filter_by(user_id=user_id)]


def test_charge_pledge_makes_a_paid_pledge_with_the_pledge_key_and_metadata(app, cards, transport, stripe_api):
    pledge_id = cards.collecting("ok")
    assert charge(app, pledge_id) == "paid"
    state = pledge_state(app, pledge_id)
    assert state["status"] == "paid"
    assert state["received_minor"] == state["amount_minor"] == 50_000
    assert state["charge_idempotency_key"] == f"pledge:{pledge_id}:charge"
    assert state["charge_attempted_at"] is not None
    assert [c.idempotency_key for c in transport.made("post", PI)] == [f"pledge:{pledge_id}:charge"]
    intent = stripe_api.v1.payment_intents.retrieve(state["stripe_payment_intent_id"])
    assert intent.metadata.to_dict()["pledge_id"] == str(pledge_id)
    assert intent.amount == 50_000 and intent.currency == "mad"
    assert "pledge.paid" in kinds(app, pledge_id)


def test_a_declined_card_fails_the_pledge_with_the_code(app, cards):
    pledge_id = cards.collecting("declined")
    assert charge(app, pledge_id) == "failed"
    state = pledge_state(app, pledge_id)
    assert state["status"] == "payment_failed"
    assert state["payment_error"] == "card_declined"
    assert state["received_minor"] == 0
    assert state["stripe_payment_intent_id"]  # found through the declined charge
    assert "pledge.payment_failed" in kinds(app, pledge_id)


def test_authentication_required_keeps_collecting_and_opens_a_bounded_window(app, cards):
    pledge_id = cards.collecting("authenticate")
    before = utcnow()
    assert charge(app, pledge_id) == "action_required"
    state = pledge_state(app, pledge_id)
    assert state["status"] == "collecting"
    assert state["payment_error"] == "authentication_required"
    assert state["stripe_payment_intent_id"]
    hours = app.config["PAYMENT_ACTION_WINDOW_HOURS"]
    assert before + timedelta(hours=hours) <= state["payment_due_by"] <= utcnow() + timedelta(hours=hours)
    with app.app_context():
        link = db.session.query(Notification).filter_by(kind="pledge.action_required").one().link
    assert link == f"/pledges/{pledge_id}/complete-payment"


def test_a_card_pledge_without_a_saved_card_fails_clearly_without_calling_stripe(app, cards, transport):
    from tests.payments.conftest import start_collection

    pledge_id, _ = cards.placed()
    start_collection(app, pledge_id)
    assert charge(app, pledge_id) == "failed"
    assert pledge_state(app, pledge_id)["payment_error"] == services.NO_SAVED_CARD
    assert transport.made("post", PI) == []


def test_charging_twice_makes_one_payment_intent(app, cards, transport):
    pledge_id = cards.collecting("ok")
    assert charge(app, pledge_id) == "paid"
    assert charge(app, pledge_id) == "skipped"
    assert len(transport.made("post", PI)) == 1


def test_concurrent_charges_of_one_pledge_make_one_payment_intent(app, cards, transport):
    pledge_id = cards.collecting("ok")
    racers = 8
    barrier = threading.Barrier(racers)
    outcomes, errors = [], []

    def one():
        barrier.wait()
        try:
            outcomes.append(charge(app, pledge_id))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=one) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[:3]
    assert sorted(outcomes) == ["paid"] + ["skipped"] * (racers - 1)
    assert len(transport.made("post", PI)) == 1
    assert pledge_state(app, pledge_id)["status"] == "paid"


@pytest.mark.parametrize("status", ["offered", "committed"])
def test_a_pledge_not_yet_collecting_is_never_charged(app, cards, transport, status):
    pledge_id = cards.saved("ok")
    with app.app_context():
        db.session.get(Pledge, pledge_id).status = status  # offered: still inside its revocation period
        db.session.commit()
    assert charge(app, pledge_id) == "skipped"
    state = pledge_state(app, pledge_id)
    assert state["status"] == status and state["charge_attempted_at"] is None
    assert transport.made("post", PI) == []


def test_collect_card_payments_after_close_charges_each_collecting_card_pledge(app, cards, transport):
    from marketplace.pledges.campaigns import close_campaign, collect_card_payments
    from marketplace.projects.models import Project

    project_id = cards.pledging.project(target="1000", currency="MAD")
    first = cards.saved("ok", project_id=project_id, amount_minor=60_000)
    second = cards.saved("declined", project_id=project_id, amount_minor=40_000)
    with app.app_context():
        assert close_campaign(db.session.get(Project, project_id), now=utcnow())
        db.session.commit()
        assert sorted(collect_card_payments()) == sorted([first, second])
        assert collect_card_payments() == []
        db.session.remove()
    assert pledge_state(app, first)["status"] == "paid"
    assert pledge_state(app, second)["status"] == "payment_failed"
    assert len(transport.made("post", PI)) == 2


def test_the_stripe_client_has_a_short_timeout_and_explicit_retries(app):
    app.config["STRIPE_HTTP_CLIENT"] = None
    with app.app_context():
        client = gateway.client()
        assert client._requestor._client._timeout <= 20
        assert client._requestor._options.max_network_retries == app.config["STRIPE_MAX_NETWORK_RETRIES"] == 2
        assert gateway.client() is client  # cached per configuration
