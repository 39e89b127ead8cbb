"""Bank transfers: the partner bank records what arrived; a mismatch is flagged, never silently accepted."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from marketplace.audit.services import record
from marketplace.errors import ConflictError, DomainError, ForbiddenError
from marketplace.extensions import db
from marketplace.pledges import lifecycle
from marketplace.pledges.models import Pledge, TransferReceipt
from marketplace.projects.access import BANK, bank_organisation_ids, project_roles
from marketplace.projects.models import Project


def bank_queue(user) -> list[Pledge]:
    """Bank-transfer pledges awaiting money on projects where the user's bank is the partner bank."""
    banks = bank_organisation_ids(user)
    if not banks:
        return []
    return list(db.session.scalars(
        select(Pledge).join(Project, Pledge.project_id == Project.id)
        .where(Project.partner_bank_id.in_(banks), Pledge.method == "bank_transfer", Pledge.status == "collecting")
        .options(joinedload(Pledge.project), joinedload(Pledge.investor), joinedload(Pledge.receipts))
        .order_by(Pledge.transfer_mismatch.desc(), Pledge.payment_due_by, Pledge.id)).unique())


def confirm_receipt(actor, pledge: Pledge, *, amount_minor: int, received_on: date, note: str | None = None,
                    today: date | None = None) -> Pledge:
    """Record a transfer; the pledge is paid only when the receipts add up to the pledged amount exactly."""
    today = today or date.today()
    if BANK not in project_roles(actor, pledge.project):
        raise ForbiddenError(_("Only the project's partner bank confirms transfers."))
    if pledge.method != "bank_transfer" or pledge.status != "collecting":
        raise ConflictError(_("This pledge is not waiting for a transfer."))
    if amount_minor <= 0:
        raise DomainError(_("Enter the amount received."), field="amount")
    if received_on > today:
        raise DomainError(_("The date received cannot be in the future."), field="received_on")
    if received_on < pledge.offered_at.date():
        raise DomainError(_("The date received is before the pledge was made."), field="received_on")
    db.session.add(TransferReceipt(pledge_id=pledge.id, amount_minor=amount_minor, received_on=received_on,
                                   recorded_by_id=actor.id, note=(note or "").strip() or None))
    # Add to what was received in the database itself: two receipts recorded at once both count.
    total = db.session.execute(
        update(Pledge).where(Pledge.id == pledge.id, Pledge.status == "collecting")
        .values(received_minor=Pledge.received_minor + amount_minor).returning(Pledge.received_minor)
        .execution_options(synchronize_session=False)).scalar_one_or_none()
    if total is None:
        raise ConflictError(_("This pledge is not waiting for a transfer."))
    db.session.refresh(pledge)
    record("pledge.transfer_received", actor=actor, object_type="pledge", object_id=pledge.id,
           before={"received_minor": total - amount_minor},
           after={"received_minor": total, "amount_minor": pledge.amount_minor, "received_on": received_on.isoformat()},
           note=note)
    from marketplace.notifications.services import notify

    params = {"title": pledge.project.title, "reference": pledge.reference}
    if total >= pledge.amount_minor:
        excess = total - pledge.amount_minor
        note_text = _("Transfer received by the partner bank.")
        if excess:
            from flask_babel import get_locale

            from marketplace.money import format_money

            note_text += " " + _("The bank returns the excess of %(excess)s.",
                                 excess=format_money(excess, pledge.currency, get_locale()))
        lifecycle.apply(pledge, "mark_paid", actor=actor, refunded_minor=excess, transfer_mismatch=bool(excess),
                        note=note_text)
        notify([pledge.investor], "pledge.paid", params=params, link=f"/portfolio/{pledge.id}")
    else:
        pledge.transfer_mismatch = True
        record("pledge.transfer_mismatch", actor=actor, object_type="pledge", object_id=pledge.id,
               after={"received_minor": total, "amount_minor": pledge.amount_minor})
        notify([pledge.investor], "pledge.transfer_mismatch", params=params, link=f"/portfolio/{pledge.id}")
    db.session.flush()
    return pledge
