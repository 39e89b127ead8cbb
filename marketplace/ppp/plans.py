"""Financing plans: the rule set in force, the computed grant, validation, and saving a plan.

Services flush and never commit; the caller's request or command commits once. A refused plan raises
before anything is written, so nothing is half-saved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import or_, select

from marketplace.audit.services import record
from marketplace.errors import DomainError, ForbiddenError
from marketplace.extensions import db
from marketplace.models_common import utcnow
from marketplace.organisations.models import Organisation
from marketplace.ppp.checks import ALWAYS, PROGRAMME_RULES, PlanContext, Problem
from marketplace.ppp.models import (
    CASH_KINDS,
    COMPONENT_KINDS,
    COMPONENT_STATUSES,
    FULL_SHARE_BP,
    FinancingComponent,
    FinancingPlan,
    RuleSet,
)
from marketplace.ppp.params import parse_params
from marketplace.projects.access import OWNER, project_roles

COMPONENT_FIELDS = ("kind", "amount_minor", "currency", "provider_organisation_id", "status", "computed",
                    "raised_by_campaign", "note")


@dataclass(frozen=True)
class ComponentInput:
    """A component as a person enters it; grants that the rules compute are added by `set_plan`, not typed."""

    kind: str
    amount_minor: int
    provider_organisation_id: int | None = None
    currency: str | None = None  # the project's currency when not given
    status: str = "planned"
    note: str | None = None
    raised_by_campaign: bool = False  # always true of crowd pledges


class PlanRejectedError(DomainError):
    """The plan breaks the programme's rules; `problems` lists every broken rule, not only the first."""

    def __init__(self, problems: list[Problem]):
        super().__init__(" ".join(problem.message for problem in problems), field=problems[0].field)
        self.problems = problems


def rule_set_in_force(programme, on: date) -> RuleSet | None:
    """The programme's version valid on that day (valid_from inclusive, valid_to exclusive); latest start wins."""
    return db.session.scalar(
        select(RuleSet)
        .where(RuleSet.programme_id == programme.id, RuleSet.valid_from <= on,
               or_(RuleSet.valid_to.is_(None), RuleSet.valid_to > on))
        .order_by(RuleSet.valid_from.desc(), RuleSet.id.desc())
        .limit(1)
    )


def compute_grant(plan, rule_set: RuleSet | None) -> int:
    """The grant the rules give this plan, in minor units; 0 when the rules compute none.

    MDM Invest-style: 10 % of the diaspora's share of the project (total cost x the diaspora's share of
    capital), capped at 5 MDH. Exact Decimal arithmetic, then rounded down to the minor unit so the grant
    never exceeds the percentage the programme grants.
    """
    formula = parse_params(rule_set.params).grant if rule_set is not None else None
    if formula is None:
        return 0
    base = Decimal(plan.total_cost_minor)
    if formula.basis == "investor_share":
        base = base * plan.diaspora_capital_share_bp / FULL_SHARE_BP
    grant = int(base * formula.percent / 100)  # int() truncates: rounds down for positive amounts
    return grant if formula.cap_minor is None else min(grant, formula.cap_minor)


def validate_plan(plan, components: Sequence, rule_set: RuleSet | None, sector_code: str | None) -> list[Problem]:
    """Every rule the plan breaks, each with a translated explanation; an empty list means valid.

    Without a rule set (a project outside any programme) the cash components need only add up to the
    total cost in the plan's currency.
    """
    if plan.total_cost_minor <= 0:
        return [Problem("total_not_positive", _("The total cost must be more than zero."), "total_cost")]
    rules = parse_params(rule_set.params) if rule_set is not None else None
    context = PlanContext(
        total=plan.total_cost_minor, currency=plan.currency,
        components=tuple(c for c in components if c.status != "cancelled"), rules=rules,
        label=rule_set.label if rule_set is not None else "", sector_code=sector_code,
        expected_grant=compute_grant(plan, rule_set) if rules and rules.grant else None,
    )
    checks = ALWAYS + (PROGRAMME_RULES if rules else ())
    return [problem for check in checks for problem in check(context)]


