"""Card payments: set-up at pledge time, off-session charge at close, refunds, reconciliation.

Unlike other services these own their transactions, because no transaction or row lock may stay open
across an HTTP call to Stripe: each call is bracketed by a commit before it (the claim, the ids) and a
second transaction after it (the result). A crash in between leaves a claim that `reconcile` settles.
The `record_*` functions are the effects shared with webhooks and reconciliation: they only flush, are
idempotent, and move the pledge only forward, so repeated or reordered inputs converge.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import or_, select, update

from marketplace.audit.services import record
from marketplace.errors import ConflictError, DomainError
from marketplace.extensions import db
from marketplace.models_common import utcnow
from marketplace.payments import gateway
from marketplace.pledges import lifecycle
from marketplace.pledges.models import Pledge
from marketplace.projects.models import Project

log = logging.getLogger(__name__)

KEY_LIFETIME = timedelta(hours=24)  # Stripe may prune idempotency keys after 24 h
RECONCILE_GRACE = timedelta(minutes=5)  # a claim younger than this may still be waiting for Stripe
AUTHENTICATION_REQUIRED = "authentication_required"
NO_SAVED_CARD = "no_saved_card"
SETUP_STATUSES = ("offered", "committed", "collecting")


def charge_key(pledge_id: int) -> str:
    return f"pledge:{pledge_id}:charge"


def customer_key(pledge_id: int) -> str:
    return f"pledge:{pledge_id}:customer"


def setup_key(pledge_id: int) -> str:
    return f"pledge:{pledge_id}:setup"


def refund_key(pledge_id: int, refunded_before_minor: int) -> str:
    """One key per refund step: the amount already refunded identifies the step deterministically."""
    return f"pledge:{pledge_id}:refund:{refunded_before_minor}"


@dataclass(frozen=True)
class ChargeTarget:
    """What a charge needs, read before the HTTP call so no ORM object is touched during it."""

    pledge_id: int
    reference: str
    amount_minor: int
    currency: str
    customer_id: str | None
    payment_method_id: str | None
    idempotency_key: str


# --- effects shared by charges, webhooks and reconciliation (flush only) -------------------------------


def _set(pledge: Pledge, *conditions, **values) -> bool:
    """Conditional UPDATE of this pledge: True when the row still matched the conditions."""
    changed = db.session.execute(update(Pledge).where(Pledge.id == pledge.id, *conditions).values(**values)
                                 .execution_options(synchronize_session=False)).rowcount
    db.session.refresh(pledge)
    return changed == 1


def remember_intent(pledge: Pledge, payment_intent_id: str | None) -> None:
    """Store the PaymentIntent id once; a different id for the same pledge is audited, never overwritten."""
    if not payment_intent_id or pledge.stripe_payment_intent_id == payment_intent_id:
        return
    if not _set(pledge, Pledge.stripe_payment_intent_id.is_(None), stripe_payment_intent_id=payment_intent_id):
        record("payment.second_intent", object_type="pledge", object_id=pledge.id,
               after={"payment_intent": payment_intent_id, "kept": pledge.stripe_payment_intent_id})


def _notify(pledge: Pledge, kind: str, link: str | None = None) -> None:
    from marketplace.notifications.services import notify

    notify([pledge.investor], kind, params={"title": pledge.project.title, "reference": pledge.reference},
           link=link or f"/portfolio/{pledge.id}")


def record_paid(pledge: Pledge, payment_intent_id: str, received_minor: int, currency: str) -> str:
    """Money arrived: a collecting pledge becomes paid; money for a pledge that cannot keep it is kept for refund."""
    remember_intent(pledge, payment_intent_id)
    if currency.upper() != pledge.currency or received_minor != pledge.amount_minor:
        record("payment.amount_mismatch", object_type="pledge", object_id=pledge.id,
               after={"received_minor": received_minor, "currency": currency, "expected": pledge.amount_minor})
        _set(pledge, payment_error="amount_mismatch")
        return "mismatch"
    if pledge.status == "collecting":
        lifecycle.apply(pledge, "mark_paid", received_minor=received_minor, payment_outcome_unknown=False,
                        payment_error=None, note=_("The card payment succeeded."))
        _notify(pledge, "pledge.paid")
        return "paid"
    if pledge.status in {"payment_failed", "released"} and pledge.received_minor == 0:
        # The investor completed a payment after the pledge had ended: the money goes back (refund_due).
        _set(pledge, Pledge.received_minor == 0, received_minor=received_minor)
        record("payment.stray", object_type="pledge", object_id=pledge.id,
               after={"payment_intent": payment_intent_id, "received_minor": received_minor})
        return "stray"
    return "unchanged"


def record_declined(pledge: Pledge, code: str, payment_intent_id: str | None = None) -> str:
    """The card was refused: a collecting pledge fails with the code and the investor is told."""
    remember_intent(pledge, payment_intent_id)
    if pledge.status != "collecting":
        return "unchanged"
    lifecycle.apply(pledge, "fail_payment", payment_error=code[:255], payment_outcome_unknown=False,
                    note=_("The card payment was declined."))
    _notify(pledge, "pledge.payment_failed")
    return "failed"


def record_action_required(pledge: Pledge, payment_intent_id: str | None, now: datetime | None = None) -> str:
    """The bank wants the investor present: keep collecting and open a bounded window to authenticate."""
    remember_intent(pledge, payment_intent_id)
    if pledge.status != "collecting" or pledge.payment_error == AUTHENTICATION_REQUIRED:
        return "unchanged"
    hours = int(current_app.config.get("PAYMENT_ACTION_WINDOW_HOURS", 72))
    due_by = (now or utcnow()) + timedelta(hours=hours)
    if not _set(pledge, Pledge.status == "collecting", payment_error=AUTHENTICATION_REQUIRED, payment_due_by=due_by,
                payment_outcome_unknown=False, updated_at=utcnow()):
        return "unchanged"
    record("pledge.payment_action_required", object_type="pledge", object_id=pledge.id,
           after={"payment_intent": pledge.stripe_payment_intent_id, "payment_due_by": due_by.isoformat()})
    _notify(pledge, "pledge.action_required", link=f"/pledges/{pledge.id}/complete-payment")
    return "action_required"


def record_unknown(pledge: Pledge, reason: str) -> str:
    """We do not know whether Stripe charged: never fail on that; reconcile asks Stripe later."""
    if _set(pledge, Pledge.status == "collecting", payment_outcome_unknown=True, updated_at=utcnow()):
        record("pledge.payment_outcome_unknown", object_type="pledge", object_id=pledge.id, note=reason[:200])
        return "unknown"
    return "unchanged"


def apply_intent(pledge: Pledge, intent: gateway.PaymentIntentView, now: datetime | None = None) -> str:
    """Bring the pledge in line with a PaymentIntent as Stripe reports it now."""
    if intent.status == "succeeded":
        return record_paid(pledge, intent.id, intent.received_minor, intent.currency)
    if intent.status == "requires_action":
        return record_action_required(pledge, intent.id, now)
    if intent.status in {"requires_payment_method", "canceled"}:
        return record_declined(pledge, intent.error_code or intent.status, intent.id)
    remember_intent(pledge, intent.id)
    return "pending"  # processing or requires_confirmation: a later webhook or run settles it


def record_setup(pledge: Pledge, setup: gateway.SetupIntentView) -> bool:
    """Keep the payment method of this pledge's own succeeded SetupIntent, as Stripe reports it (never the browser)."""
    if (setup.status != "succeeded" or not setup.payment_method_id or setup.id != pledge.stripe_setup_intent_id
            or (pledge.stripe_customer_id and setup.customer_id != pledge.stripe_customer_id)):
        return False
    if _set(pledge, Pledge.stripe_payment_method_id.is_(None), Pledge.stripe_setup_intent_id == setup.id,
            stripe_payment_method_id=setup.payment_method_id, updated_at=utcnow()):
        record("pledge.card_saved", object_type="pledge", object_id=pledge.id, after={"setup_intent": setup.id})
    return pledge.stripe_payment_method_id is not None


