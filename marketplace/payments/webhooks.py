"""Stripe webhooks: verified on the raw body, recorded once by event id in the same transaction as the effect.

Stripe delivers at least once, in any order, sometimes twice at the same moment. The event row's primary
key makes a repeat fail to insert (a no-op answered 200), and every effect moves the pledge only forward,
so any order of the same events ends in the same state. 2xx is answered only after the commit; any
failure rolls everything back and answers 5xx, so Stripe retries. The route (POST /webhooks/stripe) is
registered on the `payments` blueprint in views.py; it is the one route exempt from CSRF.
"""

from __future__ import annotations

import hashlib
import logging

from flask import current_app, jsonify, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from marketplace.extensions import csrf, db
from marketplace.payments import gateway, services
from marketplace.payments.models import StripeEvent
from marketplace.pledges.models import Pledge

log = logging.getLogger(__name__)
MAX_WEBHOOK_BYTES = 64 * 1024  # Stripe events are a few kilobytes


@csrf.exempt
def stripe_webhook():
    """Receive one Stripe event: 400 for anything unverified, 200 once its effect is committed."""
    if not current_app.config.get("STRIPE_WEBHOOK_SECRET"):
        return jsonify(error="webhooks are not configured"), 404
    if request.content_length is None or request.content_length > MAX_WEBHOOK_BYTES:
        return jsonify(error="missing or oversized body"), 400
    payload = request.get_data(cache=False)
    try:
        event = gateway.verify_webhook(payload, request.headers.get("Stripe-Signature"),
                                       current_app.config["STRIPE_WEBHOOK_SECRET"])
    except gateway.InvalidWebhook:
        return jsonify(error="invalid signature or payload"), 400
    outcome = receive_event(event, hashlib.sha256(payload).hexdigest())
    return jsonify(received=True, outcome=outcome), 200


def receive_event(event: dict, payload_sha256: str) -> str:
    """Insert the event row and apply its effect in one transaction; a duplicate id changes nothing."""
    data = event.get("data", {}).get("object") or {}
    row = StripeEvent(id=event["id"][:255], type=event["type"][:100], object_id=str(data.get("id") or "")[:255] or None,
                      created=int(event.get("created") or 0), payload_sha256=payload_sha256, outcome="received")
    try:
        db.session.add(row)
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return "duplicate"
    try:
        row.outcome = apply_event(event["type"], data)[:60]
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # the same event committed by a concurrent delivery
        return "duplicate"
    except Exception:
        db.session.rollback()
        log.exception("Stripe event %s could not be applied", row.id)
        raise
    return row.outcome


def apply_event(event_type: str, data: dict) -> str:
    """Dispatch by type; types we do not act on are recorded and ignored."""
    handler = HANDLERS.get(event_type)
    if handler is None:
        return "ignored"
    return handler(data)


def _pledge_of_intent(intent: dict) -> Pledge | None:
    """The pledge named by the intent's metadata, only if its reference matches too (ids are ours, not Stripe's)."""
    metadata = intent.get("metadata") or {}
    pledge_id = str(metadata.get("pledge_id") or "")
    if not pledge_id.isdigit():
        return None
    pledge = db.session.get(Pledge, int(pledge_id), populate_existing=True)
    if pledge is None or pledge.reference != metadata.get("reference"):
        return None
    return pledge


def on_payment_succeeded(intent: dict) -> str:
    pledge = _pledge_of_intent(intent)
    if pledge is None:
        return "unknown_pledge"
    view = gateway.PaymentIntentView(id=intent["id"], status="succeeded", amount_minor=int(intent["amount"]),
                                     received_minor=int(intent.get("amount_received") or intent["amount"]),
                                     currency=str(intent["currency"]).upper(), metadata=intent.get("metadata") or {})
    return services.apply_intent(pledge, view)


def on_payment_failed(intent: dict) -> str:
    """A decline fails the pledge; an intent waiting for authentication opens the on-session window instead."""
    pledge = _pledge_of_intent(intent)
    if pledge is None:
        return "unknown_pledge"
    code = (intent.get("last_payment_error") or {}).get("code") or "card_declined"
    if intent.get("status") == "requires_action" or code == services.AUTHENTICATION_REQUIRED:
        return services.record_action_required(pledge, intent["id"])
    return services.record_declined(pledge, code, intent["id"])


def on_setup_succeeded(setup: dict) -> str:
    pledge = db.session.scalar(select(Pledge).where(Pledge.stripe_setup_intent_id == setup.get("id")))
    if pledge is None:
        return "unknown_pledge"
    view = gateway.SetupIntentView(id=setup["id"], status="succeeded", customer_id=setup.get("customer"),
                                   payment_method_id=setup.get("payment_method"))
    return "card_saved" if services.record_setup(pledge, view) else "unchanged"


def on_charge_refunded(charge: dict) -> str:
    """A refunded charge was paid first: if its success has not arrived yet, it is applied before the refund."""
    pledge = db.session.scalar(select(Pledge).where(Pledge.stripe_payment_intent_id == charge.get("payment_intent")))
    if pledge is None:
        return "unknown_pledge"
    if pledge.status == "collecting" and charge.get("status") == "succeeded":
        captured = int(charge.get("amount_captured") or charge["amount"])
        services.record_paid(pledge, charge["payment_intent"], captured, str(charge["currency"]))
    return services.record_refund(pledge, int(charge.get("amount_refunded") or 0),
                                  "Refunded through Stripe.")


HANDLERS = {
    "payment_intent.succeeded": on_payment_succeeded,
    "payment_intent.payment_failed": on_payment_failed,
    "setup_intent.succeeded": on_setup_succeeded,
    "charge.refunded": on_charge_refunded,
}
