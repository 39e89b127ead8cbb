"""Refunds of paid card pledges when a funded project is cancelled: once, and never more than received."""

from marketplace.extensions import db
from marketplace.payments import services
from marketplace.pledges.models import Pledge
from marketplace.projects.models import Project
from tests.payments.conftest import pledge_state
from tests.payments.test_charges import charge

REFUNDS = "/v1/refunds"


def cancel_project(app, pledge_id):
    with app.app_context():
        project = db.session.get(Pledge, pledge_id).project
        project.status = "cancelled"  # what projects.lifecycle "cancel" does; paid card pledges are left to us
        db.session.commit()
        db.session.remove()


def refund_due(app):
    with app.app_context():
        try:
            return services.refund_due()
        finally:
            db.session.remove()


def paid_pledge(app, cards):
    pledge_id = cards.collecting("ok")
    assert charge(app, pledge_id) == "paid"
    return pledge_id


def test_a_cancelled_projects_paid_card_pledge_is_refunded_in_full_once(app, cards, transport, runner):
    pledge_id = paid_pledge(app, cards)
    cancel_project(app, pledge_id)
    result = runner.invoke(args=["payments", "refund-due"])
    assert result.exit_code == 0 and "refunded: 1" in result.output
    state = pledge_state(app, pledge_id)
    assert state["status"] == "refunded"
    assert state["refunded_minor"] == state["received_minor"] == 50_000
    assert [c.idempotency_key for c in transport.made("post", REFUNDS)] == [f"pledge:{pledge_id}:refund:0"]
    assert refund_due(app) == {}
    assert len(transport.made("post", REFUNDS)) == 1
    with app.app_context():
        actions = [t.action for t in db.session.get(Pledge, pledge_id).transitions]
    assert actions[-1] == "refund"


def test_only_what_is_left_after_a_partial_refund_is_refunded(app, cards, transport):
    pledge_id = paid_pledge(app, cards)
    with app.app_context():
        pledge = db.session.get(Pledge, pledge_id)
        services.record_refund(pledge, 20_000, "refunded from the Stripe dashboard")
        db.session.commit()
        db.session.remove()
    cancel_project(app, pledge_id)
    assert refund_due(app) == {pledge_id: "refunded"}
    assert pledge_state(app, pledge_id)["refunded_minor"] == 50_000
    assert transport.made("post", REFUNDS)[0].idempotency_key == f"pledge:{pledge_id}:refund:20000"


def test_a_refund_is_never_recorded_above_what_was_received(app, cards):
    pledge_id = paid_pledge(app, cards)
    with app.app_context():
        assert services.record_refund(db.session.get(Pledge, pledge_id), 90_000, "too much") == "refunded"
        db.session.commit()
        db.session.remove()
    state = pledge_state(app, pledge_id)
    assert state["refunded_minor"] == state["received_minor"] == 50_000


def test_a_refund_timeout_is_retried_with_the_same_key_and_refunds_once(app, cards, transport):
    pledge_id = paid_pledge(app, cards)
    cancel_project(app, pledge_id)
    transport.fail("post", REFUNDS, "timeout_after", "timeout_after", "timeout_after")
    assert refund_due(app) == {pledge_id: "unknown"}
    assert pledge_state(app, pledge_id)["status"] == "paid"
    assert refund_due(app) == {pledge_id: "refunded"}
    keys = {c.idempotency_key for c in transport.made("post", REFUNDS)}
    assert keys == {f"pledge:{pledge_id}:refund:0"}
    assert len(transport.replies) >= 1 and pledge_state(app, pledge_id)["refunded_minor"] == 50_000


def test_paid_pledges_of_live_projects_and_bank_transfers_are_not_refunded(app, cards, transport):
    pledge_id = paid_pledge(app, cards)
    assert refund_due(app) == {}
    with app.app_context():
        assert db.session.get(Project, db.session.get(Pledge, pledge_id).project_id).status == "published"
    assert transport.made("post", REFUNDS) == []
