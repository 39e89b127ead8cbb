"""Pledging, the investor's portfolio and questionnaire, the bank's transfer queue, matching pools."""

from __future__ import annotations

import secrets
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from marketplace.core.forms import amount_in_minor, attach_error
from marketplace.errors import DomainError
from marketplace.extensions import db, limiter
from marketplace.models_common import utcnow
from marketplace.organisations.models import Organisation
from marketplace.pledges import campaigns, matching, protection, services, transfers
from marketplace.pledges.forms import (
    EarlyCloseForm,
    KnowledgeTestForm,
    LossSimulationForm,
    MatchPoolForm,
    PledgeForm,
    ReceiptForm,
    RegCfForm,
)
from marketplace.pledges.models import CONSENT_KINDS, PLEDGE_STATUSES, Pledge, PledgeConsent
from marketplace.projects.access import OWNER, PUBLIC_STATUSES, project_roles
from marketplace.projects.models import Project, ProjectUpdate
from marketplace.reference.fx import convert

bp = Blueprint("pledges", __name__)
ID = "<int(max=2147483647):{}>"


def _project_or_404(project_id: int) -> Project:
    project = db.session.get(Project, project_id)
    if project is None or (project.status not in PUBLIC_STATUSES and not project_roles(current_user, project)):
        abort(404)
    return project


def _own_pledge_or_404(pledge_id: int) -> Pledge:
    """An investor never sees another's pledge: anything not theirs is 404."""
    pledge = db.session.scalar(select(Pledge).where(Pledge.id == pledge_id, Pledge.investor_id == current_user.id)
                               .options(joinedload(Pledge.project), selectinload(Pledge.transitions),
                                        selectinload(Pledge.receipts)))
    if pledge is None:
        abort(404)
    return pledge


def local_time(moment, user) -> str:
    """A UTC deadline in the investor's own time zone, with the zone named."""
    zone = protection.investor_zone(user)
    return f"{format_datetime(moment.astimezone(zone), 'medium', rebase=False)} ({zone.key})"


@bp.app_template_filter("investor_time")
def investor_time_filter(moment):
    return local_time(moment, current_user) if moment else ""


