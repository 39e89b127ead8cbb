"""Milestones and the tranches they release.

pending → submitted (the owner organisation attaches its evidence) → met (a monitor of the partnership or the
reviewing authority approves it), or submitted → returned (with a note) → submitted again. Nobody judges
evidence they submitted themselves. A tranche of a grant or loan is paid only once its milestone is met and,
when the milestone names impact indicators, once their results are verified for the milestone's period.
Every step is a conditional UPDATE and is audited. Services flush and never commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from marketplace.audit.services import record
from marketplace.errors import ConflictError, DomainError, ForbiddenError
from marketplace.extensions import db
from marketplace.models_common import utcnow
from marketplace.money import format_money
from marketplace.ppp.access import MANAGING_ROLES, MONITOR, partnership_roles
from marketplace.ppp.ledger import (
    COMMITTED_STATUSES,
    TRANCHED_KINDS,
    lock_component,
    may_disburse,
    record_disbursement,
)
from marketplace.ppp.ledger_models import MILESTONE_STATUSES, Disbursement, Milestone, Tranche
from marketplace.ppp.models import FinancingComponent
from marketplace.projects.access import ADMIN, OWNER, REVIEWER

JUDGES = frozenset({MONITOR, REVIEWER, ADMIN})
INDICATOR_CODE_LENGTH = 20


def milestones_of(project) -> list[Milestone]:
    """The project's milestones in order, with their evidence document, in one statement."""
    return list(db.session.scalars(
        select(Milestone).where(Milestone.project_id == project.id)
        .options(joinedload(Milestone.evidence_document), joinedload(Milestone.judged_by))
        .order_by(Milestone.position)))


def tranches_of(project) -> list[Tranche]:
    """The project's tranches with their component, provider and milestone, in one statement."""
    return list(db.session.scalars(
        select(Tranche).where(Tranche.project_id == project.id)
        .options(joinedload(Tranche.component).joinedload(FinancingComponent.provider_organisation),
                 joinedload(Tranche.milestone))
        .order_by(Tranche.milestone_id, Tranche.id)))


def add_milestone(actor, project, *, title: str, due_on: date | None, evidence_required: str,
                  indicator_codes: Iterable[str] = ()) -> Milestone:
    """A new milestone at the end of the project's list; the owner, the reviewing authority or an admin adds it."""
    _require(actor, project, MANAGING_ROLES,
             _("Only the project's organisation, its reviewing authority or an administrator may set milestones."))
    title = (title or "").strip()
    if not title:
        raise DomainError(_("Name the milestone."), field="title")
    if due_on is None:
        raise DomainError(_("Give the date the milestone is due."), field="due_on")
    evidence_required = (evidence_required or "").strip()
    if not evidence_required:
        raise DomainError(_("Say what evidence shows the milestone is met."), field="evidence_required")
    codes = _indicator_codes(indicator_codes)
    position = db.session.scalar(select(func.coalesce(func.max(Milestone.position), 0))
                                 .where(Milestone.project_id == project.id)) + 1
    milestone = Milestone(project_id=project.id, position=position, title=title[:200], due_on=due_on,
                          evidence_required=evidence_required[:500], indicator_codes=codes, status="pending")
    db.session.add(milestone)
    db.session.flush()
    record("ppp.milestone_added", actor=actor, object_type="milestone", object_id=milestone.id,
           after={"project_id": project.id, "title": milestone.title, "due_on": due_on,
                  "evidence_required": milestone.evidence_required, "indicator_codes": codes})
    return milestone


