"""The partner bank's due diligence: a configurable checklist, then a co-signature for the version."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

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


def add_checklist_item(*, actor, code: str, label_en: str, label_fr: str, label_ar: str) -> DueDiligenceItem:
    """Admins extend the bank's checklist; new items apply to checklists not yet co-signed."""
    code = (code or "").strip().lower()
    if not code or not code.replace("_", "").isalnum() or len(code) > 40:
        raise DomainError(_("Use lower-case letters, digits and underscores for the code."), field="code")
    if db.session.scalar(select(DueDiligenceItem.id).where(DueDiligenceItem.code == code)):
        raise DomainError(_("An item with this code already exists."), field="code")
    labels = {"label_en": label_en.strip(), "label_fr": label_fr.strip(), "label_ar": label_ar.strip()}
    if not all(labels.values()):
        raise DomainError(_("Give the item a label in each language."), field="label_en")
    position = (db.session.scalar(select(func.max(DueDiligenceItem.position))) or 0) + 1
    item = DueDiligenceItem(code=code, position=position, **labels)
    db.session.add(item)
    db.session.flush()
    record("checklist.item_added", actor=actor, object_type="checklist_item", object_id=item.code, after=labels)
    return item


def set_checklist_item_active(item: DueDiligenceItem, *, actor, active: bool) -> None:
    """Retire an item (kept for checklists already answered) or bring it back."""
    if item.is_active == active:
        return
    item.is_active = active
    db.session.flush()
    record("checklist.item_retired" if not active else "checklist.item_restored", actor=actor,
           object_type="checklist_item", object_id=item.code, before={"active": not active}, after={"active": active})


def all_checklist_items() -> list[DueDiligenceItem]:
    return list(db.session.scalars(select(DueDiligenceItem).order_by(DueDiligenceItem.position, DueDiligenceItem.id)))
