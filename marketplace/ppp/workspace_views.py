"""The partnership workspace of a project (roles, plan, ledger, milestones, agreements), its ledger as CSV,
and the list of every partnership the user takes part in.

Each form posts to its own route and, when refused, the workspace is shown again with that form's errors.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from marketplace.core.forms import amount_in_minor, apply_and_report, commit_or_attach, page_number
from marketplace.core.spreadsheets import csv_safe as _csv_safe
from marketplace.extensions import db
from marketplace.money import format_money
from marketplace.ppp import ledger as ledger_service
from marketplace.ppp import milestones as milestone_service
from marketplace.ppp import partners
from marketplace.ppp.access import MANAGING_ROLES, WORKSPACE_ROLES, partnership_roles
from marketplace.ppp.ledger_forms import (
    BareForm,
    DisbursementForm,
    EvidenceForm,
    JudgementForm,
    MilestoneForm,
    ReleaseForm,
    TrancheForm,
)
from marketplace.ppp.ledger_models import Milestone, Tranche
from marketplace.ppp.models import FinancingComponent
from marketplace.ppp.partner_models import PartnerRole
from marketplace.ppp.partner_views import partners_context
from marketplace.ppp.partnerships import partnership_page
from marketplace.ppp.views import financing_context
from marketplace.projects.access import OWNER, PUBLIC_STATUSES
from marketplace.projects.models import ProjectDocument
from marketplace.projects.queries import project_for_page
from marketplace.projects.uploads import store_document

bp = Blueprint("ppp_workspace", __name__)
ID = "<int(max=2147483647):project_id>"
ITEM = "<int(max=2147483647):item_id>"


@bp.get(f"/projects/{ID}/partnership")
@login_required
def show(project_id: int):
    project, roles = _workspace_project(project_id)
    return _render(project, roles)


@bp.get(f"/projects/{ID}/partnership/ledger.csv")
@login_required
def ledger_csv(project_id: int):
    """The ledger as CSV, one line per partner and kind, for the parties and partners of the project."""
    project, _roles = _workspace_project(project_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in ledger_service.ledger_rows(ledger_service.ledger_of(project)):
        writer.writerow([_csv_safe(cell) for cell in row])
    response = Response(buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="ledger-{project.id}.csv"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post(f"/projects/{ID}/partnership/disbursements")
@login_required
def add_disbursement(project_id: int):
    project, roles = _workspace_project(project_id)
    form = _disbursement_form(project)
    if form.validate_on_submit():
        amount = amount_in_minor(form.amount, project.currency)
        component = _component(project, form.component_id.data)
        if amount is not None:
            def _save():
                evidence = _evidence(project, form.file.data, _("Evidence of payment %(reference)s",
                                                                  reference=form.reference.data))
                ledger_service.record_disbursement(
                    current_user, project, component, amount_minor=amount, disbursed_on=form.disbursed_on.data,
                    reference=form.reference.data, evidence=evidence, note=form.note.data)

            if commit_or_attach(form, _save):
                return _done(project, _("The payment is recorded in the ledger."), "ledger")
    return _render(project, roles, disbursement_form=form)


@bp.post(f"/projects/{ID}/partnership/components/{ITEM}/confirm")
@login_required
def confirm_commitment(project_id: int, item_id: int):
    project, _roles = _workspace_project(project_id)
    component = _component(project, item_id)
    if component is None:
        abort(404)
    if BareForm().validate_on_submit():
        apply_and_report(lambda: ledger_service.confirm_commitment(current_user, component, project),
                         _("The commitment is confirmed."))
    return redirect(url_for("ppp_workspace.show", project_id=project.id, _anchor="ledger"))


@bp.post(f"/projects/{ID}/partnership/roles/{ITEM}/<any(agree, decline):answer>")
@login_required
def answer_role(project_id: int, item_id: int, answer: str):
    """A proposed organisation's member agrees to its role or declines it, from the workspace."""
    project, _roles = _workspace_project(project_id)
    role = db.session.scalar(select(PartnerRole).where(PartnerRole.id == item_id, PartnerRole.project_id == project.id))
    if role is None:
        abort(404)
    if BareForm().validate_on_submit():
        message = _("Your organisation agreed to its role.") if answer == "agree" else \
            _("Your organisation declined the role.")
        apply_and_report(lambda: partners.change_status(current_user, role, answer), message)
    return redirect(url_for("ppp_workspace.show", project_id=project.id, _anchor="partners-title"))


@bp.post(f"/projects/{ID}/partnership/milestones")
@login_required
def add_milestone(project_id: int):
    project, roles = _workspace_project(project_id)
    form = MilestoneForm(prefix="milestone")
    if form.validate_on_submit():
        def _save():
            milestone_service.add_milestone(
                current_user, project, title=form.title.data, due_on=form.due_on.data,
                evidence_required=form.evidence_required.data,
                indicator_codes=(form.indicator_codes.data or "").split(","))

        if commit_or_attach(form, _save):
            return _done(project, _("The milestone is added."), "milestones")
    return _render(project, roles, milestone_form=form)


