"""The partnerships a user takes part in: projects their organisations list, bank, review or partner in.

Filterable by programme, by a partner's function and by the project's state; one page costs five statements
whatever the number of projects: count, page, cash committed, disbursed, and the user's own roles.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import String, and_, cast, false, func, or_, select
from sqlalchemy.orm import joinedload

from marketplace.extensions import db
from marketplace.ppp.access import LIVE_ROLE_STATUSES, member_organisation_ids
from marketplace.ppp.ledger import COMMITTED_STATUSES
from marketplace.ppp.ledger_forms import PartnershipFilterForm
from marketplace.ppp.ledger_models import Disbursement
from marketplace.ppp.models import CASH_KINDS, FinancingComponent
from marketplace.ppp.partner_models import PARTNER_FUNCTIONS, PartnerRole
from marketplace.programmes.models import Programme
from marketplace.projects.access import reviewer_country_ids
from marketplace.projects.models import STATUSES, Project

PAGE_SIZE = 25


@dataclass
class PartnershipRow:
    project: Project
    my_roles: list[str] = field(default_factory=list)
    committed: int = 0
    disbursed: int = 0


def partnership_page(user, args, *, page: int = 1) -> dict:
    """The filter form, the page of rows and the paging facts for `ppp/partnerships.html`."""
    form = _filter_form(args)
    query = _filtered(_scoped(user), form)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(page, pages)
    projects = db.session.scalars(
        query.options(joinedload(Project.programme), joinedload(Project.region), joinedload(Project.organisation))
        .order_by(Project.title, Project.id).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    rows = _rows(user, projects)
    return {"form": form, "rows": rows, "total": total, "page": page, "pages": pages,
            "has_scope": bool(member_organisation_ids(user)) or user.is_admin}


def _scoped(user):
    """Projects the user's organisations are part of; everything for admins; those of their country for authorities."""
    query = select(Project)
    if user.is_admin:
        return query
    organisations = member_organisation_ids(user)
    if not organisations:
        return query.where(false())
    partner_of = select(PartnerRole.project_id).where(PartnerRole.organisation_id.in_(organisations),
                                                      PartnerRole.project_id.is_not(None),
                                                      PartnerRole.status.in_(LIVE_ROLE_STATUSES))
    provider_of = select(FinancingComponent.project_id).where(
        FinancingComponent.provider_organisation_id.in_(organisations))
    conditions = [Project.organisation_id.in_(organisations), Project.partner_bank_id.in_(organisations),
                  Project.id.in_(partner_of), Project.id.in_(provider_of)]
    countries = reviewer_country_ids(user)
    if countries:  # a draft is the owner's own business until it is submitted
        conditions.append(and_(Project.country_id.in_(countries), Project.status != "draft"))
    return query.where(or_(*conditions))


def _filtered(query, form: PartnershipFilterForm):
    if form.programme.data:
        query = query.where(Project.programme_id.in_(select(Programme.id).where(Programme.code == form.programme.data)))
    if form.function.data:
        # Functions are a JSON list; its text holds the name in double quotes on SQLite and PostgreSQL alike.
        holding = select(PartnerRole.project_id).where(
            PartnerRole.project_id.is_not(None), PartnerRole.status.in_(LIVE_ROLE_STATUSES),
            cast(PartnerRole.functions, String).like(f'%"{form.function.data}"%'))
        query = query.where(Project.id.in_(holding))
    if form.status.data:
        query = query.where(Project.status == form.status.data)
    return query


def _filter_form(args) -> PartnershipFilterForm:
    """Unknown filter values are dropped, so a stale or edited link shows everything rather than an error."""
    form = PartnershipFilterForm(formdata=args)
    form.ignored = []
    programmes = db.session.scalars(select(Programme).order_by(Programme.code)).all()
    form.programme.choices = [("", _("All programmes")), *((p.code, p.name) for p in programmes)]
    form.function.choices = [("", _("All roles")), *((name, str(label)) for name, label in PARTNER_FUNCTIONS.items())]
    form.status.choices = [("", _("All states")), *((name, str(label)) for name, label in STATUSES.items())]
    for select_field in (form.programme, form.function, form.status):
        if select_field.data and select_field.data not in {value for value, _label in select_field.choices}:
            form.ignored.append(str(select_field.label.text))
        if select_field.data not in {value for value, _label in select_field.choices}:
            select_field.data = ""
    return form


def _rows(user, projects: list[Project]) -> list[PartnershipRow]:
    if not projects:
        return []
    ids = [project.id for project in projects]
    committed = dict(db.session.execute(
        select(FinancingComponent.project_id, func.sum(FinancingComponent.amount_minor))
        .where(FinancingComponent.project_id.in_(ids), FinancingComponent.kind.in_(CASH_KINDS),
               FinancingComponent.raised_by_campaign.is_(False),
               FinancingComponent.status.in_(COMMITTED_STATUSES))
        .group_by(FinancingComponent.project_id)).all())
    disbursed = dict(db.session.execute(
        select(Disbursement.project_id, func.sum(Disbursement.amount_minor))
        .where(Disbursement.project_id.in_(ids)).group_by(Disbursement.project_id)).all())
    mine: dict[int, list[str]] = defaultdict(list)
    organisations = member_organisation_ids(user)
    if organisations:
        for project_id, functions in db.session.execute(
                select(PartnerRole.project_id, PartnerRole.functions)
                .where(PartnerRole.project_id.in_(ids), PartnerRole.organisation_id.in_(organisations))):
            mine[project_id].extend(str(PARTNER_FUNCTIONS.get(name, name)) for name in functions or ())
    rows = []
    for project in projects:
        roles = []
        if project.organisation_id in organisations:
            roles.append(_("Lists the project"))
        if project.partner_bank_id in organisations:
            roles.append(_("Partner bank"))
        roles.extend(mine.get(project.id, []))
        rows.append(PartnershipRow(project, roles, int(committed.get(project.id, 0)),
                                   int(disbursed.get(project.id, 0))))
    return rows