def plan_of(project) -> FinancingPlan | None:
    return db.session.scalar(select(FinancingPlan).where(FinancingPlan.project_id == project.id))


def plan_components(project) -> list[FinancingComponent]:
    return list(db.session.scalars(
        select(FinancingComponent).where(FinancingComponent.project_id == project.id).order_by(FinancingComponent.id)))


def plan_problems(project, on: date) -> list[Problem]:
    """What approval must check: the saved plan against its bound rule set, else the one in force on `on`."""
    plan = plan_of(project)
    if plan is None:
        return [Problem("no_plan", _("The project has no financing plan yet."), "total_cost")]
    rule_set = plan.rule_set or _rule_set_for(project, on)
    return validate_plan(plan, plan_components(project), rule_set, project.sector.code)


def set_plan(project, actor, total_cost_minor: int, components: Sequence[ComponentInput], *,
             diaspora_capital_share_bp: int = FULL_SHARE_BP, on: date | None = None) -> FinancingPlan:
    """Replace the project's plan and components in one go, with the grant the rules compute, and audit it.

    Only members of the organisation that lists the project may do this. A plan that breaks a rule of
    the bound rule set (or the one in force on `on`, today by default) is refused whole.
    """
    if OWNER not in project_roles(actor, project):
        raise ForbiddenError(_("Only members of the organisation that lists this project can change its "
                               "financing plan."))
    _check_header(total_cost_minor, diaspora_capital_share_bp)
    _check_no_ledger(project)
    plan = db.session.scalar(
        select(FinancingPlan).where(FinancingPlan.project_id == project.id).with_for_update())
    rule_set = plan.rule_set if plan is not None and plan.rule_set is not None else \
        _rule_set_for(project, on or date.today())
    draft = FinancingPlan(project_id=project.id, total_cost_minor=total_cost_minor, currency=project.currency,
                          diaspora_capital_share_bp=diaspora_capital_share_bp)
    new = [_component(project, item, index) for index, item in enumerate(components)]
    grant = compute_grant(draft, rule_set)
    if grant > 0:
        new.append(FinancingComponent(project_id=project.id, kind="grant", amount_minor=grant,
                                      currency=project.currency, status="planned", computed=True,
                                      raised_by_campaign=False,
                                      provider_organisation_id=rule_set.programme.fund_manager_organisation_id,
                                      note=f"{rule_set.programme.code} {rule_set.version}"))
    _check_campaign_source(new)
    problems = validate_plan(draft, new, rule_set, project.sector.code)
    if problems:
        raise PlanRejectedError(problems)
    return _replace(project, actor, plan, draft, new)


def _check_campaign_source(components: list[FinancingComponent]) -> None:
    """One source at most is the campaign's: the pledges pay it, so two would count the same money twice."""
    raised = [index for index, c in enumerate(components) if c.raised_by_campaign]
    for index in raised:
        if components[index].kind not in CASH_KINDS:
            raise DomainError(_("Guarantees and contributions in kind cannot be raised through the campaign."),
                              field=f"components-{index}-raised_by_campaign")
    if len(raised) > 1:
        raise DomainError(_("Only one source of financing can be raised through the campaign."),
                          field=f"components-{raised[1]}-raised_by_campaign")


def _check_no_ledger(project) -> None:
    """Components that tranches or payments refer to are history: the plan can no longer be replaced."""
    from marketplace.ppp.ledger_models import Disbursement, Tranche

    for model in (Tranche, Disbursement):
        if db.session.scalar(select(model.id).where(model.project_id == project.id).limit(1)) is not None:
            raise DomainError(_("Tranches or payments are already recorded against this plan, so it can no longer "
                                "be replaced."), field="total_cost")


