"""The project lifecycle: one explicit transition table, one function that applies it.

Every transition checks the current state, the actor's role and the guards, changes the status with a
conditional UPDATE (so two concurrent clicks cannot both succeed), writes a ProjectTransition the owner
can read, an audit entry and the notifications. Anything refused raises and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import Session

from marketplace.audit.services import record
from marketplace.errors import ConflictError, DomainError, ForbiddenError
from marketplace.extensions import db
from marketplace.models_common import utcnow
from marketplace.projects.access import ADMIN, OWNER, REVIEWER, project_roles
from marketplace.projects.models import STATUSES, DueDiligenceReview, Project, ProjectTransition

SYSTEM = "system"

# Read models that group projects by state or region (the dashboards' corridor rows) register here, so that
# projects never import them: each observer is called inside the transaction that moved the project.
_move_observers: list = []


def observe_moves(observer) -> None:
    """Call `observer(project, region_before, status_before)` whenever a project changes state or region."""
    if observer not in _move_observers:
        _move_observers.append(observer)


def announce_move(project: Project, region_before: int | None, status_before: str) -> None:
    for observer in _move_observers:
        observer(project, region_before, status_before)


# `transition` changes the status with a conditional UPDATE and announces the move itself. Any other change of a
# project's status or region made through the ORM (a listing edit, seeding, a script) is announced after the
# flush that writes it, so no observer can miss one.
@event.listens_for(Session, "before_flush")
def _note_moves(session, flush_context, instances) -> None:
    moves = session.info.setdefault("project_moves", [])
    for obj in session.dirty:
        if not isinstance(obj, Project):
            continue
        attributes = inspect(obj).attrs
        status, region = attributes.status.history, attributes.region_id.history
        if (status.deleted or region.deleted) and (status.has_changes() or region.has_changes()):
            moves.append((obj, region.deleted[0] if region.deleted else obj.region_id,
                          status.deleted[0] if status.deleted else obj.status))


@event.listens_for(Session, "after_flush_postexec")
def _announce_moves(session, flush_context) -> None:
    for project, region_before, status_before in session.info.pop("project_moves", []):
        if (region_before, status_before) != (project.region_id, project.status):
            announce_move(project, region_before, status_before)


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    note_required: bool = False


def _t(sources, target, roles, note_required=False) -> Transition:
    return Transition(frozenset(sources), target, frozenset(roles), note_required)


TRANSITIONS: dict[str, Transition] = {
    "submit": _t({"draft", "changes_requested"}, "submitted", {OWNER}),
    "start_review": _t({"submitted"}, "in_review", {REVIEWER, ADMIN}),
    "request_changes": _t({"submitted", "in_review"}, "changes_requested", {REVIEWER, ADMIN}, note_required=True),
    "reject": _t({"in_review"}, "rejected", {REVIEWER, ADMIN}, note_required=True),
    "approve": _t({"in_review"}, "approved", {REVIEWER, ADMIN}),
    "publish": _t({"approved"}, "published", {OWNER, REVIEWER, ADMIN, SYSTEM}),
    "suspend": _t({"published"}, "suspended", {REVIEWER, ADMIN}, note_required=True),
    "resume": _t({"suspended"}, "published", {REVIEWER, ADMIN}),
    "cancel": _t({"draft", "submitted", "in_review", "changes_requested", "approved", "published", "suspended",
                  "funded"},
                 "cancelled", {OWNER, REVIEWER, ADMIN}, note_required=True),
    "back_to_review": _t({"approved", "published", "suspended"}, "in_review", {SYSTEM}),
    # Decided by `flask campaigns close-due` from the committed total and the funding rule.
    "close_funded": _t({"published"}, "funded", {SYSTEM}),
    "close_failed": _t({"published"}, "failed", {SYSTEM}),
    # The first disbursement recorded in the PPP ledger (`ppp.ledger.record_disbursement`).
    "start_implementation": _t({"funded"}, "in_implementation", {SYSTEM}),
}
SYSTEM_ONLY = frozenset({"back_to_review", "close_funded", "close_failed", "start_implementation"})

NOTIFICATION_KINDS = {
    "submit": "project.submitted",
    "start_review": "project.review_started",
    "request_changes": "project.changes_requested",
    "reject": "project.rejected",
    "approve": "project.approved",
    "publish": "project.published",
    "suspend": "project.suspended",
    "resume": "project.resumed",
    "cancel": "project.cancelled",
    "back_to_review": "project.back_to_review",
    "close_funded": "project.funded",
    "close_failed": "project.failed",
}


def action_label(action: str) -> str:
    labels = {
        "submit": _("submit"), "start_review": _("start the review of"), "request_changes": _("request changes on"),
        "reject": _("reject"), "approve": _("approve"), "publish": _("publish"), "suspend": _("suspend"),
        "resume": _("resume"), "cancel": _("cancel"), "back_to_review": _("send back to review"),
        "close_funded": _("close as funded"), "close_failed": _("close as not funded"),
        "start_implementation": _("start the implementation of"),
    }
    return labels.get(action, action)


def available_actions(project: Project, user) -> list[str]:
    """Actions the user could take now (guards such as the co-signature are checked on submission)."""
    roles = project_roles(user, project)
    return [name for name, t in TRANSITIONS.items()
            if project.status in t.sources and roles & t.roles and name not in SYSTEM_ONLY]


def current_due_diligence(project: Project) -> DueDiligenceReview | None:
    return db.session.scalar(select(DueDiligenceReview).where(
        DueDiligenceReview.project_id == project.id, DueDiligenceReview.version_number == project.version_number))


def _check_guards(project: Project, action: str, today: date) -> None:
    if action == "approve":
        review = current_due_diligence(project)
        if review is None or not review.is_co_signed:
            raise ConflictError(_("Approval needs the partner bank's co-signature of the due-diligence checklist "
                                  "for the version under review."))
        from marketplace.ppp.plans import plan_problems

        problems = plan_problems(project, today)
        if problems:
            raise ConflictError(_("Approval needs a valid financing plan: %(problems)s",
                                  problems=" ".join(p.message for p in problems)))
    if action == "publish" and today < project.campaign_starts_on:
        raise ConflictError(_("The campaign starts on %(day)s; the project is published automatically that day.",
                              day=project.campaign_starts_on.isoformat()))
    if action == "submit":
        from marketplace.projects.services import listing_problems

        problems = listing_problems(project)
        if problems:
            raise DomainError(" ".join(problems))


def transition(project: Project, action: str, *, actor, note: str | None = None, today: date | None = None,
               notify_users=None) -> Project:
    """Apply one lifecycle action, or raise and change nothing."""
    spec = TRANSITIONS.get(action)
    if spec is None:
        raise DomainError(_("Unknown action."))
    roles = {SYSTEM} if actor is None else project_roles(actor, project)
    if not roles & spec.roles:
        raise ForbiddenError(_("You may not %(action)s this project.", action=action_label(action)))
    if project.status not in spec.sources:
        raise ConflictError(_("A project that is “%(status)s” cannot be changed that way (%(action)s).",
                              status=STATUSES[project.status], action=action_label(action)))
    note = (note or "").strip() or None
    if spec.note_required and not note:
        raise DomainError(_("Write a note explaining the decision."), field="note")
    _check_guards(project, action, today or date.today())

    source = project.status
    changed = db.session.execute(
        update(Project).where(Project.id == project.id, Project.status == source).values(status=spec.target)
    ).rowcount
    if changed != 1:
        raise ConflictError(_("Someone changed this project at the same moment; reload the page and try again."))
    db.session.refresh(project, ["status"])
    announce_move(project, project.region_id, source)
    now = utcnow()
    if action == "submit":
        from marketplace.projects.services import store_version

        project.submitted_at = now
        store_version(project, actor=actor, reason="submitted")
    elif action == "approve":
        from marketplace.ppp.plans import bind_rule_set

        project.approved_at = now
        bind_rule_set(project, today or date.today())
    elif spec.target == "published" and project.published_at is None:
        project.published_at = now
    db.session.add(ProjectTransition(project_id=project.id, action=action, from_status=source,
                                     to_status=spec.target, actor_id=getattr(actor, "id", None), note=note))
    db.session.flush()
    if action == "cancel":
        from marketplace.pledges.campaigns import on_project_cancelled

        on_project_cancelled(project)
    record(f"project.{action}", actor=actor, object_type="project", object_id=project.id,
           before={"status": source}, after={"status": spec.target, "version": project.version_number}, note=note)
    if notify_users is not None:
        from marketplace.notifications.services import notify

        notify(notify_users(project, action), NOTIFICATION_KINDS[action],
               params={"title": project.title, "note": note or ""}, link=f"/projects/{project.id}")
    return project
