"""Public catalogue and project page; the owner's drafting, files, updates and answers."""

from __future__ import annotations

import io
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.core.forms import apply_and_report, attach_error
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.i18n import current_language
from marketplace.pledges.matching import pools_on
from marketplace.ppp.access import partnership_roles
from marketplace.ppp.partner_views import partners_context
from marketplace.ppp.views import financing_context
from marketplace.projects import conversation, queries, services, uploads
from marketplace.projects.access import OWNER, PUBLIC_STATUSES, can_view, listing_organisations, project_roles
from marketplace.projects.forms import (
    AnswerForm,
    DecisionForm,
    DocumentForm,
    PhotoForm,
    ProjectForm,
    QuestionForm,
    UpdateForm,
)
from marketplace.projects.lifecycle import available_actions, current_due_diligence
from marketplace.projects.listing_form import form_to_input, prepare_form, project_to_form
from marketplace.projects.models import INSTRUMENTS, SDG_NAMES, ProjectDocument, ProjectPhoto, ProjectQuestion
from marketplace.reference.queries import catalogue_filter_options

bp = Blueprint("projects", __name__, url_prefix="/projects")
ID = "<int(max=2147483647):project_id>"


def visible_project_or_404(project_id: int):
    """The project if the user may see it: public listings to everyone, others to their parties only."""
    project = queries.project_for_page(project_id)
    if project is None or not can_view(current_user, project):
        abort(404)
    return project


def owned_project_or_404(project_id: int):
    """The project if the user belongs to its owner organisation (403 on public ones, 404 otherwise)."""
    project = visible_project_or_404(project_id)
    if OWNER not in project_roles(current_user, project):
        abort(404 if project.status not in PUBLIC_STATUSES else 403)
    return project


