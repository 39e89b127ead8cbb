"""Vetting pages: the reviewers' queue, the bank's queue and checklist, decisions, version comparison."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.projects import queries, services, vetting
from marketplace.projects.access import BANK, project_roles
from marketplace.projects.forms import DecisionForm
from marketplace.projects.lifecycle import TRANSITIONS, current_due_diligence, transition
from marketplace.projects.notify import recipients
from marketplace.projects.views import visible_project_or_404

bp = Blueprint("vetting", __name__)
ID = "<int(max=2147483647):project_id>"


@bp.get("/review")
@login_required
def review_queue():
    """What waits for an authority reviewer of the user's country."""
    projects = queries.review_queue(current_user)
    if not projects and not (current_user.is_admin or current_user.has_role("authority_reviewer")):
        abort(403)
    return render_template("vetting/review_queue.html", projects=projects,
                           co_signed=queries.co_signed_project_ids([p.id for p in projects]))


@bp.get("/due-diligence")
@login_required
def bank_queue():
    """Listings naming the user's bank as partner, waiting for its checklist and co-signature."""
    projects = queries.bank_queue(current_user)
    return render_template("vetting/bank_queue.html", projects=projects,
                           co_signed=queries.co_signed_project_ids([p.id for p in projects]))


@bp.post(f"/projects/{ID}/actions/<action>")
@login_required
def act(project_id: int, action: str):
    """Apply one lifecycle action with its note; refusals come back as a message, nothing changed."""
    project = visible_project_or_404(project_id)
    if action not in TRANSITIONS:
        abort(404)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            transition(project, action, actor=current_user, note=form.note.data, notify_users=recipients)
        except DomainError as error:
            db.session.rollback()
            if error.status_code == 403:
                abort(403)
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("Done: the project is now “%(status)s”.", status=project.status_label), "success")
    return redirect(url_for("projects.show", project_id=project_id))


@bp.route(f"/projects/{ID}/due-diligence", methods=["GET", "POST"])
@login_required
def checklist(project_id: int):
    project = visible_project_or_404(project_id)
    roles = project_roles(current_user, project)
    review = current_due_diligence(project)
    items = vetting.checklist_items()
    if request.method == "POST":
        if BANK not in roles:
            abort(403)
        answers = {
            item.id: (request.form.get(f"item_{item.id}") == "on", request.form.get(f"note_{item.id}", ""))
            for item in items
        }
        try:
            review = vetting.save_checklist(project, actor=current_user, answers=answers,
                                            co_sign=request.form.get("co_sign") == "1")
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
            prefill = {str(i): {"ticked": t, "note": n} for i, (t, n) in answers.items()}
            return render_template("vetting/checklist.html", project=project, items=items, review=review,
                                   answers=prefill, may_edit=True, form=DecisionForm()), 422
        db.session.commit()
        flash(_("The partner bank co-signed this version.") if review.is_co_signed
              else _("The checklist is saved."), "success")
        return redirect(url_for("vetting.checklist", project_id=project.id))
    if not roles:
        abort(404)
    answers = review.answers if review else vetting.previous_answers(project)
    may_edit = BANK in roles and project.status in vetting.VETTING_STATUSES and not (review and review.is_co_signed)
    return render_template("vetting/checklist.html", project=project, items=items, review=review, answers=answers,
                           may_edit=may_edit, form=DecisionForm())


@bp.get(f"/projects/{ID}/versions")
@login_required
def versions(project_id: int):
    """Two versions side by side: the fields that changed, old and new."""
    project = visible_project_or_404(project_id)
    if not project_roles(current_user, project):
        abort(404)
    all_versions = services.versions_of(project)
    by_number = {v.number: v for v in all_versions}
    newest = all_versions[-1].number if all_versions else 0
    new_number = request.args.get("to", type=int) or newest
    old_number = request.args.get("from", type=int) or max(new_number - 1, 0)
    old, new = by_number.get(old_number), by_number.get(new_number)
    changes = services.compare_versions(old.snapshot if old else {}, new.snapshot) if new else []
    return render_template("vetting/versions.html", project=project, versions=all_versions, old=old, new=new,
                           changes=changes)
