"""Closing campaigns: decide funded or failed by the project's rule, then collect or release the pledges.

`close_due` is what the scheduler runs (`flask campaigns close-due`). It is idempotent and safe to run
twice at once: the project's status moves by a conditional UPDATE (only one run decides), each pledge
moves by its own conditional UPDATE, and card charges are claimed before Stripe is called.
A campaign is decided only once no pledge is still inside its revocation period, so nothing is
charged before that period ends and an offer still revocable never counts as committed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import exists, func, select

from marketplace.audit.services import record
from marketplace.errors import ConflictError, DomainError, ForbiddenError
from marketplace.extensions import db
from marketplace.models_common import utcnow
from marketplace.pledges import lifecycle, protection
from marketplace.pledges.models import Pledge
from marketplace.projects.access import OWNER, project_roles
from marketplace.projects.models import Project


@dataclass
class CloseReport:
    funded: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    committed: int = 0
    lapsed: int = 0
    payments_expired: int = 0
    charges: list[int] = field(default_factory=list)


def committed_total(project_id: int) -> int:
    return db.session.scalar(select(func.coalesce(func.sum(Pledge.amount_minor), 0)).where(
        Pledge.project_id == project_id, Pledge.status == "committed", Pledge.reconfirm_by.is_(None)))


def is_funded(project: Project, committed_minor: int) -> bool:
    if project.funding_rule == "all_or_nothing":
        return committed_minor >= project.target_minor
    return committed_minor > 0


def _still_revocable(project_id: int, now: datetime) -> bool:
    """An offer still inside its revocation period, or a pledge still awaiting reconfirmation: not decided yet."""
    in_reflection = (Pledge.status == "offered") & (Pledge.revocable_until > now)
    awaiting_reconfirmation = Pledge.status.in_(("offered", "committed")) & (Pledge.reconfirm_by > now)
    return db.session.scalar(select(exists().where(Pledge.project_id == project_id,
                                                   in_reflection | awaiting_reconfirmation)))


def close_due(today: date | None = None, now: datetime | None = None) -> CloseReport:
    """Close every campaign whose last day has passed. Commits after each project."""
    from marketplace.pledges.services import commit_due, lapse_due

    now = now or utcnow()
    today = today or now.date()
    report = CloseReport()
    report.committed = commit_due(now)
    report.lapsed = lapse_due(now)
    db.session.commit()
    due_ids = db.session.scalars(select(Project.id).where(Project.status == "published",
                                                          Project.campaign_ends_on < today).order_by(Project.id)).all()
    for project_id in due_ids:
        project = db.session.get(Project, project_id, populate_existing=True)
        if _still_revocable(project.id, now):
            report.waiting.append(project.code or str(project.id))
            continue
        try:
            funded = close_campaign(project, now=now)
        except ConflictError:
            db.session.rollback()  # another run closed it first
            continue
        db.session.commit()
        (report.funded if funded else report.failed).append(project.code or str(project.id))
    report.payments_expired = expire_overdue_payments(now)
    db.session.commit()
    report.charges = collect_card_payments()
    return report


def close_campaign(project: Project, *, now: datetime) -> bool:
    """Decide one campaign and move its pledges, in the caller's transaction; True when funded."""
    from marketplace.projects.lifecycle import transition
    from marketplace.projects.notify import recipients

    committed = committed_total(project.id)
    funded = is_funded(project, committed)
    transition(project, "close_funded" if funded else "close_failed", actor=None, notify_users=recipients)
    project.closed_at = now
    window = protection.platform_params(now.date()).get("payment_window_days", 7)
    pledges = db.session.scalars(select(Pledge).where(Pledge.project_id == project.id,
                                                      Pledge.status.in_(("offered", "committed")))
                                 .order_by(Pledge.id)).all()
    for pledge in pledges:
        if funded and pledge.status == "committed":
            lifecycle.apply(pledge, "start_collection", payment_due_by=now + timedelta(days=window),
                            note=_("The campaign was funded."))
            kind = "pledge.collect_card" if pledge.method == "card" else "pledge.collect_transfer"
        else:
            lifecycle.apply(pledge, "release", note=_("The campaign was not funded: nothing is charged."))
            kind = "pledge.released"
        _notify(pledge, kind)
    record("campaign.close", object_type="project", object_id=project.id,
           after={"funded": funded, "committed_minor": committed, "target_minor": project.target_minor,
                  "rule": project.funding_rule, "pledges": len(pledges)})
    return funded


def expire_overdue_payments(now: datetime) -> int:
    """Collections past their window fail: no transfer arrived, or the card was never completed."""
    overdue = db.session.scalars(select(Pledge).where(
        Pledge.status == "collecting", Pledge.payment_due_by < now, Pledge.payment_outcome_unknown.is_(False))).all()
    for pledge in overdue:
        # A partial transfer that was never completed goes back to the investor through the partner bank.
        lifecycle.apply(pledge, "fail_payment", payment_error="payment window expired",
                        refunded_minor=pledge.received_minor,
                        note=_("The payment did not arrive within the payment window.") + (
                            " " + _("The partner bank returns the partial transfer.") if pledge.received_minor else ""))
        _notify(pledge, "pledge.payment_failed")
    return len(overdue)


