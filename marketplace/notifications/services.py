"""Telling people what happened: an in-app notification plus an e-mail in the outbox, in their language."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from marketplace.extensions import db
from marketplace.models_common import utcnow
from marketplace.notifications.models import Notification, OutboxEmail

# Lazy: a notification translates only its own sentence, in its reader's locale.
MESSAGES = {
    "project.submitted": _l("“%(title)s” was submitted for vetting."),
    "project.review_started": _l("The review of “%(title)s” has started."),
    "project.changes_requested": _l("Changes were requested on “%(title)s”: %(note)s"),
    "project.rejected": _l("“%(title)s” was rejected: %(note)s"),
    "project.approved": _l("“%(title)s” was approved."),
    "project.published": _l("“%(title)s” is now published."),
    "project.suspended": _l("“%(title)s” was suspended: %(note)s"),
    "project.resumed": _l("“%(title)s” is published again."),
    "project.cancelled": _l("“%(title)s” was cancelled: %(note)s"),
    "project.back_to_review": _l("“%(title)s” went back to review after a material change."),
    "project.co_signed": _l("The partner bank co-signed “%(title)s”."),
    "project.question": _l("A new question was asked about “%(title)s”."),
    "project.answered": _l("Your question about “%(title)s” was answered."),
    "project.funded": _l("“%(title)s” reached its goal: the campaign is funded."),
    "project.failed": _l("“%(title)s” did not reach its goal: the campaign closed without funding."),
    "pledge.offered": _l("Your pledge %(reference)s to “%(title)s” is recorded."),
    "pledge.revoked": _l("Your pledge %(reference)s to “%(title)s” is revoked; nothing will be charged."),
    "pledge.reconfirm": _l("“%(title)s” changed materially: reconfirm your pledge %(reference)s or it lapses."),
    "pledge.lapsed": _l("Your pledge %(reference)s to “%(title)s” lapsed: it was not reconfirmed."),
    "pledge.released": _l("Your pledge %(reference)s to “%(title)s” is released: nothing is charged."),
    "pledge.collect_card": _l("“%(title)s” is funded: your card will be charged for pledge %(reference)s."),
    "pledge.collect_transfer": _l("“%(title)s” is funded: transfer the amount of pledge %(reference)s to the "
                                 "partner bank with the reference %(reference)s."),
    "pledge.paid": _l("Payment received for your pledge %(reference)s to “%(title)s”. Thank you."),
    "pledge.payment_failed": _l("The payment for your pledge %(reference)s to “%(title)s” failed."),
    "pledge.action_required": _l("Your bank asks you to confirm the payment for pledge %(reference)s to "
                                "“%(title)s”: open the pledge to complete it."),
    "pledge.refunded": _l("Your pledge %(reference)s to “%(title)s” was refunded."),
    "pledge.transfer_mismatch": _l("The transfer received for pledge %(reference)s does not match the pledged "
                                  "amount; the partner bank will contact you."),
    "campaign.early_close": _l("The campaign of “%(title)s” will now close on %(day)s."),
    "membership.added": _l("You were added to %(organisation)s. If this is a mistake, leave it from "
                          "“My organisations”."),
}


def message_for(kind: str, params: dict) -> str:
    """The sentence for a notification kind, in the current locale (only that one is translated)."""
    template = str(MESSAGES.get(kind, kind))
    defaults = {"title": "", "note": "", "organisation": "", "reference": "", "day": ""}
    return template % {**defaults, **params} if "%(" in template else template


def notify(users, kind: str, *, params: dict, link: str | None = None) -> None:
    """Notify each user once (in-app) and queue an e-mail in their own language."""
    seen: set[int] = set()
    for user in users:
        if user is None or user.id in seen or not user.is_active:
            continue
        seen.add(user.id)
        db.session.add(Notification(user_id=user.id, kind=kind, params=params, link=link))
        with force_locale(user.locale):
            text = message_for(kind, params)
            db.session.add(OutboxEmail(recipient=user.email, subject=f"Passerelle — {text[:250]}",
                                       body_text=text + (f"\n\n{link}" if link else "")))
    db.session.flush()


def unread_count(user_id: int) -> int:
    return db.session.scalar(
        select(func.count(Notification.id)).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )


def mark_all_read(user_id: int) -> None:
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
