"""The partner bank's due diligence: a configurable checklist, then a co-signature for the version."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.audit.services import record
from marketplace.errors import ConflictError, DomainError, ForbiddenError
from marketplace.extensions import db
from marketplace.models_common import utcnow
from marketplace.projects.access import BANK, project_roles
from marketplace.projects.lifecycle import current_due_diligence
from marketplace.projects.models import DueDiligenceItem, DueDiligenceReview, Project

VETTING_STATUSES = {"submitted", "in_review"}


def checklist_items() -> list[DueDiligenceItem]:
    return list(db.session.scalars(
        select(DueDiligenceItem).where(DueDiligenceItem.is_active.is_(True))
        .order_by(DueDiligenceItem.position, DueDiligenceItem.id)
    ))


def save_checklist(
    project: Project, *, actor, answers: dict[int, tuple[bool, str]], co_sign: bool
) -> DueDiligenceReview:
    """Record the bank's answers for the current version; co-signing needs every active item ticked.

    `answers` maps item id to (ticked, note). A co-signed checklist is final for that version; a new
    submission starts a new one, pre-filled from the last.
    """
    if BANK not in project_roles(actor, project):
        raise ForbiddenError(_("Only a member of the project's partner bank completes its due diligence."))
    if project.status not in VETTING_STATUSES:
        raise ConflictError(_("Due diligence is done while the project is submitted or in review."))
    review = current_due_diligence(project)
    if review is not None and review.is_co_signed:
        raise ConflictError(_("This version is already co-signed."))
    items = checklist_items()
    cleaned = {}
    for item in items:
        ticked, note = answers.get(item.id, (False, ""))
        note = (note or "").strip()
        if len(note) > 1000:
            raise DomainError(_("Keep each note under 1,000 characters."), field=f"note_{item.id}")
        cleaned[str(item.id)] = {"code": item.code, "ticked": bool(ticked), "note": note}
    if co_sign and not all(answer["ticked"] for answer in cleaned.values()):
        raise DomainError(_("Tick every item of the checklist before co-signing."))
    if review is None:
        review = DueDiligenceReview(project_id=project.id, version_number=project.version_number,
                                    bank_organisation_id=project.partner_bank_id)
        db.session.add(review)
    review.answers = cleaned
    if co_sign:
        review.co_signed_by_id = actor.id
        review.co_signed_at = utcnow()
    db.session.flush()
    record("project.co_signed" if co_sign else "project.due_diligence_saved", actor=actor, object_type="project",
           object_id=project.id, after={"version": project.version_number, "answers": cleaned})
    if co_sign:
        from marketplace.notifications.services import notify
        from marketplace.projects.notify import recipients

        notify(recipients(project, "co_signed"), "project.co_signed", params={"title": project.title},
               link=f"/projects/{project.id}")
    return review


def previous_answers(project: Project) -> dict:
    """The last checklist of an earlier version, to pre-fill the bank's form after a resubmission."""
    review = db.session.scalar(
        select(DueDiligenceReview).where(DueDiligenceReview.project_id == project.id)
        .order_by(DueDiligenceReview.version_number.desc())
    )
    return dict(review.answers) if review else {}
