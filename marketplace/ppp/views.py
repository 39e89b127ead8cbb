"""The financing-plan editor of the owner organisation, and the plan panel of the project page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.organisations.models import Organisation
from marketplace.ppp.checks import Problem, percent_text
from marketplace.ppp.forms import EnteredPlan, fill_plan_form, prepare_plan_form, read_plan_form
from marketplace.ppp.models import COMPONENT_STATUSES, FULL_SHARE_BP, FinancingComponent, FinancingPlan, RuleSet
from marketplace.ppp.params import parse_params
from marketplace.ppp.plans import PlanRejectedError, set_plan, validate_plan
from marketplace.projects.access import OWNER, PUBLIC_STATUSES, can_view, project_roles
from marketplace.projects.models import Project
from marketplace.projects.queries import project_for_page
from marketplace.projects.services import EDITABLE_STATUSES

bp = Blueprint("ppp", __name__)
ID = "<int(max=2147483647):project_id>"


@dataclass(frozen=True)
class PlanRow:
    """A component as the panel shows it: its share of the total cost to one decimal, and a bar in per mille."""

    component: FinancingComponent
    share: str
    per_mille: int
    status_label: str


def financing_context(project, on: date | None = None) -> dict:
    """What `ppp/_financing_panel.html` needs, in two SQL statements; the project's sector must be loaded.

    The rules are the ones the plan is bound to, else those of the project's programme in force `on` (today).
    """
    on = on or date.today()
    plan, rule_set = _plan_and_rules(project, on)
    components = list(db.session.scalars(
        select(FinancingComponent).where(FinancingComponent.project_id == project.id)
        .options(joinedload(FinancingComponent.provider_organisation)).order_by(FinancingComponent.id)))
    rows = [_row(c, plan.total_cost_minor) for c in components] if plan is not None else []
    grant = parse_params(rule_set.params).grant if rule_set is not None else None
    asks_share = grant is not None and grant.basis == "investor_share"
    return {
        "project": project, "plan": plan, "components": components, "rule_set": rule_set,
        "rules_label": rule_set.label if rule_set is not None else "",
        "problems": _problems(project, plan, components, rule_set, on),
        "cash_rows": [r for r in rows if r.component.is_cash],
        "non_cash_rows": [r for r in rows if not r.component.is_cash],
        "computes_grant": grant is not None, "asks_capital_share": asks_share,
        "plan_editable": project.status in EDITABLE_STATUSES,
        "capital_share": percent_text(Decimal(plan.diaspora_capital_share_bp) / 100) if plan and asks_share else None,
    }


@bp.route(f"/projects/{ID}/plan", methods=["GET", "POST"])
@login_required
def edit_plan(project_id: int):
    """The owner organisation edits the plan while the listing is a draft; a live plan is shown read-only."""
    project, roles = _owned_project_or_404(project_id)
    context = {**financing_context(project), "roles": roles}
    if not context["plan_editable"]:
        return render_template("ppp/plan_form.html", form=None, refusals=[], **context), \
            409 if request.method == "POST" else 200
    form = _editor_form(context)
    refusals: list[str] = []
    if request.method == "GET":
        fill_plan_form(form, context["plan"], context["components"], currency=project.currency)
    elif form.validate_on_submit() and (entered := _entered(form, context)) is not None:
        refusals = _save(project, form, entered)
        if not refusals:
            flash(_("The financing plan is saved."), "success")
            return redirect(url_for("projects.show", project_id=project.id, _anchor="plan-title"))
    return render_template("ppp/plan_form.html", form=form, refusals=refusals, **context), \
        422 if request.method == "POST" else 200


def _owned_project_or_404(project_id: int) -> tuple[Project, set[str]]:
    """As `projects.views.owned_project_or_404` (not imported: the project page imports this module)."""
    project = project_for_page(project_id)
    if project is None or not can_view(current_user, project):
        abort(404)
    roles = project_roles(current_user, project)
    if OWNER not in roles:
        abort(404 if project.status not in PUBLIC_STATUSES else 403)
    return project, roles


def _editor_form(context: dict):
    organisations = db.session.scalars(select(Organisation).where(Organisation.is_active).order_by(Organisation.name))
    return prepare_plan_form(organisations, currency=context["project"].currency)


def _entered(form, context: dict) -> EnteredPlan | None:
    plan = context["plan"]
    return read_plan_form(form, currency=context["project"].currency, asks_share=context["asks_capital_share"],
                          share_bp=plan.diaspora_capital_share_bp if plan is not None else FULL_SHARE_BP)


def _save(project, form, entered: EnteredPlan) -> list[str]:
    """Call `set_plan` and commit; on a refusal roll back and return every message, each also put on its field."""
    try:
        set_plan(project, current_user, entered.total_cost_minor, entered.components,
                 diaspora_capital_share_bp=entered.diaspora_capital_share_bp)
    except PlanRejectedError as error:
        problems = [(p.message, p.field) for p in error.problems]
    except DomainError as error:
        problems = [(error.message, error.field)]
    else:
        db.session.commit()
        return []
    db.session.rollback()
    for message, field in problems:
        target = _form_field(form, field, entered.rows)
        if target is not None:
            target.errors = [*target.errors, message]
    return [message for message, _field in problems]


def _form_field(form, name: str | None, rows: list[int]):
    """The form field a service names: a header field, or `components-<i>-<field>` of the i-th entered row."""
    if name in ("total_cost", "diaspora_capital_share"):
        return getattr(form, name)
    parts = (name or "").split("-")
    if len(parts) == 3 and parts[0] == "components" and parts[1].isdigit() and int(parts[1]) < len(rows):
        row = form.components[rows[int(parts[1])]]
        return getattr(row, parts[2], None)
    return None


def _plan_and_rules(project, on: date) -> tuple[FinancingPlan | None, RuleSet | None]:
    """The plan (if any) and its rules in one statement: the bound rule set, else the programme's in force."""
    in_force = and_(FinancingPlan.rule_set_id.is_(None), RuleSet.programme_id == Project.programme_id,
                    RuleSet.valid_from <= on, or_(RuleSet.valid_to.is_(None), RuleSet.valid_to > on))
    row = db.session.execute(
        select(FinancingPlan, RuleSet).select_from(Project)
        .outerjoin(FinancingPlan, FinancingPlan.project_id == Project.id)
        .outerjoin(RuleSet, or_(RuleSet.id == FinancingPlan.rule_set_id, in_force))
        .where(Project.id == project.id)
        .options(joinedload(RuleSet.programme))
        .order_by(RuleSet.valid_from.desc(), RuleSet.id.desc()).limit(1)
    ).first()
    return (row[0], row[1]) if row is not None else (None, None)


def _problems(project, plan, components, rule_set, on: date) -> list[Problem]:
    """What `plan_problems` reports, from rows already loaded."""
    if plan is None:
        return [Problem("no_plan", _("The project has no financing plan yet."), "total_cost")]
    if rule_set is None and project.programme_id is not None:
        return [Problem("no_rules_in_force", _("%(programme)s has no rules in force on %(date)s, so its plans "
                                               "cannot be checked.", programme=project.programme.name,
                                               date=on.isoformat()), "programme")]
    return validate_plan(plan, components, rule_set, project.sector.code)


def _row(component: FinancingComponent, total_minor: int) -> PlanRow:
    """Share of the total in tenths of a percent, rounded half up with integers only."""
    tenths = (component.amount_minor * 1000 * 2 + total_minor) // (total_minor * 2)
    return PlanRow(component, percent_text(Decimal(tenths) / 10), min(tenths, 1000),
                   str(COMPONENT_STATUSES.get(component.status, component.status)))