@bp.post(f"/projects/{ID}/partnership/tranches")
@login_required
def add_tranche(project_id: int):
    project, roles = _workspace_project(project_id)
    form = _tranche_form(project)
    if form.validate_on_submit():
        amount = amount_in_minor(form.amount, project.currency)
        if amount is not None:
            def _save():
                milestone_service.add_tranche(
                    current_user, project, milestone=_milestone(project, form.milestone_id.data),
                    component=_component(project, form.component_id.data), amount_minor=amount)

            if commit_or_attach(form, _save):
                return _done(project, _("The tranche is added."), "milestones")
    return _render(project, roles, tranche_form=form)


@bp.post(f"/projects/{ID}/partnership/milestones/{ITEM}/evidence")
@login_required
def submit_evidence(project_id: int, item_id: int):
    project, roles = _workspace_project(project_id)
    milestone = _milestone(project, item_id) or abort(404)
    form = EvidenceForm(prefix=f"evidence-{milestone.id}")
    if form.validate_on_submit():
        if OWNER not in roles:
            abort(403)
        def _save():
            document = _evidence(project, form.file.data, _("Evidence for “%(milestone)s”", milestone=milestone.title))
            milestone_service.submit_evidence(current_user, project, milestone, document=document,
                                              note=form.note.data)

        if commit_or_attach(form, _save):
            return _done(project, _("The evidence is submitted to the monitor."), "milestones")
    return _render(project, roles, evidence_forms={milestone.id: form})


@bp.post(f"/projects/{ID}/partnership/milestones/{ITEM}/<any(approve, return):decision>")
@login_required
def judge_milestone(project_id: int, item_id: int, decision: str):
    project, roles = _workspace_project(project_id)
    milestone = _milestone(project, item_id) or abort(404)
    form = JudgementForm(prefix=f"judge-{milestone.id}")
    if form.validate_on_submit():
        judge = milestone_service.approve_milestone if decision == "approve" else milestone_service.return_milestone
        def _save():
            judge(current_user, project, milestone, note=form.note.data)

        if commit_or_attach(form, _save):
            message = _("The milestone is met.") if decision == "approve" else _("The evidence is returned.")
            return _done(project, message, "milestones")
    return _render(project, roles, judgement_forms={milestone.id: form})


@bp.post(f"/projects/{ID}/partnership/tranches/{ITEM}/release")
@login_required
def release_tranche(project_id: int, item_id: int):
    project, roles = _workspace_project(project_id)
    tranche = db.session.scalar(select(Tranche).where(Tranche.id == item_id, Tranche.project_id == project.id)) \
        or abort(404)
    form = ReleaseForm(prefix=f"release-{tranche.id}")
    if form.validate_on_submit():
        def _save():
            milestone_service.release_tranche(current_user, project, tranche, disbursed_on=form.disbursed_on.data,
                                              reference=form.reference.data)

        if commit_or_attach(form, _save):
            return _done(project, _("The tranche is released and recorded in the ledger."), "milestones")
    return _render(project, roles, release_forms={tranche.id: form})


@bp.get("/partnerships")
@login_required
def partnerships():
    """Every partnership the user's organisations take part in (all of their country for authorities)."""
    page = partnership_page(current_user, request.args, page=page_number(request.args))
    return render_template("ppp/partnerships.html", **page)


def _render(project, roles: set[str], **forms):
    """The workspace, with fresh forms except the one being re-shown with its errors (then status 422)."""
    status = 422 if forms else 200
    ledger = ledger_service.ledger_of(project)
    milestones = milestone_service.milestones_of(project)
    tranches = milestone_service.tranches_of(project)
    agreements = db.session.scalars(
        select(ProjectDocument).where(ProjectDocument.project_id == project.id, ProjectDocument.kind == "agreement")
        .order_by(ProjectDocument.created_at)).all()
    context = {
        "project": project, "roles": roles, "ledger": ledger, "milestones": milestones, "agreements": agreements,
        "tranches_by_milestone": _group(tranches), "may_manage": bool(roles & MANAGING_ROLES),
        "is_owner": OWNER in roles,
        "may_judge": lambda m: milestone_service.may_judge(roles, current_user, m),
        "may_release": lambda t: ledger_service.may_disburse(current_user, t.component, project),
        "confirmable": _confirmable(project, roles),
        "own_answers": partners.own_answers_for(current_user, partners_context(project)["partner_roles"]),
        "disbursement_form": forms.get("disbursement_form") or _disbursement_form(project, formdata=False),
        "milestone_form": forms.get("milestone_form") or MilestoneForm(prefix="milestone", formdata=None),
        "tranche_form": forms.get("tranche_form") or _tranche_form(project, milestones, formdata=None),
        "evidence_forms": forms.get("evidence_forms", {}), "judgement_forms": forms.get("judgement_forms", {}),
        "release_forms": forms.get("release_forms", {}), "bare_form": BareForm(), "new_form": _new_form,
        "today": date.today(),
        **financing_context(project), **partners_context(project),
    }
    return render_template("ppp/workspace.html", **context), status