def add_tranche(actor, project, *, milestone: Milestone, component: FinancingComponent,
                amount_minor: int) -> Tranche:
    """Tie part of a grant or loan to a milestone; all tranches of a component together stay within it."""
    _require(actor, project, MANAGING_ROLES,
             _("Only the project's organisation, its reviewing authority or an administrator may set tranches."))
    if milestone is None or milestone.project_id != project.id:
        raise DomainError(_("Choose a milestone of this project."), field="milestone_id")
    if component is None or component.project_id != project.id:
        raise DomainError(_("Choose a financing source of this project."), field="component_id")
    if component.kind not in TRANCHED_KINDS or component.status == "cancelled" or component.raised_by_campaign:
        raise DomainError(_("Only grants and loans are released in tranches."), field="component_id")
    if milestone.status == "met":
        raise ConflictError(_("This milestone is already met; tie the tranche to a later one."),
                            field="milestone_id")
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int) or amount_minor <= 0:
        raise DomainError(_("Enter an amount greater than zero."), field="amount")
    if db.session.scalar(select(Disbursement.id).where(Disbursement.component_id == component.id,
                                                       Disbursement.tranche_id.is_(None)).limit(1)) is not None:
        raise ConflictError(_("Payments were already recorded for this financing outside tranches."),
                            field="component_id")
    locked = lock_component(component.id)
    if db.session.scalar(select(Tranche.id).where(Tranche.component_id == component.id,
                                                  Tranche.milestone_id == milestone.id)) is not None:
        raise ConflictError(_("This financing already has a tranche for this milestone."), field="milestone_id")
    planned = db.session.scalar(select(func.coalesce(func.sum(Tranche.amount_minor), 0))
                                .where(Tranche.component_id == component.id))
    left = locked.amount_minor - int(planned)
    if amount_minor > left:
        raise DomainError(_("The tranches of this financing would exceed it: %(left)s is left to assign.",
                            left=format_money(left, locked.currency, get_locale())), field="amount")
    tranche = Tranche(project_id=project.id, component_id=component.id, milestone_id=milestone.id,
                      amount_minor=amount_minor, currency=locked.currency, status="planned")
    db.session.add(tranche)
    db.session.flush()
    record("ppp.tranche_added", actor=actor, object_type="tranche", object_id=tranche.id,
           after={"project_id": project.id, "component_id": component.id, "milestone_id": milestone.id,
                  "amount_minor": amount_minor, "currency": tranche.currency})
    return tranche


def submit_evidence(actor, project, milestone: Milestone, *, document, note: str | None = None) -> Milestone:
    """The owner organisation hands in the evidence of a pending or returned milestone."""
    _require(actor, project, {OWNER}, _("Only the project's organisation submits evidence for its milestones."))
    _own(project, milestone)
    if document is None:
        raise DomainError(_("Attach the evidence as a PDF document."), field="file")
    source = milestone.status
    if source not in ("pending", "returned"):
        raise ConflictError(_("A milestone that is “%(status)s” cannot take new evidence.",
                              status=MILESTONE_STATUSES[source]))
    _move(milestone, source, "submitted", evidence_document_id=document.id, submitted_by_id=actor.id,
          submitted_at=utcnow(), note=(note or "").strip() or None)
    record("ppp.milestone_submitted", actor=actor, object_type="milestone", object_id=milestone.id,
           before={"status": source}, after={"status": "submitted", "evidence_document_id": document.id,
                                            "project_id": project.id})
    return milestone


def approve_milestone(actor, project, milestone: Milestone, *, note: str | None = None) -> Milestone:
    """A monitor or the reviewing authority judges the evidence sufficient: the milestone is met."""
    _judge(actor, project, milestone)
    _move(milestone, "submitted", "met", judged_by_id=actor.id, met_at=utcnow(), note=(note or "").strip() or None)
    record("ppp.milestone_met", actor=actor, object_type="milestone", object_id=milestone.id,
           before={"status": "submitted"}, after={"status": "met", "project_id": project.id}, note=note)
    return milestone


def return_milestone(actor, project, milestone: Milestone, *, note: str) -> Milestone:
    """A monitor or the reviewing authority sends the evidence back with a note the owner reads."""
    note = (note or "").strip()
    if not note:
        raise DomainError(_("Say what is missing, so the organisation can complete its evidence."), field="note")
    _judge(actor, project, milestone)
    _move(milestone, "submitted", "returned", judged_by_id=actor.id, note=note)
    record("ppp.milestone_returned", actor=actor, object_type="milestone", object_id=milestone.id,
           before={"status": "submitted"}, after={"status": "returned", "project_id": project.id}, note=note)
    return milestone