def record_refund(pledge: Pledge, refunded_total_minor: int, note: str) -> str:
    """Refunds only grow and never pass what was received; a full refund of a paid pledge refunds it."""
    total = min(refunded_total_minor, pledge.received_minor)
    if total <= pledge.refunded_minor:
        return "unchanged"
    if pledge.status == "paid" and total == pledge.received_minor:
        try:
            lifecycle.apply(pledge, "refund", refunded_minor=total, note=note)
        except ConflictError:
            db.session.refresh(pledge)
            return "unchanged"
        _notify(pledge, "pledge.refunded")
        return "refunded"
    _set(pledge, Pledge.refunded_minor < total, refunded_minor=total, updated_at=utcnow())
    record("pledge.refund_recorded", object_type="pledge", object_id=pledge.id, after={"refunded_minor": total},
           note=note)
    return "partly_refunded"


# --- saving a card ---------------------------------------------------------------------------------------


def _end_transaction() -> None:
    """Commit whatever the caller did and release the connection's snapshot before an HTTP call."""
    db.session.commit()


def start_card_setup(pledge: Pledge) -> gateway.SetupIntentView | None:
    """The SetupIntent whose client secret the card page needs, or None when the card is already saved.

    Customer and SetupIntent are created with keys derived from the pledge id, so a reload or a double
    click returns the same objects; their ids are committed one call at a time.
    """
    _check_card_pledge(pledge)
    if pledge.stripe_payment_method_id:
        return None
    pledge_id, reference = pledge.id, pledge.reference
    if pledge.stripe_setup_intent_id:
        setup_intent_id = pledge.stripe_setup_intent_id
        _end_transaction()
        setup = gateway.retrieve_setup_intent(setup_intent_id)
        return None if _store_setup(pledge_id, setup) else setup
    customer_id = pledge.stripe_customer_id
    _end_transaction()
    if not customer_id:
        customer_id = gateway.create_customer(pledge_id=pledge_id, reference=reference,
                                              idempotency_key=customer_key(pledge_id))
        _store_ids(pledge_id, stripe_customer_id=customer_id)
    setup = gateway.create_setup_intent(customer_id=customer_id, pledge_id=pledge_id, reference=reference,
                                        idempotency_key=setup_key(pledge_id))
    _store_ids(pledge_id, stripe_setup_intent_id=setup.id)
    return setup