def collect_card_payments() -> list[int]:
    """Charge every card pledge awaiting collection; each charge is claimed first, so runs never overlap."""
    if not _cards_enabled():
        return []
    from marketplace.payments.services import charge_pledge

    ids = db.session.scalars(select(Pledge.id).where(Pledge.status == "collecting", Pledge.method == "card",
                                                     Pledge.charge_attempted_at.is_(None))).all()
    for pledge_id in ids:
        charge_pledge(pledge_id)
    return list(ids)


def _cards_enabled() -> bool:
    from marketplace.payments.gateway import is_configured

    return is_configured()


def schedule_early_close(project: Project, new_last_day: date, *, actor, now: datetime | None = None) -> Project:
    """Close before the planned date: only after N days open, with N business days' notice, at target."""
    now = now or utcnow()
    if OWNER not in project_roles(actor, project):
        raise ForbiddenError(_("Only the project's organisation can close its campaign early."))
    if project.status != "published":
        raise ConflictError(_("Only a published campaign can be closed early."))
    params = protection.platform_params(now.date())
    opened = (project.published_at or now).date()
    if (now.date() - opened).days < params.get("early_close_min_days_open", 21):
        raise DomainError(_("A campaign must stay open at least %(days)d days before it can close early.",
                            days=params.get("early_close_min_days_open", 21)), field="new_last_day")
    earliest = protection.add_business_days(now, params.get("early_close_notice_business_days", 5)).date()
    if new_last_day < earliest:
        raise DomainError(_("Investors need notice: the earliest last day is %(day)s.", day=earliest.isoformat()),
                          field="new_last_day")
    if new_last_day >= project.campaign_ends_on:
        raise DomainError(_("Choose a day before the planned last day."), field="new_last_day")
    if project.pledged_minor < project.target_minor:
        raise ConflictError(_("Only a campaign that has reached its target can close early."))
    before = project.campaign_ends_on
    project.campaign_ends_on = new_last_day
    project.early_close_noticed_at = now
    _move_cancellation_locks(project, now)
    record("campaign.early_close", actor=actor, object_type="project", object_id=project.id,
           before={"campaign_ends_on": before.isoformat()}, after={"campaign_ends_on": new_last_day.isoformat()})
    pledges = db.session.scalars(select(Pledge).where(Pledge.project_id == project.id,
                                                      Pledge.status.in_(("offered", "committed")))).all()
    from marketplace.notifications.services import notify

    notify({p.investor for p in pledges}, "campaign.early_close",
           params={"title": project.title, "day": new_last_day.isoformat()}, link=f"/projects/{project.id}")
    return project


def _move_cancellation_locks(project: Project, now: datetime) -> None:
    """Offers whose revocation ends 48 hours before the deadline (Reg CF) follow the new deadline."""
    from marketplace.pledges.models import ProtectionRule

    offers = db.session.scalars(select(Pledge).join(ProtectionRule, Pledge.protection_rule_id == ProtectionRule.id)
                                .where(Pledge.project_id == project.id, Pledge.status == "offered")).all()
    for pledge in offers:
        if "cancellation_lock_hours" in pledge.protection_rule.params:
            pledge.revocable_until = protection.revocable_until(pledge.protection_rule, project, now)


def on_project_cancelled(project: Project) -> None:
    """Cancellation: unpaid pledges are released (nothing charged); paid ones are refunded."""
    pledges = db.session.scalars(select(Pledge).where(
        Pledge.project_id == project.id, Pledge.status.in_(("offered", "committed", "collecting", "paid")))).all()
    for pledge in pledges:
        if pledge.method == "card" and (pledge.status == "paid" or pledge.charge_attempted_at is not None):
            # Card money moves only through Stripe: a paid charge is refunded by `payments refund-due`, and a
            # charge already in flight finishes (paid, then refunded; or failed) before anything else.
            continue
        if pledge.status == "paid":
            lifecycle.apply(pledge, "refund", refunded_minor=pledge.received_minor,
                            note=_("The project was cancelled; the partner bank returns the transfer."))
            _notify(pledge, "pledge.refunded")
        else:
            returned = " " + _("The partner bank returns what it received.") if pledge.received_minor else ""
            lifecycle.apply(pledge, "release", refunded_minor=pledge.received_minor,
                            note=_("The project was cancelled: nothing is charged.") + returned)
            _notify(pledge, "pledge.released")


def _notify(pledge: Pledge, kind: str) -> None:
    from marketplace.notifications.services import notify

    notify([pledge.investor], kind, params={"title": pledge.project.title, "reference": pledge.reference},
           link=f"/portfolio/{pledge.id}")
