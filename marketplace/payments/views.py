"""Card pages of the investor's own pledge: save a card with Stripe Elements, authenticate a charge on-session.

Card data goes from the browser to Stripe only. The server creates the Stripe objects, hands the page
their client secret (never stored, logged or put in a URL) and afterwards asks Stripe what happened,
never trusting what the browser says. Another investor's pledge is a 404.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.accounts.forms import ConfirmForm
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.payments import gateway, services, webhooks
from marketplace.pledges.models import Pledge

bp = Blueprint("payments", __name__)
ID = "<int(max=2147483647):pledge_id>"
bp.add_url_rule("/webhooks/stripe", view_func=webhooks.stripe_webhook, methods=["POST"])


def own_card_pledge_or_404(pledge_id: int) -> Pledge:
    """The current investor's card pledge, when card payments are configured; anything else is a 404."""
    pledge = db.session.get(Pledge, pledge_id)
    if (pledge is None or pledge.investor_id != current_user.id or pledge.method != "card"
            or not gateway.is_configured()):
        abort(404)
    return pledge


def _secret_page(template: str, **context):
    """A page that carries a client secret: never cached, never stored by the browser."""
    response = make_response(render_template(template, stripe_js_url=current_app.config["STRIPE_JS_URL"],
                                             publishable_key=current_app.config["STRIPE_PUBLISHABLE_KEY"], **context))
    response.headers["Cache-Control"] = "no-store"
    return response


def _unavailable(pledge_id: int, endpoint: str = "payments.card"):
    db.session.rollback()
    flash(_("The payment service did not answer. Nothing was charged; try again in a few minutes."), "error")
    return redirect(url_for(endpoint, pledge_id=pledge_id))


@bp.get(f"/pledges/{ID}/card")
@login_required
def card(pledge_id: int):
    """Where the investor stands with the card of this pledge, and the button to enter one."""
    pledge = own_card_pledge_or_404(pledge_id)
    return render_template("payments/card.html", pledge=pledge, form=ConfirmForm(),
                           can_change=pledge.status in services.SETUP_STATUSES and pledge.charge_attempted_at is None)


@bp.post(f"/pledges/{ID}/card")
@login_required
def card_form(pledge_id: int):
    """Create (or find again) the SetupIntent and show Stripe Elements; a POST because it creates Stripe objects."""
    pledge = own_card_pledge_or_404(pledge_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        setup = services.start_card_setup(pledge)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("payments.card", pledge_id=pledge_id))
    except gateway.PaymentError:
        return _unavailable(pledge_id)
    if setup is None:
        flash(_("Your card is saved for this pledge."), "success")
        return redirect(url_for("payments.card", pledge_id=pledge_id))
    return _secret_page("payments/card_form.html", pledge=pledge, client_secret=setup.client_secret,
                        form=ConfirmForm())


@bp.post(f"/pledges/{ID}/card/done")
@login_required
def card_done(pledge_id: int):
    """Stripe.js confirmed the card: ask Stripe for the SetupIntent and keep its payment method."""
    pledge = own_card_pledge_or_404(pledge_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        saved = services.finish_card_setup(pledge)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("payments.card", pledge_id=pledge_id))
    except gateway.PaymentError:
        return _unavailable(pledge_id)
    if saved:
        flash(_("Your card is saved. It is charged only if the campaign is funded."), "success")
    else:
        flash(_("Your card is not confirmed yet. Please enter it again."), "error")
    return redirect(url_for("payments.card", pledge_id=pledge_id))


@bp.get(f"/pledges/{ID}/complete-payment")
@login_required
def complete_payment(pledge_id: int):
    """The on-session step the bank asked for, while the payment window is open."""
    pledge = own_card_pledge_or_404(pledge_id)
    try:
        secret = services.authentication_secret(pledge)
    except gateway.PaymentError:
        return _unavailable(pledge_id)
    pledge = db.session.get(Pledge, pledge_id)
    return _secret_page("payments/complete_payment.html", pledge=pledge, client_secret=secret, form=ConfirmForm())


@bp.post(f"/pledges/{ID}/complete-payment")
@login_required
def complete_payment_done(pledge_id: int):
    """Stripe.js finished the authentication: ask Stripe for the PaymentIntent and apply its state."""
    pledge = own_card_pledge_or_404(pledge_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        outcome = services.refresh_payment(pledge)
    except gateway.PaymentError:
        return _unavailable(pledge_id, "payments.complete_payment")
    messages = {"paid": (_("Thank you: the payment succeeded."), "success"),
                "failed": (_("The payment failed."), "error")}
    message, category = messages.get(outcome, (_("The payment is not complete yet."), "info"))
    flash(message, category)
    return redirect(url_for("payments.complete_payment", pledge_id=pledge_id))