def _check_card_pledge(pledge: Pledge) -> None:
    if not gateway.is_configured() or pledge.method != "card":
        raise DomainError(_("This pledge is not paid by card."))
    if pledge.status not in SETUP_STATUSES or pledge.charge_attempted_at is not None:
        raise ConflictError(_("The card of this pledge can no longer be changed."))


def _store_ids(pledge_id: int, **ids: str) -> None:
    """Store Stripe ids that are still empty, in their own short transaction."""
    (column, value), = ids.items()
    db.session.execute(update(Pledge).where(Pledge.id == pledge_id, getattr(Pledge, column).is_(None))
                       .values({column: value}).execution_options(synchronize_session=False))
    db.session.commit()


def _store_setup(pledge_id: int, setup: gateway.SetupIntentView) -> bool:
    pledge = db.session.get(Pledge, pledge_id, populate_existing=True)
    saved = record_setup(pledge, setup)
    db.session.commit()
    return saved


def finish_card_setup(pledge: Pledge) -> bool:
    """After Stripe.js confirmed the SetupIntent: ask Stripe for its payment method and keep it."""
    _check_card_pledge(pledge)
    if pledge.stripe_payment_method_id:
        return True
    if not pledge.stripe_setup_intent_id:
        return False
    pledge_id, setup_intent_id = pledge.id, pledge.stripe_setup_intent_id
    _end_transaction()
    return _store_setup(pledge_id, gateway.retrieve_setup_intent(setup_intent_id))


# --- charging --------------------------------------------------------------------------------------------


def _claim_charge(pledge_id: int, now: datetime) -> bool:
    """Only a collecting card pledge never attempted can be claimed, once: the claim is committed first."""
    claimed = db.session.execute(
        update(Pledge).where(Pledge.id == pledge_id, Pledge.status == "collecting", Pledge.method == "card",
                             Pledge.charge_attempted_at.is_(None))
        .values(charge_attempted_at=now, charge_idempotency_key=charge_key(pledge_id), updated_at=now)
        .execution_options(synchronize_session=False)).rowcount == 1
    if claimed:
        record("pledge.charge_claimed", object_type="pledge", object_id=pledge_id,
               after={"idempotency_key": charge_key(pledge_id)})
    db.session.commit()
    return claimed


