"""The partners page of a project (list, proposal form, status buttons) and the public partners panel."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from marketplace.core.forms import apply_and_report, attach_error
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.organisations.models import Organisation
from marketplace.ppp import partners
from marketplace.ppp.partner_forms import RoleStatusForm, prepare_partner_form
from marketplace.ppp.partner_models import PartnerRole
from marketplace.programmes.models import Programme
from marketplace.projects.access import PUBLIC_STATUSES, project_roles
from marketplace.projects.models import Project
from marketplace.projects.queries import project_for_page
from marketplace.projects.uploads import store_document

bp = Blueprint("ppp_partners", __name__)
ID = "<int(max=2147483647):project_id>"
ROLE_ID = "<int(max=2147483647):role_id>"
ACTION = "<any(agree, decline, activate, end, terminate):action>"


def partners_context(project) -> dict:
    """What `ppp/_partners_panel.html` needs, in one SQL statement."""
    return {"partner_roles": partners.roles_of(project)}


@bp.route(f"/projects/{ID}/partners", methods=["GET", "POST"])
@login_required
def manage(project_id: int):
    """The project's parties list its partners, propose one, and move each role through its lifecycle."""
    project, roles = _managed_project(project_id)
    form = prepare_partner_form(db.session.scalars(
        select(Organisation).where(Organisation.is_active).order_by(Organisation.name)))
    if form.validate_on_submit():
        try:
            partners.assign_role(current_user, project, form.organisation_id.data, **_entered(form))
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            return redirect(url_for("ppp_partners.manage", project_id=project.id, _anchor="partners"))
    return render_template(
        "ppp/partners.html", project=project, roles=roles, form=form, status_form=RoleStatusForm(),
        actions_for=partners.actions_for,
        status_url=lambda role, action: url_for("ppp_partners.change_status", project_id=project.id,
                                                role_id=role.id, action=action),
        agreement_url=lambda role: url_for("ppp_partners.attach_agreement", project_id=project.id, role_id=role.id),
        **partners_context(project)), 422 if request.method == "POST" else 200


@bp.route(f"/projects/{ID}/partners/{ROLE_ID}/{ACTION}", methods=["POST"])
@login_required
def change_status(project_id: int, role_id: int, action: str):
    """One step of a role's lifecycle, from a button on the partners page."""
    project, _roles = _managed_project(project_id)
    role = db.session.scalar(select(PartnerRole).where(PartnerRole.id == role_id, PartnerRole.project_id == project.id))
    if role is None:
        abort(404)
    if RoleStatusForm().validate_on_submit():
        apply_and_report(lambda: partners.change_status(current_user, role, action),
                         _("%(name)s: the role is now updated.", name=role.organisation.name))
    return redirect(url_for("ppp_partners.manage", project_id=project.id, _anchor="partners"))


@bp.post(f"/projects/{ID}/partners/{ROLE_ID}/agreement")
@login_required
def attach_agreement(project_id: int, role_id: int):
    """Store the signed MoU or convention of a role as a private document of the project and tie it to the role."""
    project, _roles = _managed_project(project_id)
    role = db.session.scalar(select(PartnerRole).where(PartnerRole.id == role_id, PartnerRole.project_id == project.id))
    if role is None:
        abort(404)
    form = RoleStatusForm()
    upload = request.files.get("file")
    if form.validate_on_submit():
        def attach():
            if upload is None or not upload.filename:
                raise DomainError(_("Attach the signed agreement as a PDF document."), field="file")
            document = store_document(project, actor=current_user, kind="agreement", is_public=False,
                                      title=_("Agreement with %(name)s", name=role.organisation.name),
                                      filename=upload.filename, data=upload.read())
            partners.attach_agreement(current_user, role, document)

        apply_and_report(attach, _("%(name)s: the signed agreement is attached.", name=role.organisation.name))
    return redirect(url_for("ppp_partners.manage", project_id=project.id, _anchor=f"role-{role.id}"))


@bp.route("/programmes/<code>/partners", methods=["GET", "POST"])
@login_required
def programme_partners(code: str):
    """A programme's partners, public to members; its owner, fund manager and admins propose and move them."""
    programme = db.session.scalar(select(Programme).where(Programme.code == code)) or abort(404)
    can_manage = partners.may_manage_programme(current_user, programme)
    form = prepare_partner_form(db.session.scalars(
        select(Organisation).where(Organisation.is_active).order_by(Organisation.name)))
    if request.method == "POST":
        if not can_manage:
            abort(403)
        if form.validate_on_submit():
            try:
                partners.assign_programme_role(current_user, programme, form.organisation_id.data, **_entered(form))
            except DomainError as error:
                db.session.rollback()
                attach_error(form, error)
            else:
                db.session.commit()
                return redirect(url_for("ppp_partners.programme_partners", code=code, _anchor="partners"))
    return render_template(
        "ppp/programme_partners.html", programme=programme, form=form, can_manage=can_manage,
        status_form=RoleStatusForm(), actions_for=partners.actions_for,
        partner_roles=partners.programme_roles_of(programme),
        status_url=lambda role, action: url_for("ppp_partners.programme_role_status", code=code, role_id=role.id,
                                                action=action)), 422 if request.method == "POST" else 200


@bp.post(f"/programmes/<code>/partners/{ROLE_ID}/{ACTION}")
@login_required
def programme_role_status(code: str, role_id: int, action: str):
    programme = db.session.scalar(select(Programme).where(Programme.code == code)) or abort(404)
    role = db.session.scalar(select(PartnerRole).where(PartnerRole.id == role_id,
                                                       PartnerRole.programme_id == programme.id)) or abort(404)
    if RoleStatusForm().validate_on_submit():
        apply_and_report(lambda: partners.change_status(current_user, role, action),
                         _("%(name)s: the role is now updated.", name=role.organisation.name))
    return redirect(url_for("ppp_partners.programme_partners", code=code, _anchor="partners"))


def _managed_project(project_id: int) -> tuple[Project, set[str]]:
    """The project, for its owner organisation, reviewing authority or an admin: 404 to others unless public (403)."""
    project = project_for_page(project_id)
    if project is None:
        abort(404)
    roles = project_roles(current_user, project)
    if not roles & partners.MANAGING_ROLES:
        abort(403 if project.status in PUBLIC_STATUSES else 404)
    return project, roles


def _entered(form) -> dict:
    return {
        "iati_role": int(form.iati_role.data), "iati_org_type": form.iati_org_type.data,
        "functions": form.functions.data or [], "agreement_kind": form.agreement_kind.data or None,
        "agreement_reference": form.agreement_reference.data, "agreement_signed_on": form.agreement_signed_on.data,
        "starts_on": form.starts_on.data, "ends_on": form.ends_on.data,
    }
