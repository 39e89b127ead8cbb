"""The only module that imports `stripe`. Everything else asks this module, by our own ids.

Each function is one Stripe call with an idempotency key chosen by the caller (derived from our ids and
persisted before the call), and answers with plain values. Stripe's exceptions never leave this module:
a card refusal becomes `PaymentDeclined`, a bank asking the investor to authenticate becomes
`ActionRequired`, and anything that leaves us not knowing whether Stripe acted (timeout, lost connection,
5xx, rate limit) becomes `OutcomeUnknown`, which is never treated as a failure.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import stripe
from flask import current_app

WEBHOOK_TOLERANCE_SECONDS = 300
FIND_PAGES = 10  # how many pages of 100 PaymentIntents a metadata look-up reads at most


class PaymentError(Exception):
    """Base of the gateway's own errors; carries no Stripe type."""


class PaymentDeclined(PaymentError):  # noqa: N818 - named for what happened
    """The card was refused: the pledge fails with `code` (Stripe's decline or error code)."""

    def __init__(self, code: str, payment_intent_id: str | None = None):
        super().__init__(code)
        self.code = code
        self.payment_intent_id = payment_intent_id


class ActionRequired(PaymentError):  # noqa: N818 - named for what happened
    """The bank wants the investor to authenticate on-session before the charge can succeed."""

    def __init__(self, payment_intent_id: str | None):
        super().__init__("authentication_required")
        self.code = "authentication_required"
        self.payment_intent_id = payment_intent_id


class OutcomeUnknown(PaymentError):  # noqa: N818 - named for what happened
    """We cannot tell whether Stripe acted (timeout, connection lost, 5xx): reconcile later, never fail now."""


class GatewayRefused(PaymentError):  # noqa: N818 - named for what happened
    """Stripe refused the request itself (bad key, invalid parameters, missing object): a configuration fault."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


class InvalidWebhook(PaymentError):  # noqa: N818 - named for what happened
    """The webhook's signature, age or body is not acceptable; nothing may be done with it."""


@dataclass(frozen=True)
class SetupIntentView:
    """A SetupIntent as we need it; the client secret is for the page only, so it is kept out of repr()."""

    id: str
    status: str
    customer_id: str | None
    payment_method_id: str | None
    client_secret: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class PaymentIntentView:
    """A PaymentIntent as we need it; amounts are integer minor units."""

    id: str
    status: str
    amount_minor: int
    received_minor: int
    currency: str
    metadata: dict[str, str]
    error_code: str | None = None


@dataclass(frozen=True)
class RefundView:
    id: str
    status: str
    amount_minor: int


def is_configured() -> bool:
    """Card payments exist only when Stripe keys are configured; bank transfer works alone otherwise."""
    config = current_app.config
    return bool(config.get("STRIPE_SECRET_KEY") and config.get("STRIPE_PUBLISHABLE_KEY"))


def client() -> stripe.StripeClient:
    """One StripeClient per app and configuration, with a short timeout and explicit retries.

    StripeClient retries nothing by default and waits 80 s; both are wrong for a request handler or a job.
    Tests may set STRIPE_HTTP_CLIENT to a fake transport to inject faults.
    """
    config = current_app.config
    settings = (config["STRIPE_SECRET_KEY"], config.get("STRIPE_API_BASE") or "",
                int(config.get("STRIPE_TIMEOUT_SECONDS", 20)), int(config.get("STRIPE_MAX_NETWORK_RETRIES", 2)),
                id(config.get("STRIPE_HTTP_CLIENT")))
    cache = current_app.extensions.setdefault("passerelle_stripe", {})
    if cache.get("settings") != settings:
        secret, base, timeout, retries, _ = settings
        transport = config.get("STRIPE_HTTP_CLIENT") or stripe.RequestsClient(timeout=timeout)
        cache["client"] = stripe.StripeClient(api_key=secret, base_addresses={"api": base} if base else None,
                                              max_network_retries=retries, http_client=transport)
        cache["settings"] = settings
    return cache["client"]


def _call(operation, *args, **kwargs):
    """Run one SDK call and translate Stripe's exceptions into ours."""
    try:
        return operation(*args, **kwargs)
    except stripe.CardError as error:
        raise _card_refusal(error) from None
    except (stripe.APIConnectionError, stripe.APIError, stripe.RateLimitError) as error:
        raise OutcomeUnknown(type(error).__name__) from None
    except stripe.StripeError as error:
        if (error.http_status or 0) >= 500 or error.http_status == 409:
            raise OutcomeUnknown(type(error).__name__) from None
        raise GatewayRefused(error.code or type(error).__name__) from None


def _card_refusal(error: stripe.CardError) -> PaymentError:
    """Decline or authentication: real Stripe names the PaymentIntent in the error, localstripe only its charge."""
    details = error.error
    intent = getattr(details, "payment_intent", None) if details is not None else None
    intent_id = getattr(intent, "id", None)
    if intent_id is None:
        intent_id = _intent_of_charge(error)
    if error.code == "authentication_required":
        return ActionRequired(intent_id)
    return PaymentDeclined(error.code or "card_declined", intent_id)


def _intent_of_charge(error: stripe.CardError) -> str | None:
    body = error.json_body if isinstance(error.json_body, dict) else {}
    charge_id = (body.get("error") or {}).get("charge")
    if not charge_id:
        return None
    try:
        return client().v1.charges.retrieve(charge_id).payment_intent
    except stripe.StripeError:
        return None  # the decline stands; reconcile finds the PaymentIntent by metadata if needed


