"""Updates the owner posts on a published project, and public questions with the owner's answers."""

from __future__ import annotations

from flask_babel import gettext as _

from marketplace.audit.services import record
from marketplace.errors import ConflictError, DomainError, ForbiddenError
from marketplace.extensions import db
from marketplace.models_common import utcnow
from marketplace.notifications.services import notify
from marketplace.projects.access import OWNER, PUBLIC_STATUSES, project_roles
from marketplace.projects.models import Project, ProjectQuestion, ProjectUpdate


def post_update(project: Project, *, actor, title: str, body: str) -> ProjectUpdate:
    if OWNER not in project_roles(actor, project):
        raise ForbiddenError(_("Only the owner organisation posts updates."))
    if project.status not in PUBLIC_STATUSES:
        raise ConflictError(_("Updates are posted on published projects."))
    if not title.strip() or not body.strip():
        raise DomainError(_("Write a title and a text."), field="body")
    update = ProjectUpdate(project_id=project.id, author_id=actor.id, title=title.strip()[:200], body=body.strip())
    db.session.add(update)
    db.session.flush()
    record("project.update_posted", actor=actor, object_type="project", object_id=project.id,
           after={"update_id": update.id, "title": update.title})
    return update


def ask_question(project: Project, *, actor, body: str) -> ProjectQuestion:
    if project.status not in PUBLIC_STATUSES:
        raise ConflictError(_("Questions are asked on published projects."))
    body = (body or "").strip()
    if len(body) < 5:
        raise DomainError(_("Write your question in a sentence."), field="body")
    question = ProjectQuestion(project_id=project.id, asker_id=actor.id, body=body[:2000])
    db.session.add(question)
    db.session.flush()
    from marketplace.projects.notify import recipients

    notify(recipients(project, "question"), "project.question", params={"title": project.title},
           link=f"/projects/{project.id}#questions")
    return question


def answer_question(question: ProjectQuestion, project: Project, *, actor, answer: str) -> None:
    if OWNER not in project_roles(actor, project):
        raise ForbiddenError(_("Only the owner organisation answers questions."))
    answer = (answer or "").strip()
    if not answer:
        raise DomainError(_("Write an answer."), field="answer")
    question.answer = answer[:5000]
    question.answered_by_id = actor.id
    question.answered_at = utcnow()
    db.session.flush()
    record("project.question_answered", actor=actor, object_type="project", object_id=project.id,
           after={"question_id": question.id})
    if question.asker_id:
        from marketplace.accounts.models import User

        notify([db.session.get(User, question.asker_id)], "project.answered", params={"title": project.title},
               link=f"/projects/{project.id}#questions")
