"""Placing, revoking, committing and reconfirming pledges: the rules that views, API and CLI share."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from marketplace.audit.services import record
from marketplace.errors import ConflictError, DomainError, ForbiddenError
from marketplace.extensions import db
from marketplace.models_common import utcnow
from marketplace.money import format_money
from marketplace.pledges import capacity, lifecycle, matching, protection
from marketplace.pledges.models import PAYMENT_METHODS, Pledge, PledgeTransition
from marketplace.projects.models import Project

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read over the phone
UNDERSTANDING_RIGHT_ANSWER = 2  # protection.KNOWLEDGE_QUESTIONS[0]: "All of it"


def new_reference() -> str:
    body = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"PSL-{body[:4]}-{body[4:]}"


@dataclass
class PledgeRequest:
    """What the investor submitted; acknowledgements are only required when the regime asks for them."""

    amount_minor: int
    currency: str
    method: str
    request_key: str
    reflection_notice_seen: bool = False
    risk_warning_acknowledged: bool = False
    high_amount_consent: bool = False
    understanding_answer: int | None = None


def card_payments_enabled() -> bool:
    from marketplace.payments.gateway import is_configured

    return is_configured()


def check_can_pledge(investor, project: Project) -> None:
    if project.status != "published":
        raise ConflictError(_("This project is not open for pledges."))
    today = date.today()
    if not project.campaign_starts_on <= today <= project.campaign_ends_on:
        raise ConflictError(_("The campaign is not running: pledges are taken from %(start)s to %(end)s.",
                              start=project.campaign_starts_on.isoformat(), end=project.campaign_ends_on.isoformat()))
    if investor.id is None or not investor.is_active:
        raise ForbiddenError(_("Log in with an active account to pledge."))
    if project.organisation_id in {m.organisation_id for m in investor.memberships}:
        raise ForbiddenError(_("Members of the project's own organisation cannot pledge to it."))
    problems = protection.profile_problems(investor)
    if problems:
        raise DomainError(" ".join(problems), field="profile")


def _validate_amount(request: PledgeRequest, project: Project) -> None:
    if request.currency != project.currency:
        raise DomainError(_("This project takes pledges in %(currency)s only.", currency=project.currency),
                          field="amount")
    if request.amount_minor < project.min_ticket_minor:
        raise DomainError(_("The minimum pledge is %(amount)s.", amount=_money(project.min_ticket_minor, project)),
                          field="amount")
    if request.method not in PAYMENT_METHODS or (request.method == "card" and not card_payments_enabled()):
        raise DomainError(_("Choose a payment method."), field="method")


def _money(minor: int, project: Project) -> str:
    from flask_babel import get_locale

    return format_money(minor, project.currency, get_locale())


def place_pledge(investor, project: Project, request: PledgeRequest, *, now: datetime | None = None) -> Pledge:
    """Reserve capacity, decide the match and record the offer with its consents, all in one transaction.

    A repeated request key (a double click, a resubmitted form) returns the pledge it already made.
    The caller commits; any refusal raises before anything is written that would survive a rollback.
    """
    existing = db.session.scalar(select(Pledge).where(Pledge.investor_id == investor.id,
                                                      Pledge.request_key == request.request_key))
    if existing is not None:
        return existing
    now = now or utcnow()
    check_can_pledge(investor, project)
    _validate_amount(request, project)
    needs = protection.requirements(investor, project, request.amount_minor, now)
    if needs.rule is not None and "limit_window_days" in needs.rule.params:
        # A 12-month limit spans projects: hold this investor's row so two pledges cannot both fit, then
        # read what they already pledged again under that lock.
        from marketplace.accounts.models import User

        db.session.execute(update(User).where(User.id == investor.id).values(session_token=User.session_token)
                           .execution_options(synchronize_session=False))
        needs = protection.requirements(investor, project, request.amount_minor, now)
    if needs.missing:
        raise DomainError(_("Complete the investor questionnaire before pledging."), field="profile")
    if needs.over_limit:
        raise DomainError(_("This pledge is above what US rules let you invest in 12 months (%(left)s left).",
                            left=format_money(needs.limit_left_minor or 0, needs.rule.params["currency"],
                                              _locale())), field="amount")
    if needs.rule is not None and needs.rule.params.get("revocation_hours") and not request.reflection_notice_seen:
        raise DomainError(_("Confirm that you read how the reflection period works."), field="reflection_notice_seen")
    if needs.risk_warning and not request.risk_warning_acknowledged:
        raise DomainError(_("Acknowledge the risk warning to continue."), field="risk_warning_acknowledged")
    if needs.high_amount:
        if not request.high_amount_consent:
            raise DomainError(_("This amount needs your explicit consent after the warning."),
                              field="high_amount_consent")
        if request.understanding_answer != UNDERSTANDING_RIGHT_ANSWER:
            raise DomainError(_("Your answer shows the risk is not yet clear: if the project fails you can lose "
                                "all of the money invested."), field="understanding_answer")

    pledge, created = _record_offer(investor, project, request, needs, now)
    if not created:
        return pledge
    # Everything above holds no lock. From here to the caller's commit the project row is locked, then the
    # pool and the audit head: a few statements, so concurrent pledges wait for each other only briefly.
    if not capacity.reserve(project.id, request.amount_minor):
        db.session.rollback()
        raise ConflictError(_("Only %(left)s can still be pledged to this project.",
                              left=_money(_remaining(project.id), project)), field="amount")
    pool, match = matching.allocate(project, investor.id, request.amount_minor)
    if pool is not None:
        pledge.match_pool_id, pledge.matched_minor = pool.id, match
    capacity.count_investor(project.id, investor.id, pledge.id, +1)
    lifecycle.announce(pledge, None, pledge.status)
    record("pledge.offer", actor=investor, object_type="pledge", object_id=pledge.id,
           after={"status": pledge.status, "amount_minor": pledge.amount_minor, "currency": pledge.currency,
                  "project_id": project.id, "method": pledge.method, "matched_minor": match,
                  "revocable_until": pledge.revocable_until.isoformat(),
                  "regime": getattr(needs.rule, "code", None)})
    return pledge


def _record_offer(investor, project: Project, request: PledgeRequest, needs: protection.Requirements,
                  now: datetime) -> tuple[Pledge, bool]:
    """Write the pledge, its history, consents and notifications; a repeated request key returns the first."""
    until = protection.revocable_until(needs.rule, project, now)
    at_once = until <= now  # no revocation period: the offer is committed in the same step
    pledge = Pledge(reference=new_reference(), request_key=request.request_key, project_id=project.id,
                    investor_id=investor.id, amount_minor=request.amount_minor, currency=project.currency,
                    method=request.method, status="committed" if at_once else "offered",
                    residence_country_id=investor.residence_country_id,
                    project_version_number=project.version_number, protection_rule_id=getattr(needs.rule, "id", None),
                    matched_minor=0, offered_at=now, revocable_until=until, committed_at=now if at_once else None)
    db.session.add(pledge)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        existing = db.session.scalar(select(Pledge).where(Pledge.investor_id == investor.id,
                                                          Pledge.request_key == request.request_key))
        if existing is not None:
            return existing, False
        raise
    db.session.add(PledgeTransition(pledge_id=pledge.id, action="offer", from_status=None, to_status="offered",
                                    actor_id=investor.id, created_at=now))
    if at_once:
        db.session.add(PledgeTransition(pledge_id=pledge.id, action="commit", from_status="offered",
                                        to_status="committed", created_at=now,
                                        note=_("No revocation period applies to this pledge.")))
    _record_offer_consents(investor, pledge, needs, request)
    _notify(investor, pledge, "pledge.offered")
    return pledge, True


def _locale():
    from flask_babel import get_locale

    return get_locale()


def _remaining(project_id: int) -> int:
    project = db.session.get(Project, project_id, populate_existing=True)
    return project.remaining_minor


def _record_offer_consents(investor, pledge: Pledge, needs: protection.Requirements, request: PledgeRequest) -> None:
    if request.reflection_notice_seen and needs.rule is not None and needs.rule.params.get("revocation_hours"):
        protection.record_consent(investor, "reflection_notice", text_kind="reflection_notice", pledge=pledge)
        protection.record_consent(investor, "reflection_started", text_kind="reflection_notice", pledge=pledge,
                                  payload={"revocable_until": pledge.revocable_until.isoformat()})
    if needs.risk_warning:
        protection.record_consent(investor, "risk_warning", text_kind="risk_warning", pledge=pledge)
    if needs.high_amount:
        protection.record_consent(investor, "high_amount_consent", text_kind="high_amount", pledge=pledge,
                                  payload={"threshold_minor": needs.threshold_minor,
                                           "threshold_currency": needs.rule.params["currency"]})
        question, _choices, _right = protection.KNOWLEDGE_QUESTIONS[0]
        protection.record_consent(investor, "understanding_check", pledge=pledge,
                                  version=protection.KNOWLEDGE_TEST_VERSION, words=str(question),
                                  payload={"answer": request.understanding_answer})
    if needs.limit_left_minor is not None:
        protection.record_consent(investor, "regcf_limit", text_kind="regcf_limit", pledge=pledge,
                                  payload={"limit_left_minor": needs.limit_left_minor})


def revoke(investor, pledge: Pledge, *, now: datetime | None = None) -> Pledge:
    """The investor withdraws an offer while it is revocable (or a pledge awaiting reconfirmation)."""
    now = now or utcnow()
    if pledge.investor_id != investor.id:
        raise ForbiddenError(_("This is not your pledge."))
    if pledge.status == "committed" and pledge.reconfirm_by is not None and now <= pledge.reconfirm_by:
        action = "decline_reconfirmation"
    elif pledge.status == "offered" and now < pledge.revocable_until:
        action = "revoke"
    else:
        raise ConflictError(_("This pledge can no longer be revoked."))
    protection.record_consent(investor, "revocation", pledge=pledge, version="revoke-v1", words=action,
                              payload={"at": now.isoformat()})
    lifecycle.apply(pledge, action, actor=investor)
    _notify(investor, pledge, "pledge.revoked")
    return pledge


def reconfirm(investor, pledge: Pledge, *, now: datetime | None = None) -> Pledge:
    now = now or utcnow()
    if pledge.investor_id != investor.id:
        raise ForbiddenError(_("This is not your pledge."))
    if pledge.reconfirm_by is None or pledge.status not in {"offered", "committed"}:
        raise ConflictError(_("This pledge does not need reconfirming."))
    if now > pledge.reconfirm_by:
        raise ConflictError(_("The time to reconfirm has passed."))
    protection.record_consent(investor, "reconfirmation", text_kind="reconfirmation", pledge=pledge,
                              payload={"project_version": pledge.project.version_number})
    pledge.reconfirm_by = None
    pledge.project_version_number = pledge.project.version_number
    record("pledge.reconfirm", actor=investor, object_type="pledge", object_id=pledge.id,
           after={"project_version": pledge.project_version_number})
    return pledge


def commit_due(now: datetime | None = None) -> int:
    """Commit every offer whose revocation period has ended. Idempotent: each pledge moves once."""
    now = now or utcnow()
    due = db.session.scalars(select(Pledge).where(Pledge.status == "offered", Pledge.revocable_until <= now)
                             .order_by(Pledge.id)).all()
    count = 0
    for pledge in due:
        try:
            lifecycle.apply(pledge, "commit", note=_("The revocation period ended."))
            count += 1
        except ConflictError:
            continue
    return count


def ask_reconfirmation(project: Project, *, now: datetime | None = None) -> int:
    """After a material change: every active unpaid pledge must be reconfirmed within N business days."""
    now = now or utcnow()
    days = protection.platform_params(now.date()).get("reconfirm_business_days", 5)
    deadline = protection.add_business_days(now, days)
    pledges = db.session.scalars(select(Pledge).where(Pledge.project_id == project.id,
                                                      Pledge.status.in_(("offered", "committed")))).all()
    for pledge in pledges:
        pledge.reconfirm_by = deadline
        record("pledge.reconfirmation_requested", object_type="pledge", object_id=pledge.id,
               after={"reconfirm_by": deadline.isoformat(), "project_version": project.version_number})
        _notify(pledge.investor, pledge, "pledge.reconfirm")
    return len(pledges)


def lapse_due(now: datetime | None = None) -> int:
    now = now or utcnow()
    due = db.session.scalars(select(Pledge).where(Pledge.status.in_(("offered", "committed")),
                                                  Pledge.reconfirm_by.is_not(None), Pledge.reconfirm_by < now)).all()
    count = 0
    for pledge in due:
        try:
            lifecycle.apply(pledge, "lapse", note=_("Not reconfirmed after a material change."))
            _notify(pledge.investor, pledge, "pledge.lapsed")
            count += 1
        except ConflictError:
            continue
    return count


def _notify(user, pledge: Pledge, kind: str) -> None:
    from marketplace.notifications.services import notify

    notify([user], kind, params={"title": pledge.project.title, "reference": pledge.reference},
           link=f"/portfolio/{pledge.id}")