def _setup_view(intent) -> SetupIntentView:
    data = intent.to_dict()
    return SetupIntentView(id=data["id"], status=data["status"], customer_id=_id_of(data.get("customer")),
                           payment_method_id=_id_of(data.get("payment_method")),
                           client_secret=data.get("client_secret"))


def _payment_view(intent) -> PaymentIntentView:
    data = intent.to_dict() if hasattr(intent, "to_dict") else intent
    status = data["status"]
    received = data.get("amount_received")
    if received is None:  # localstripe leaves it out; Stripe sets it to the amount once succeeded
        received = data["amount"] if status == "succeeded" else 0
    error = data.get("last_payment_error") or {}
    return PaymentIntentView(id=data["id"], status=status, amount_minor=int(data["amount"]),
                             received_minor=int(received), currency=data["currency"].upper(),
                             metadata=dict(data.get("metadata") or {}), error_code=error.get("code"))


def _id_of(value: Any) -> str | None:
    if isinstance(value, dict):
        return value.get("id")
    return value


def create_customer(*, pledge_id: int, reference: str, idempotency_key: str) -> str:
    """A Customer per pledge holds its saved card; no personal data is sent, only our ids."""
    customer = _call(client().v1.customers.create,
                     params={"metadata": {"pledge_id": str(pledge_id), "reference": reference}},
                     options={"idempotency_key": idempotency_key})
    return customer.id


def create_setup_intent(*, customer_id: str, pledge_id: int, reference: str, idempotency_key: str) -> SetupIntentView:
    """Save a card for an off-session charge at close: a 7-day authorisation would not last the campaign."""
    intent = _call(client().v1.setup_intents.create,
                   params={"customer": customer_id, "usage": "off_session",
                           "metadata": {"pledge_id": str(pledge_id), "reference": reference}},
                   options={"idempotency_key": idempotency_key})
    return _setup_view(intent)


def retrieve_setup_intent(setup_intent_id: str) -> SetupIntentView:
    return _setup_view(_call(client().v1.setup_intents.retrieve, setup_intent_id))


def charge_off_session(*, amount_minor: int, currency: str, customer_id: str, payment_method_id: str, pledge_id: int,
                       reference: str, idempotency_key: str) -> PaymentIntentView:
    """Create and confirm the off-session PaymentIntent; only a `succeeded` intent returns normally."""
    intent = _payment_view(_call(client().v1.payment_intents.create, params={
        "amount": amount_minor, "currency": currency.lower(), "customer": customer_id,
        "payment_method": payment_method_id, "confirm": True, "off_session": True,
        "metadata": {"pledge_id": str(pledge_id), "reference": reference},
    }, options={"idempotency_key": idempotency_key}))
    return _require_success(intent)


def _require_success(intent: PaymentIntentView) -> PaymentIntentView:
    if intent.status == "succeeded":
        return intent
    if intent.status == "requires_action":
        raise ActionRequired(intent.id)
    if intent.status in {"requires_payment_method", "canceled"}:
        raise PaymentDeclined(intent.error_code or "card_declined", intent.id)
    raise OutcomeUnknown(intent.status)  # processing: the webhook or reconcile settles it


def retrieve_payment_intent(payment_intent_id: str) -> PaymentIntentView:
    return _payment_view(_call(client().v1.payment_intents.retrieve, payment_intent_id))


def authentication_client_secret(payment_intent_id: str) -> str | None:
    """The secret for the on-session page, fetched fresh each time (never stored), while authentication is due."""
    intent = _call(client().v1.payment_intents.retrieve, payment_intent_id)
    return intent.client_secret if intent.status == "requires_action" else None


def find_payment_intent(*, pledge_id: int, reference: str) -> PaymentIntentView | None:
    """The PaymentIntent made for this pledge when its id was never stored (a timeout), by metadata."""
    wanted = {"pledge_id": str(pledge_id), "reference": reference}
    params: dict[str, Any] = {"limit": 100}
    for _page in range(FIND_PAGES):
        page = _call(client().v1.payment_intents.list, params=params)
        for intent in page.data:
            view = _payment_view(intent)
            if all(view.metadata.get(k) == v for k, v in wanted.items()):
                return view
        if not page.has_more or not page.data:
            return None
        params["starting_after"] = page.data[-1].id
    return None


def refund(*, payment_intent_id: str, amount_minor: int, idempotency_key: str) -> RefundView:
    """Refund to the original payment method; the caller has checked the amount against what was received."""
    result = _call(client().v1.refunds.create, params={"payment_intent": payment_intent_id, "amount": amount_minor},
                   options={"idempotency_key": idempotency_key})
    return RefundView(id=result.id, status=result.status, amount_minor=int(result.amount))


def verify_webhook(payload: bytes, signature_header: str | None, secret: str) -> dict:
    """Check the signature over the raw body and its age (300 s), then parse it; raise InvalidWebhook otherwise."""
    try:
        stripe.WebhookSignature.verify_header(payload, signature_header, secret, tolerance=WEBHOOK_TOLERANCE_SECONDS)
        event = json.loads(payload)
    except (stripe.SignatureVerificationError, ValueError, UnicodeDecodeError) as error:
        raise InvalidWebhook(type(error).__name__) from None
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or not isinstance(event.get("type"), str):
        raise InvalidWebhook("not an event")
    return event