def _rule_set_for(project, on: date) -> RuleSet | None:
    """The rules a project answers to; a programme without rules in force cannot have its plans checked."""
    if project.programme is None:
        return None
    rule_set = rule_set_in_force(project.programme, on)
    if rule_set is None:
        raise DomainError(_("%(programme)s has no rules in force on %(date)s, so its plans cannot be checked.",
                            programme=project.programme.name, date=on.isoformat()), field="programme")
    return rule_set


def _check_header(total_cost_minor: int, share_bp: int) -> None:
    if isinstance(total_cost_minor, bool) or not isinstance(total_cost_minor, int) or total_cost_minor <= 0:
        raise DomainError(_("The total cost must be more than zero."), field="total_cost")
    if isinstance(share_bp, bool) or not isinstance(share_bp, int) or not 0 <= share_bp <= FULL_SHARE_BP:
        raise DomainError(_("The diaspora's share of capital must be between 0 and 100 percent."),
                          field="diaspora_capital_share")


def _component(project, item: ComponentInput, index: int) -> FinancingComponent:
    """A transient component from one input line; not added to the session until the whole plan is valid."""
    prefix = f"components-{index}-"
    if item.kind not in COMPONENT_KINDS:
        raise DomainError(_("Unknown kind of financing: %(kind)s.", kind=item.kind), field=prefix + "kind")
    amount = item.amount_minor
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise DomainError(_("Each amount must be more than zero."), field=prefix + "amount")
    if item.status not in COMPONENT_STATUSES:
        raise DomainError(_("Unknown status: %(status)s.", status=item.status), field=prefix + "status")
    provider = None
    if item.provider_organisation_id is not None:
        provider = db.session.get(Organisation, item.provider_organisation_id)
        if provider is None:
            raise DomainError(_("Organisation %(id)s does not exist.", id=item.provider_organisation_id),
                              field=prefix + "provider_organisation_id")
    return FinancingComponent(project_id=project.id, kind=item.kind, amount_minor=amount,
                              currency=item.currency or project.currency, status=item.status, computed=False,
                              raised_by_campaign=bool(item.raised_by_campaign) or item.kind == "crowd_pledges",
                              note=item.note, provider_organisation_id=provider.id if provider else None,
                              provider_organisation=provider)


def _replace(project, actor, plan: FinancingPlan | None, draft: FinancingPlan,
             new: list[FinancingComponent]) -> FinancingPlan:
    """Write the validated plan: delete the old components, update or create the header, add the new ones."""
    old = plan_components(project)
    before = plan_snapshot(plan, old) if plan is not None else None
    for component in old:
        db.session.delete(component)
    if plan is None:
        plan = draft
        db.session.add(plan)
    else:
        plan.total_cost_minor = draft.total_cost_minor
        plan.currency = draft.currency
        plan.diaspora_capital_share_bp = draft.diaspora_capital_share_bp
    plan.updated_at = utcnow()
    db.session.add_all(new)
    db.session.flush()
    record("ppp.plan_saved", actor=actor, object_type="project", object_id=project.id, before=before,
           after=plan_snapshot(plan, new))
    return plan


def plan_snapshot(plan: FinancingPlan, components: Sequence[FinancingComponent]) -> dict:
    """The plan as the audit log keeps it: header and every component."""
    return {
        "total_cost_minor": plan.total_cost_minor, "currency": plan.currency,
        "diaspora_capital_share_bp": plan.diaspora_capital_share_bp, "rule_set_id": plan.rule_set_id,
        "components": [{field: getattr(c, field) for field in COMPONENT_FIELDS} for c in components],
    }


def bind_rule_set(project, on: date) -> None:
    """At approval the project is bound to the rule-set version in force that day; later versions never apply."""
    plan = plan_of(project)
    if plan is None or plan.rule_set_id is not None:
        return
    rule_set = _rule_set_for(project, on)
    if rule_set is not None:
        plan.rule_set_id = rule_set.id
        record("ppp.rule_set_bound", object_type="project", object_id=project.id,
               after={"rule_set_id": rule_set.id, "version": rule_set.version})