@bp.route(f"/projects/{ID.format('project_id')}/pledge", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per minute", methods=["POST"], key_func=lambda: f"pledge:{current_user.get_id()}")
def pledge(project_id: int):
    project = _project_or_404(project_id)
    if project.status != "published":
        flash(_("This project is not open for pledges."), "error")
        return redirect(url_for("projects.show", project_id=project.id))
    problems = protection.profile_problems(current_user)
    if problems:
        flash(" ".join(problems), "error")
        return redirect(url_for("accounts.profile"))
    form = PledgeForm()
    form.amount.label.text = _("Amount (%(currency)s)", currency=project.currency)
    card_enabled = services.card_payments_enabled()
    form.set_choices(card_enabled)
    if request.method == "GET":
        form.request_key.data = secrets.token_hex(16)
        form.method.data = "card" if card_enabled else "bank_transfer"
    now = utcnow()
    submitted = form.validate_on_submit()
    amount = amount_in_minor(form.amount, project.currency) if submitted else None
    needs = protection.requirements(current_user, project, amount or project.min_ticket_minor, now)
    if needs.missing:
        flash(_("Before your first pledge, answer the investor questionnaire required where you live."), "info")
        return redirect(url_for("pledges.questionnaire", next=url_for("pledges.pledge", project_id=project.id)))
    if submitted and amount is not None:
        request_data = services.PledgeRequest(
            amount_minor=amount, currency=project.currency, method=form.method.data,
            request_key=form.request_key.data, reflection_notice_seen=form.reflection_notice_seen.data,
            risk_warning_acknowledged=form.risk_warning_acknowledged.data,
            high_amount_consent=form.high_amount_consent.data, understanding_answer=form.understanding_answer.data)
        try:
            placed = services.place_pledge(current_user, project, request_data)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
            project = db.session.get(Project, project_id)
        else:
            db.session.commit()
            if placed.method == "card":
                return redirect(url_for("payments.card", pledge_id=placed.id))
            flash(_("Pledge recorded."), "success")
            return redirect(url_for("pledges.detail", pledge_id=placed.id))
    threshold_local = (convert(needs.threshold_minor, needs.rule.params["currency"], project.currency).minor
                       if needs.threshold_minor else None)
    return render_template("pledges/pledge.html", project=project, form=form, needs=needs,
                           threshold_local=threshold_local,
                           texts={k: protection.text(k)[1] for k in protection.TEXTS},
                           pool=matching.pool_for(project), card_enabled=card_enabled)


@bp.get("/portfolio")
@login_required
def portfolio():
    pledges = db.session.scalars(select(Pledge).where(Pledge.investor_id == current_user.id)
                                 .options(joinedload(Pledge.project))
                                 .order_by(Pledge.created_at.desc(), Pledge.id.desc())).all()
    return render_template("pledges/portfolio.html", pledges=pledges, now=utcnow())


@bp.get(f"/portfolio/{ID.format('pledge_id')}")
@login_required
def detail(pledge_id: int):
    pledge = _own_pledge_or_404(pledge_id)
    updates = db.session.scalars(select(ProjectUpdate).where(ProjectUpdate.project_id == pledge.project_id)
                                 .order_by(ProjectUpdate.created_at.desc()).limit(5)).all()
    consents = db.session.scalars(select(PledgeConsent).where(PledgeConsent.pledge_id == pledge.id)
                                  .order_by(PledgeConsent.id)).all()
    return render_template("pledges/detail.html", pledge=pledge, updates=updates, consents=consents,
                           status_labels=PLEDGE_STATUSES, consent_labels=CONSENT_KINDS,
                           now=utcnow(), form=PledgeForm(formdata=None))


def _investor_action(pledge_id: int, action, success: str):
    """Apply one of the investor's own actions to their pledge; a refusal is flashed and changes nothing."""
    pledge = _own_pledge_or_404(pledge_id)
    try:
        action(current_user, pledge)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(success, "success")
    return redirect(url_for("pledges.detail", pledge_id=pledge_id))


@bp.post(f"/portfolio/{ID.format('pledge_id')}/revoke")
@login_required
def revoke(pledge_id: int):
    return _investor_action(pledge_id, services.revoke, _("Your pledge is revoked. Nothing will be charged."))


@bp.post(f"/portfolio/{ID.format('pledge_id')}/reconfirm")
@login_required
def reconfirm(pledge_id: int):
    return _investor_action(pledge_id, services.reconfirm, _("Thank you: your pledge stands for the changed project."))


@bp.route("/investor/questionnaire", methods=["GET", "POST"])
@login_required
def questionnaire():
    """The steps the investor's regime requires: knowledge test and loss simulation (EU), limits (US)."""
    from marketplace.accounts.security import safe_next_path

    part = request.form.get("part") or request.args.get("part")
    test_form = KnowledgeTestForm.build(formdata=request.form if part == "test" else None)
    simulation_form = LossSimulationForm(formdata=request.form if part == "simulation" else None)
    regcf_form = RegCfForm(formdata=request.form if part == "regcf" else None)
    if request.method == "POST":
        saved = False
        if part == "test" and test_form.validate():
            answers = {str(i): f.data for i, f in enumerate(test_form.question_fields())}
            assessment = protection.record_knowledge_test(current_user, answers)
            saved = True
            if not assessment.passed:
                flash(_("Some answers show risks you may not have considered. You may still invest, after a "
                        "risk warning."), "info")
        elif part == "skip_test":  # CSRFProtect has checked the token of every POST
            protection.record_knowledge_test_skipped(current_user)
            saved = True
            flash(_("You skipped the test: each pledge will first show you a risk warning."), "info")
        elif part == "simulation" and simulation_form.validate():
            values = [_minor_or_zero(f) for f in (simulation_form.annual_income, simulation_form.liquid_assets)]
            commitments = _minor_or_zero(simulation_form.commitments)
            if None not in values and commitments is not None:
                protection.record_loss_simulation(current_user, income_minor=values[0], liquid_assets_minor=values[1],
                                                  commitments_minor=commitments)
                saved = True
        elif part == "regcf" and regcf_form.validate():
            income, worth = _minor_or_zero(regcf_form.annual_income, "USD"), _minor_or_zero(regcf_form.net_worth, "USD")
            if income is not None and worth is not None:
                protection.record_regcf_financials(current_user, income_minor=income, net_worth_minor=worth,
                                                   accredited=regcf_form.accredited.data)
                saved = True
        if saved:
            db.session.commit()
            flash(_("Saved."), "success")
            target = safe_next_path(request.args.get("next"))
            return redirect(target or url_for("pledges.questionnaire"))
    rules = {rule.code: rule for rule in protection._latest_rules(date.today())}
    residence = current_user.residence_country.iso2 if current_user.residence_country else None
    regime_codes = [code for code, rule in rules.items() if code != protection.PLATFORM
                    and residence in rule.residence_countries]
    return render_template(
        "pledges/questionnaire.html", test_form=test_form, simulation_form=simulation_form, regcf_form=regcf_form,
        regimes=[rules[c] for c in regime_codes], test=protection.latest_assessment(current_user.id, "knowledge_test"),
        simulation=protection.latest_assessment(current_user.id, "loss_simulation"),
        financials=protection.latest_assessment(current_user.id, "regcf_financials"))


def _minor_or_zero(form_field, currency: str = "EUR") -> int | None:
    raw = (form_field.data or "").strip()
    if raw and raw.replace(".", "").replace(",", "").strip("0") == "":  # 0, 0.00, 000
        return 0
    return amount_in_minor(form_field, currency)


@bp.get("/bank/transfers")
@login_required
def transfer_queue():
    queue = transfers.bank_queue(current_user)
    if not queue and not _is_bank_member():
        abort(403)
    return render_template("pledges/transfers.html", queue=queue, form=ReceiptForm(formdata=None), today=date.today())


def _is_bank_member() -> bool:
    from marketplace.projects.access import bank_organisation_ids

    return bool(bank_organisation_ids(current_user))


@bp.post(f"/bank/transfers/{ID.format('pledge_id')}")
@login_required
def confirm_transfer(pledge_id: int):
    pledge = db.session.get(Pledge, pledge_id)
    if pledge is None or not project_roles(current_user, pledge.project) & {"bank"}:
        abort(404)
    form = ReceiptForm()
    amount = amount_in_minor(form.amount, pledge.currency) if form.amount.data else None
    if form.validate_on_submit() and amount is not None:
        try:
            transfers.confirm_receipt(current_user, pledge, amount_minor=amount, received_on=form.received_on.data,
                                      note=form.note.data)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            pledge = db.session.get(Pledge, pledge_id)
            if pledge.status == "paid":
                flash(_("Transfer %(reference)s confirmed: the pledge is paid.", reference=pledge.reference), "success")
            else:
                flash(_("Transfer %(reference)s recorded but it does not match the pledged amount: flagged.",
                        reference=pledge.reference), "warning")
    else:
        errors = [e for field in form for e in field.errors]
        flash(" ".join(errors) or _("Enter the amount and the date received."), "error")
    return redirect(url_for("pledges.transfer_queue"))


@bp.route(f"/projects/{ID.format('project_id')}/match-pools/new", methods=["GET", "POST"])
@login_required
def new_pool(project_id: int):
    project = _project_or_404(project_id)
    organisations = [m.organisation for m in current_user.memberships
                     if m.organisation.is_active and (m.organisation.is_partner or m.organisation.is_authority)]
    if not organisations:
        abort(403)
    form = MatchPoolForm()
    form.organisation_id.choices = [(o.id, o.name) for o in organisations]
    if form.validate_on_submit():
        fields = (form.cap_per_pledge, form.cap_per_investor, form.total)
        amounts = [amount_in_minor(f, project.currency) for f in fields]
        if None not in amounts:
            try:
                matching.open_pool(current_user, organisation=db.session.get(Organisation, form.organisation_id.data),
                                   project=project, name=form.name.data, ratio_percent=form.ratio_percent.data,
                                   cap_per_pledge_minor=amounts[0], cap_per_investor_minor=amounts[1],
                                   total_minor=amounts[2], whole_programme=form.whole_programme.data)
            except DomainError as error:
                db.session.rollback()
                attach_error(form, error)
            else:
                db.session.commit()
                flash(_("Matching pool opened."), "success")
                return redirect(url_for("projects.show", project_id=project.id))
    return render_template("pledges/pool_form.html", project=project, form=form)


@bp.route(f"/projects/{ID.format('project_id')}/early-close", methods=["GET", "POST"])
@login_required
def early_close(project_id: int):
    project = _project_or_404(project_id)
    if OWNER not in project_roles(current_user, project):
        abort(403)
    form = EarlyCloseForm()
    if form.validate_on_submit():
        try:
            campaigns.schedule_early_close(project, form.new_last_day.data, actor=current_user)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("The campaign now closes on %(day)s; investors were told.", day=form.new_last_day.data),
                  "success")
            return redirect(url_for("projects.show", project_id=project.id))
    return render_template("pledges/early_close.html", project=project, form=form)