def _charge_target(pledge_id: int) -> ChargeTarget:
    pledge = db.session.get(Pledge, pledge_id, populate_existing=True)
    target = ChargeTarget(pledge.id, pledge.reference, pledge.amount_minor, pledge.currency, pledge.stripe_customer_id,
                          pledge.stripe_payment_method_id, pledge.charge_idempotency_key or charge_key(pledge.id))
    _end_transaction()
    return target


def _settle(pledge_id: int, effect, *args) -> str:
    """The second transaction: apply one effect to a fresh copy of the pledge and commit."""
    pledge = db.session.get(Pledge, pledge_id, populate_existing=True)
    outcome = effect(pledge, *args)
    db.session.commit()
    return outcome


def _charge(target: ChargeTarget, now: datetime) -> str:
    """Call Stripe with the persisted key and record whatever it answered, in a new transaction."""
    if not target.payment_method_id or not target.customer_id:
        return _settle(target.pledge_id, record_declined, NO_SAVED_CARD)
    try:
        intent = gateway.charge_off_session(
            amount_minor=target.amount_minor, currency=target.currency, customer_id=target.customer_id,
            payment_method_id=target.payment_method_id, pledge_id=target.pledge_id, reference=target.reference,
            idempotency_key=target.idempotency_key)
    except gateway.ActionRequired as required:
        return _settle(target.pledge_id, record_action_required, required.payment_intent_id, now)
    except gateway.PaymentDeclined as declined:
        return _settle(target.pledge_id, record_declined, declined.code, declined.payment_intent_id)
    except (gateway.OutcomeUnknown, gateway.GatewayRefused) as unknown:
        log.warning("card charge of pledge %s has an unknown outcome: %s", target.pledge_id, unknown)
        return _settle(target.pledge_id, record_unknown, f"{type(unknown).__name__}: {unknown}")
    return _settle(target.pledge_id, apply_intent, intent, now)


def charge_pledge(pledge_id: int, *, now: datetime | None = None) -> str:
    """Charge a collecting card pledge off-session, at most once; returns the outcome.

    The claim (conditional UPDATE, committed) makes a second run or a second thread stop here, and the
    idempotency key `pledge:{id}:charge` makes the SDK's retries and reconcile's re-run return the same
    PaymentIntent. Outcomes: paid, failed, action_required, unknown, pending, skipped.
    """
    now = now or utcnow()
    if not _claim_charge(pledge_id, now):
        return "skipped"
    return _charge(_charge_target(pledge_id), now)


# --- completing an authentication on-session ------------------------------------------------------------


def awaiting_authentication(pledge: Pledge, now: datetime | None = None) -> bool:
    """The on-session window is open: collecting, the bank asked for authentication, before the due time."""
    now = now or utcnow()
    return (pledge.status == "collecting" and pledge.payment_error == AUTHENTICATION_REQUIRED
            and pledge.stripe_payment_intent_id is not None
            and (pledge.payment_due_by is None or pledge.payment_due_by > now))


def authentication_secret(pledge: Pledge, now: datetime | None = None) -> str | None:
    """The PaymentIntent's client secret, fetched fresh for the page, while authentication is still possible."""
    if not awaiting_authentication(pledge, now):
        return None
    intent_id = pledge.stripe_payment_intent_id
    _end_transaction()
    return gateway.authentication_client_secret(intent_id)


def refresh_payment(pledge: Pledge, now: datetime | None = None) -> str:
    """After the investor authenticated: ask Stripe for the PaymentIntent and apply what it says."""
    if not pledge.stripe_payment_intent_id:
        return "unchanged"
    pledge_id, intent_id = pledge.id, pledge.stripe_payment_intent_id
    _end_transaction()
    return _settle(pledge_id, apply_intent, gateway.retrieve_payment_intent(intent_id), now)


# --- reconciliation --------------------------------------------------------------------------------------