FORMS_BY_KIND = {"evidence": EvidenceForm, "judge": JudgementForm, "release": ReleaseForm}


def _new_form(kind: str, item_id: int):
    """An empty per-item form for the template, with the prefix its route reads."""
    return FORMS_BY_KIND[kind](prefix=f"{kind}-{item_id}", formdata=None)


def _workspace_project(project_id: int):
    project = project_for_page(project_id)
    if project is None:
        abort(404)
    roles = partnership_roles(current_user, project)
    if not roles & WORKSPACE_ROLES:
        abort(403 if project.status in PUBLIC_STATUSES else 404)
    return project, roles


def _payable_components(project) -> list[FinancingComponent]:
    """Cash components the user may record payments for: their organisation's (the promoter's for owners).

    Components paid in tranches are left out: their money moves only when a milestone releases a tranche.
    """
    components = db.session.scalars(
        select(FinancingComponent).where(FinancingComponent.project_id == project.id,
                                         FinancingComponent.raised_by_campaign.is_(False),
                                         FinancingComponent.id.not_in(select(Tranche.component_id)),
                                         FinancingComponent.status.in_(ledger_service.COMMITTED_STATUSES))
        .order_by(FinancingComponent.id)).all()
    return [c for c in components if c.is_cash and ledger_service.may_disburse(current_user, c, project)]


def _confirmable(project, roles) -> list[FinancingComponent]:
    components = db.session.scalars(
        select(FinancingComponent).where(FinancingComponent.project_id == project.id,
                                         FinancingComponent.raised_by_campaign.is_(False),
                                         FinancingComponent.status.in_(ledger_service.CONFIRMABLE_STATUSES))
        .order_by(FinancingComponent.id)).all()
    return [c for c in components if ledger_service.may_disburse(current_user, c, project)]


def _disbursement_form(project, formdata=True) -> DisbursementForm:
    form = DisbursementForm(prefix="payment") if formdata else DisbursementForm(prefix="payment", formdata=None)
    form.component_id.choices = [("", "—"), *((str(c.id), _component_label(c, project))
                                              for c in _payable_components(project))]
    return form


def _tranche_form(project, milestones=None, formdata=True) -> TrancheForm:
    form = TrancheForm(prefix="tranche") if formdata else TrancheForm(prefix="tranche", formdata=None)
    milestones = milestones if milestones is not None else milestone_service.milestones_of(project)
    form.milestone_id.choices = [("", "—"), *((str(m.id), f"{m.position}. {m.title}") for m in milestones
                                              if m.status != "met")]
    components = db.session.scalars(
        select(FinancingComponent).where(FinancingComponent.project_id == project.id,
                                         FinancingComponent.kind.in_(ledger_service.TRANCHED_KINDS),
                                         FinancingComponent.raised_by_campaign.is_(False),
                                         FinancingComponent.status != "cancelled")
        .order_by(FinancingComponent.id)).all()
    form.component_id.choices = [("", "—"), *((str(c.id), _component_label(c, project)) for c in components)]
    return form


def _component_label(component: FinancingComponent, project) -> str:
    provider = component.provider_organisation.name if component.provider_organisation else \
        _("The project's promoter")
    amount = format_money(component.amount_minor, component.currency, get_locale())
    return f"{component.kind_label} · {provider} · {amount}"


def _component(project, value) -> FinancingComponent | None:
    try:
        component_id = int(value)
    except (TypeError, ValueError):
        return None
    return db.session.scalar(select(FinancingComponent).where(FinancingComponent.id == component_id,
                                                              FinancingComponent.project_id == project.id))


def _milestone(project, value) -> Milestone | None:
    try:
        milestone_id = int(value)
    except (TypeError, ValueError):
        return None
    return db.session.scalar(select(Milestone).where(Milestone.id == milestone_id, Milestone.project_id == project.id))


def _evidence(project, upload, title: str):
    """Store an uploaded PDF as a private evidence document of the project; None when no file was sent."""
    if upload is None or not getattr(upload, "filename", ""):
        return None
    return store_document(project, actor=current_user, kind="evidence", title=title, filename=upload.filename,
                          data=upload.read(), is_public=False)


def _group(tranches: list[Tranche]) -> dict[int, list[Tranche]]:
    grouped: dict[int, list[Tranche]] = {}
    for tranche in tranches:
        grouped.setdefault(tranche.milestone_id, []).append(tranche)
    return grouped


def _done(project, message: str, anchor: str):
    flash(message, "success")
    return redirect(url_for("ppp_workspace.show", project_id=project.id, _anchor=anchor))