@bp.get("/")
def catalogue():
    """Published projects with filters in the URL, so a search can be shared."""
    query = queries.CatalogueQuery.from_args(request.args)
    projects, total = queries.catalogue(query, today=date.today())
    pages = max(1, -(-total // queries.PER_PAGE))
    return render_template("projects/catalogue.html", projects=projects, total=total, query=query, pages=pages,
                           options=catalogue_filter_options(current_language()), today=date.today(),
                           **catalogue_choices())


def catalogue_choices() -> dict:
    """Fixed option lists of the catalogue filters, translated."""
    return {
        "instrument_choices": [(k, str(v)) for k, v in INSTRUMENTS.items()],
        "sdg_choices": [(n, f"{n} · {name}") for n, name in SDG_NAMES.items()],
        "state_choices": [("open", _("Open for pledges")), ("closing_soon", _("Closing within 14 days")),
                          ("fully_pledged", _("Target reached")), ("upcoming", _("Opening soon"))],
        "sort_choices": [("newest", _("Newest")), ("closing", _("Closing soon")), ("funded", _("Most funded")),
                         ("target", _("Largest target"))],
    }


@bp.get(f"/{ID}")
def show(project_id: int):
    project = visible_project_or_404(project_id)
    roles = project_roles(current_user, project)
    data = queries.project_page_data(project, include_private=bool(roles))
    return render_template(
        "projects/show.html", page=data, roles=roles, today=date.today(), **financing_context(project),
        **partners_context(project),
        is_public=project.status in PUBLIC_STATUSES,
        actions=available_actions(project, current_user) if roles else [],
        due_diligence=current_due_diligence(project) if roles else None, pools=pools_on(project),
        decision_form=DecisionForm(), question_form=QuestionForm(), answer_form=AnswerForm(),
        update_form=UpdateForm(), document_form=DocumentForm(), photo_form=PhotoForm(),
    )


@bp.get("/mine")
@login_required
def mine():
    """The listings of every organisation the user belongs to."""
    organisation_ids = {o.id for o in listing_organisations(current_user)}
    return render_template("projects/mine.html", projects=queries.organisation_projects(organisation_ids),
                           may_create=bool(organisation_ids))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    organisations = listing_organisations(current_user)
    if not organisations:
        abort(403)
    form = prepare_form(ProjectForm(), organisations=organisations)
    if form.validate_on_submit():
        organisation = next(o for o in organisations if o.id == form.organisation_id.data)
        try:
            project = services.create_draft(actor=current_user, organisation=organisation, data=form_to_input(form))
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Your draft is saved. Add documents and photos, then submit it for vetting."), "success")
            return redirect(url_for("projects.show", project_id=project.id))
    return render_template("projects/form.html", form=form, project=None), 422 if request.method == "POST" else 200


@bp.route(f"/{ID}/edit", methods=["GET", "POST"])
@login_required
def edit(project_id: int):
    project = owned_project_or_404(project_id)
    form = prepare_form(ProjectForm(), organisations=None)
    if request.method == "GET":
        project_to_form(project, form)
    elif form.validate_on_submit():
        try:
            outcome = services.update_listing(project, actor=current_user, data=form_to_input(form))
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash({
                "saved": _("Your changes are saved."),
                "published_directly": _("Your changes are published."),
                "back_to_review": _("This change alters the terms investors agreed to: the project went back to "
                                    "review and investors will be asked to reconfirm."),
            }[outcome], "success" if outcome != "back_to_review" else "warning")
            return redirect(url_for("projects.show", project_id=project.id))
    return render_template("projects/form.html", form=form, project=project), 422 if request.method == "POST" else 200


def _file_upload(project_id: int, form_class, handler, success: str):
    project = owned_project_or_404(project_id)
    form = form_class()
    if form.validate_on_submit():
        apply_and_report(lambda: handler(project, form), success)
    else:
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
    return redirect(url_for("projects.show", project_id=project.id) + "#files")


@bp.post(f"/{ID}/documents")
@login_required
def add_document(project_id: int):
    def handler(project, form):
        upload = form.file.data
        uploads.add_document(project, actor=current_user, kind=form.kind.data, title=form.title.data,
                             filename=upload.filename, data=upload.read(), is_public=form.is_public.data)

    return _file_upload(project_id, DocumentForm, handler, _("The document is added."))


@bp.post(f"/{ID}/photos")
@login_required
def add_photo(project_id: int):
    def handler(project, form):
        uploads.add_photo(project, actor=current_user, data=form.file.data.read(), caption=form.caption.data)

    return _file_upload(project_id, PhotoForm, handler, _("The photo is added."))


@bp.get("/documents/<int(max=2147483647):document_id>")
def document(document_id: int):
    """A PDF, to those who may see it: everyone for public documents of public projects, else the parties."""
    document = db.get_or_404(ProjectDocument, document_id)
    project = queries.project_for_page(document.project_id)
    if project is None:
        abort(404)
    public = document.is_public and project.status in PUBLIC_STATUSES
    # The partnership's members (a monitor judging evidence, say) read its private documents too.
    if not public and not partnership_roles(current_user, project):
        abort(404)
    # Read into memory (documents are size-limited): no file handle is left open if the client goes away.
    data = (uploads.upload_dir("documents") / document.storage_name).read_bytes()
    response = send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True,
                         download_name=f"{document.title[:80]}.pdf", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/photos/<int(max=2147483647):photo_id>")
def photo(photo_id: int):
    photo = db.get_or_404(ProjectPhoto, photo_id)
    visible_project_or_404(photo.project_id)
    data = (uploads.upload_dir("photos") / photo.storage_name).read_bytes()
    return send_file(io.BytesIO(data), mimetype="image/jpeg", max_age=3600, etag=photo.storage_name,
                     last_modified=photo.created_at)


@bp.post(f"/{ID}/updates")
@login_required
def post_update(project_id: int):
    project = owned_project_or_404(project_id)
    form = UpdateForm()
    if form.validate_on_submit():
        apply_and_report(lambda: conversation.post_update(project, actor=current_user, title=form.title.data,
                                                          body=form.body.data), _("Your update is published."))
    return redirect(url_for("projects.show", project_id=project.id) + "#updates")


@bp.post(f"/{ID}/questions")
@login_required
def ask(project_id: int):
    project = visible_project_or_404(project_id)
    form = QuestionForm()
    if form.validate_on_submit():
        apply_and_report(lambda: conversation.ask_question(project, actor=current_user, body=form.body.data),
                         _("Your question is posted; the project owner will answer it here."))
    else:
        flash(_("Write your question in a sentence."), "error")
    return redirect(url_for("projects.show", project_id=project.id) + "#questions")


@bp.post(f"/{ID}/questions/<int(max=2147483647):question_id>/answer")
@login_required
def answer(project_id: int, question_id: int):
    project = owned_project_or_404(project_id)
    question = db.get_or_404(ProjectQuestion, question_id)
    if question.project_id != project.id:
        abort(404)
    form = AnswerForm()
    if form.validate_on_submit():
        apply_and_report(lambda: conversation.answer_question(question, project, actor=current_user,
                                                              answer=form.answer.data), _("Your answer is published."))
    return redirect(url_for("projects.show", project_id=project.id) + "#questions")