def pledges_to_reconcile(now: datetime) -> list[int]:
    """Claimed charges without a final state: unknown outcomes, intents Stripe already named, and claims
    older than the grace period (a younger claim without an intent may still be waiting for Stripe)."""
    return list(db.session.scalars(select(Pledge.id).where(
        Pledge.method == "card", Pledge.status == "collecting", Pledge.charge_attempted_at.is_not(None),
        or_(Pledge.payment_outcome_unknown.is_(True), Pledge.stripe_payment_intent_id.is_not(None),
            Pledge.charge_attempted_at < now - RECONCILE_GRACE))
        .order_by(Pledge.id)))


def reconcile(now: datetime | None = None) -> dict[int, str]:
    """Settle every claimed charge by asking Stripe; safe to run at any time and more than once."""
    now = now or utcnow()
    ids = pledges_to_reconcile(now)
    _end_transaction()
    return {pledge_id: reconcile_pledge(pledge_id, now) for pledge_id in ids}


def reconcile_pledge(pledge_id: int, now: datetime) -> str:
    """Find the pledge's PaymentIntent (by id, else by metadata); charge again only if none exists yet.

    A re-charge reuses the persisted key and happens only while that key is younger than 24 h: after
    that Stripe may have forgotten it, and with no PaymentIntent found nothing was charged, so it fails.
    """
    pledge = db.session.get(Pledge, pledge_id, populate_existing=True)
    intent_id, reference, claimed_at = pledge.stripe_payment_intent_id, pledge.reference, pledge.charge_attempted_at
    _end_transaction()
    try:
        intent = (gateway.retrieve_payment_intent(intent_id) if intent_id
                  else gateway.find_payment_intent(pledge_id=pledge_id, reference=reference))
    except (gateway.OutcomeUnknown, gateway.GatewayRefused):
        return "still_unknown"
    if intent is not None:
        return _settle(pledge_id, apply_intent, intent, now)
    if now - claimed_at < KEY_LIFETIME:
        return _charge(_charge_target(pledge_id), now)
    return _settle(pledge_id, record_declined, "charge_not_completed")


# --- refunds ---------------------------------------------------------------------------------------------


def pledges_to_refund() -> list[int]:
    """Card money we must give back: paid pledges of cancelled projects, and money that arrived too late."""
    holds_money = (Pledge.method == "card", Pledge.stripe_payment_intent_id.is_not(None),
                   Pledge.received_minor > Pledge.refunded_minor)
    cancelled = select(Pledge.id).join(Project, Project.id == Pledge.project_id).where(
        *holds_money, Pledge.status == "paid", Project.status == "cancelled")
    stray = select(Pledge.id).where(*holds_money, Pledge.status.in_(("payment_failed", "released")))
    return sorted(set(db.session.scalars(cancelled)) | set(db.session.scalars(stray)))


def refund_due() -> dict[int, str]:
    """Refund every pledge in `pledges_to_refund`; a timeout is retried by the next run with the same key."""
    ids = pledges_to_refund()
    _end_transaction()
    return {pledge_id: refund_pledge(pledge_id) for pledge_id in ids}


def refund_pledge(pledge_id: int) -> str:
    """Refund what was received and not yet refunded, to the original card; never more."""
    pledge = db.session.get(Pledge, pledge_id, populate_existing=True)
    intent_id, refunded_before = pledge.stripe_payment_intent_id, pledge.refunded_minor
    amount = pledge.received_minor - refunded_before
    _end_transaction()
    if amount <= 0 or not intent_id:
        return "unchanged"
    try:
        result = gateway.refund(payment_intent_id=intent_id, amount_minor=amount,
                                idempotency_key=refund_key(pledge_id, refunded_before))
    except (gateway.OutcomeUnknown, gateway.GatewayRefused, gateway.PaymentDeclined) as error:
        log.warning("refund of pledge %s not confirmed: %s", pledge_id, error)
        return "unknown"
    if result.status not in {"succeeded", "pending"}:
        return _settle(pledge_id, _record_refund_failure, result)
    note = _("The project was cancelled; the card payment is refunded.")
    return _settle(pledge_id, record_refund, refunded_before + min(result.amount_minor, amount), note)


def _record_refund_failure(pledge: Pledge, result: gateway.RefundView) -> str:
    _set(pledge, payment_error=f"refund_{result.status}"[:255])
    record("pledge.refund_failed", object_type="pledge", object_id=pledge.id,
           after={"refund": result.id, "status": result.status})
    return "refund_failed"