def release_tranche(actor, project, tranche: Tranche, *, disbursed_on: date, reference: str, evidence=None,
                    today: date | None = None) -> Disbursement:
    """Pay a tranche: only after its milestone is met (and its indicators verified), and only once."""
    if tranche is None or tranche.project_id != project.id:
        raise DomainError(_("Choose a tranche of this project."), field="tranche_id")
    component, milestone = tranche.component, tranche.milestone
    if not may_disburse(actor, component, project):
        raise ForbiddenError(_("Only the organisation that provides this financing may release its tranches."))
    if tranche.status != "planned":
        raise ConflictError(_("This tranche has already been released."))
    if milestone.status != "met":
        raise ConflictError(_("The tranche is released once “%(milestone)s” is met; it is “%(status)s”.",
                              milestone=milestone.title, status=MILESTONE_STATUSES[milestone.status]))
    missing = unverified_indicators(project, milestone)
    if missing:
        raise ConflictError(_("The results of %(codes)s are not verified for this milestone yet.",
                              codes=", ".join(missing)))
    if component.status not in COMMITTED_STATUSES:
        raise ConflictError(_("This financing is not committed yet, so nothing can be paid against it."))
    changed = db.session.execute(
        update(Tranche).where(Tranche.id == tranche.id, Tranche.status == "planned").values(status="released")
        .execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        raise ConflictError(_("This tranche has already been released."))
    db.session.refresh(tranche, ["status"])
    entry = record_disbursement(actor, project, component, amount_minor=tranche.amount_minor,
                                disbursed_on=disbursed_on, reference=reference, evidence=evidence, tranche=tranche,
                                today=today)
    record("ppp.tranche_released", actor=actor, object_type="tranche", object_id=tranche.id,
           before={"status": "planned"}, after={"status": "released", "disbursement_id": entry.id,
                                               "milestone_id": milestone.id, "project_id": project.id})
    return entry


def unverified_indicators(project, milestone: Milestone) -> list[str]:
    """The milestone's indicators without a verified result for the framework period that holds its due date."""
    from marketplace.impact.reporting import indicator_verified_for_period

    return [code for code in milestone.indicator_codes or []
            if not indicator_verified_for_period(project.id, code, milestone.due_on)]


def may_judge(roles: set[str], actor, milestone: Milestone) -> bool:
    return bool(roles & JUDGES) and milestone.submitted_by_id != getattr(actor, "id", None)


def _judge(actor, project, milestone: Milestone) -> None:
    _own(project, milestone)
    roles = partnership_roles(actor, project)
    if not roles & JUDGES:
        raise ForbiddenError(_("Only a monitor of the partnership or the reviewing authority judges milestones."))
    if milestone.submitted_by_id == actor.id:
        raise ForbiddenError(_("Evidence is judged by someone other than the person who submitted it."))
    if milestone.status != "submitted":
        raise ConflictError(_("Only submitted evidence can be judged; this milestone is “%(status)s”.",
                              status=MILESTONE_STATUSES[milestone.status]))


def _require(actor, project, allowed: Iterable[str], message: str) -> None:
    if not partnership_roles(actor, project) & set(allowed):
        raise ForbiddenError(message)


def _own(project, milestone: Milestone) -> None:
    if milestone is None or milestone.project_id != project.id:
        raise DomainError(_("Choose a milestone of this project."), field="milestone_id")


def _move(milestone: Milestone, source: str, target: str, **values) -> None:
    changed = db.session.execute(
        update(Milestone).where(Milestone.id == milestone.id, Milestone.status == source)
        .values(status=target, **values).execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        raise ConflictError(_("This milestone changed at the same moment; reload the page."))
    db.session.refresh(milestone)


def _indicator_codes(codes: Iterable[str]) -> list[str]:
    """Indicator codes as typed (PI3687, DIA-01), upper-cased, each once, in the order given."""
    cleaned: list[str] = []
    for code in codes or ():
        code = (code or "").strip().upper()
        if not code:
            continue
        if len(code) > INDICATOR_CODE_LENGTH or not all(ch.isalnum() or ch in "-._" for ch in code):
            raise DomainError(_("“%(code)s” is not an indicator code.", code=code[:40]), field="indicator_codes")
        if code not in cleaned:
            cleaned.append(code)
    if cleaned:
        from marketplace.impact.models import Indicator

        known = set(db.session.scalars(select(Indicator.code).where(Indicator.code.in_(cleaned))))
        for code in cleaned:
            if code not in known:
                raise DomainError(_("“%(code)s” is not in the indicator catalogue.", code=code),
                                  field="indicator_codes")
    return cleaned
