"""The read functions behind the PPP dashboard and its CSV files: contributions, matching pools, tranches.

Each table is built by a fixed number of grouped statements whatever the number of projects (never a ledger
per project), restricted to what the viewer may see (`queries.Scope`) and to the dashboard filters, and
converted to the reporting currency by one shared `Converter`. Institutional partners are organisations, so
their contributions are shown as they are; figures that come from investors (the crowd's pledges, the matches
a pool paid out) pass through the privacy rule of `queries`: none describing fewer than 5 investors is shown.

Committed is the sum of the components of the financing plans whose status is a commitment, disbursed the sum
of the disbursement entries, remaining = committed - disbursed, as in `marketplace.ppp.ledger`. Guarantees and
contributions in kind are listed apart: they are not money paid into a project.
"""

from __future__ import annotations

import calendar
import json
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date
from types import SimpleNamespace

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, and_, case, cast, func, or_, select, true
from sqlalchemy.orm import aliased

from marketplace.dashboards.queries import MIN_INVESTORS, CapitalFilters, CapitalRow, Converter, Scope, capital_total
from marketplace.dashboards.tables import (
    COUNT,
    DAY,
    TEXT,
    Cell,
    Column,
    FigureTable,
    Row,
    finish,
    suppress_column,
)
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.i18n import localized
from marketplace.ppp.ledger import COMMITTED_STATUSES
from marketplace.ppp.ledger_models import MILESTONE_STATUSES, Disbursement, Milestone, Tranche
from marketplace.ppp.models import CASH_KINDS, COMPONENT_KINDS, FinancingComponent
from marketplace.ppp.partner_models import IATI_ROLES, PARTNER_FUNCTIONS, PartnerRole
from marketplace.projects.models import Project

TABLES = {
    "partners": _l("Contributions by partner"),
    "roles": _l("Contributions by IATI organisation role"),
    "functions": _l("Contributions by partner function"),
    "pools": _l("Matching pools"),
    "tranches": _l("Tranches by programme"),
    "milestones": _l("Overdue milestones"),
}
CASH, NON_CASH, CROWD = "cash", "non_cash", "crowd"
NO_ROLE, PROMOTER = "none", "promoter"
MILESTONE_LIMIT = 100  # the list of overdue milestones shows the longest overdue first, up to this many


# --- who sees what, and the period --------------------------------------------------------------------------

def partnership_scope(scope: Scope) -> Scope:
    """The capital dashboard's scope: it already counts the projects an organisation finances in a plan, so the
    diaspora line here and the capital figures describe the same projects."""
    return scope


@dataclass(frozen=True)
class Period:
    """Inclusive dates from the filters' months; a missing end is open."""

    starts_on: date | None = None
    ends_on: date | None = None

    def holds(self, column):
        parts = ([column >= self.starts_on] if self.starts_on else []) + \
            ([column <= self.ends_on] if self.ends_on else [])
        return and_(*parts) if parts else true()


def period_of(filters: CapitalFilters) -> Period:
    """The filters' months as dates; a month the calendar does not have (year 0000) is refused."""
    try:
        starts_on = ends_on = None
        if filters.month_from:
            year, month = map(int, filters.month_from.split("-"))
            starts_on = date(year, month, 1)
        if filters.month_to:
            year, month = map(int, filters.month_to.split("-"))
            ends_on = date(year, month, calendar.monthrange(year, month)[1])
    except ValueError:
        raise DomainError(_("Write months as year-month, such as 2026-03.")) from None
    return Period(starts_on, ends_on)


def project_conditions(filters: CapitalFilters) -> list:
    """The filters on projects (country, region, sector, programme, SDG, state); the months are a `Period`."""
    return replace(filters, month_from=None, month_to=None).conditions()


def _amount(value: int | None) -> int:
    return int(value or 0)


# --- contributions of institutional partners ----------------------------------------------------------------

@dataclass(frozen=True)
class Contribution:
    """One partner's contributions of one kind, in one role, converted (the grain the tables add up)."""

    organisation_id: int | None
    partner: str
    kind: str
    iati_role: int | None
    functions: tuple[str, ...]
    committed: int
    disbursed: int  # in the period
    paid_to_date: int

    @property
    def is_cash(self) -> bool:
        return self.kind in CASH_KINDS


def contributions(scope: Scope, filters: CapitalFilters, convert: Converter) -> list[Contribution]:
    """Every partner's committed and disbursed amounts by kind and role, in one grouped statement.

    A partner's role on the project counts first, else its role on the project's programme; declined roles
    are no role. Sources raised by the campaign are the crowd's (see `crowd_total`), cancelled ones nothing.
    """
    from marketplace.organisations.models import Organisation

    period = period_of(filters)
    component = FinancingComponent
    paid = (select(Disbursement.component_id.label("component_id"),
                   func.sum(Disbursement.amount_minor).label("to_date"),
                   func.sum(case((period.holds(Disbursement.disbursed_on), Disbursement.amount_minor),
                                 else_=0)).label("in_period"))
            .group_by(Disbursement.component_id).subquery())
    on_project, on_programme = aliased(PartnerRole), aliased(PartnerRole)
    role = func.coalesce(on_project.iati_role, on_programme.iati_role).label("role_code")
    functions = func.coalesce(cast(on_project.functions, String),
                              cast(on_programme.functions, String)).label("role_functions")
    committed = case((component.status.in_(sorted(COMMITTED_STATUSES)), component.amount_minor), else_=0)
    query = (select(component.provider_organisation_id, Organisation.name, component.kind, component.currency, role,
                    functions, func.sum(committed), func.sum(func.coalesce(paid.c.in_period, 0)),
                    func.sum(func.coalesce(paid.c.to_date, 0)))
             .select_from(component).join(Project, Project.id == component.project_id)
             .outerjoin(Organisation, Organisation.id == component.provider_organisation_id)
             .outerjoin(paid, paid.c.component_id == component.id)
             .outerjoin(on_project, and_(on_project.project_id == component.project_id,
                                         on_project.organisation_id == component.provider_organisation_id,
                                         on_project.status != "declined"))
             .outerjoin(on_programme, and_(on_programme.programme_id == Project.programme_id,
                                           on_programme.organisation_id == component.provider_organisation_id,
                                           on_programme.status != "declined"))
             .where(scope.condition(), *project_conditions(filters), component.status != "cancelled",
                    component.raised_by_campaign.is_(False))
             .group_by(component.provider_organisation_id, Organisation.name, component.kind, component.currency,
                       role, functions))
    found = []
    for organisation_id, name, kind, currency, iati_role, functions_text, *amounts in db.session.execute(query):
        converted = [convert(_amount(value), currency) for value in amounts]
        if None in converted:
            continue  # no rate: left out, and said so under the table
        found.append(Contribution(organisation_id, name or _("Project promoters"), kind, iati_role,
                                  tuple(json.loads(functions_text)) if functions_text else (), *converted))
    return found


def crowd_total(scope: Scope, filters: CapitalFilters, convert: Converter) -> CapitalRow:
    """The diaspora's pledges on the same projects, from the capital dashboard's summary, privacy applied."""
    return capital_total(scope, filters, convert)


def _money_cells(committed: int, disbursed: int, remaining: int) -> dict[str, Cell]:
    return {"committed": Cell(committed), "disbursed": Cell(disbursed), "remaining": Cell(remaining)}


def _money_columns() -> list[Column]:
    return [Column("committed", _("Committed")), Column("disbursed", _("Disbursed")),
            Column("remaining", _("Remaining to pay"))]


def partners_table(found: list[Contribution], crowd: CapitalRow, convert: Converter) -> FigureTable:
    """A row per partner and kind: cash first, then guarantees and in-kind apart; the crowd as one line."""
    sums: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    for item in found:
        line = sums[(item.organisation_id, item.partner, item.kind)]
        line[0] += item.committed
        line[1] += item.disbursed
        line[2] += item.paid_to_date
    rows, cash, non_cash = [], [0, 0, 0], 0
    for (organisation_id, partner, kind), (committed, disbursed, paid) in sorted(
            sums.items(), key=lambda item: (item[0][2] not in CASH_KINDS, item[0][0] is None,
                                            item[0][1].casefold(), item[0][2])):
        label = str(COMPONENT_KINDS.get(kind, kind))
        if kind in CASH_KINDS:
            cells = _money_cells(committed, disbursed, committed - paid)
            cash = [cash[0] + committed, cash[1] + disbursed, cash[2] + committed - paid]
        else:
            cells = {"committed": Cell(committed), "disbursed": Cell(None), "remaining": Cell(None)}
            non_cash += committed
        rows.append(Row((organisation_id, kind), partner, {"kind": Cell(label), **cells},
                        CASH if kind in CASH_KINDS else NON_CASH))
    pledged = _crowd_cells(crowd)
    rows.insert(sum(1 for row in rows if row.group == CASH),
                Row((CROWD,), _("Diaspora investors"), {"kind": Cell(str(COMPONENT_KINDS["crowd_pledges"])),
                                                         **pledged}, CROWD))
    with_crowd = {name: Cell(None if cell.hidden else total + cell.value, cell.hidden)
                  for (name, cell), total in zip(pledged.items(), cash, strict=True)}
    totals = [Row(("total", CASH), _("Total of institutional partners"), {"kind": Cell(None),
                                                                          **_money_cells(*cash)}, CASH),
              Row(("total", CROWD), _("Total with diaspora investors"), {"kind": Cell(None), **with_crowd}, CROWD),
              Row(("total", NON_CASH), _("Total of guarantees and contributions in kind"),
                  {"kind": Cell(None), "committed": Cell(non_cash), "disbursed": Cell(None),
                   "remaining": Cell(None)}, NON_CASH)]
    return finish(FigureTable(
        "partners", str(TABLES["partners"]), _("Partner"), [Column("kind", _("Kind"), TEXT), *_money_columns()],
        rows, totals, convert.quote, ("committed", "disbursed"),
        _("Diaspora investors: pledges committed and collected, as on the capital dashboard.")), convert)


def _crowd_cells(crowd: CapitalRow) -> dict[str, Cell]:
    committed, collected = crowd.committed, crowd.collected
    hidden = committed.hidden or collected.hidden
    remaining = None if hidden else (committed.minor or 0) - (collected.minor or 0)
    return {"committed": Cell(committed.shown_minor, committed.hidden),
            "disbursed": Cell(collected.shown_minor, collected.hidden), "remaining": Cell(remaining, hidden)}


def _rollup(found: list[Contribution], keys_of) -> tuple[dict, dict]:
    """Cash sums and the partners behind them per key (a contribution may count under several keys)."""
    sums: dict = defaultdict(lambda: [0, 0, 0, 0])
    partners: dict = defaultdict(set)
    for item in found:
        for key in keys_of(item):
            line = sums[key]
            if item.is_cash:
                line[0] += item.committed
                line[1] += item.disbursed
                line[2] += item.committed - item.paid_to_date
            else:
                line[3] += item.committed
            partners[key].add(item.organisation_id if item.organisation_id is not None else PROMOTER)
    return sums, partners


def _rollup_row(key, label: str, sums: list[int], partners: set) -> Row:
    committed, disbursed, remaining, non_cash = sums
    return Row(key, label, {"partners": Cell(len(partners)), **_money_cells(committed, disbursed, remaining),
                            "non_cash": Cell(non_cash)})


def _rollup_table(name: str, heading: str, found: list[Contribution], keys_of, labels: dict, convert: Converter,
                  note: str = "") -> FigureTable:
    sums, partners = _rollup(found, keys_of)
    total, everyone = _rollup(found, lambda item: [("total",)])
    rows = [_rollup_row(key, str(label), sums[key], partners[key]) for key, label in labels.items()
            if key in sums or key[0] in IATI_ROLES]
    columns = [Column("partners", _("Partners"), COUNT), *_money_columns(),
               Column("non_cash", _("Guarantees and in kind"))]
    totals = [_rollup_row(("total",), _("Total"), total[("total",)], everyone[("total",)])]
    return finish(FigureTable(name, str(TABLES[name]), heading, columns, rows, totals, convert.quote,
                              ("committed", "disbursed"), note), convert)


def _unassigned(item: Contribution) -> tuple:
    return (PROMOTER,) if item.organisation_id is None else (NO_ROLE,)


def _unassigned_labels() -> dict:
    return {(NO_ROLE,): _("No partner role recorded"), (PROMOTER,): _("Project promoters (own funds)")}


def roles_table(found: list[Contribution], convert: Converter) -> FigureTable:
    """Cash and non-cash contributions by IATI organisation role (1 Funding … 4 Implementing)."""
    labels = {(code,): f"{code} · {label}" for code, label in IATI_ROLES.items()} | _unassigned_labels()
    return _rollup_table("roles", _("IATI role"), found,
                         lambda item: [(item.iati_role,) if item.iati_role else _unassigned(item)], labels, convert)


def functions_table(found: list[Contribution], convert: Converter) -> FigureTable:
    """Contributions by the partner's functions; a partner with several functions counts under each."""
    labels = {(name,): label for name, label in PARTNER_FUNCTIONS.items()} | _unassigned_labels()
    return _rollup_table("functions", _("Function"), found,
                         lambda item: [(name,) for name in item.functions] or [_unassigned(item)], labels, convert,
                         _("A partner with several functions counts under each, so the rows add up to more than "
                           "the total."))


# --- matching pools -----------------------------------------------------------------------------------------

def _seen_projects(scope: Scope, filters: CapitalFilters, column=Project.id):
    return select(column).where(scope.condition(), *project_conditions(filters))


def pools_table(scope: Scope, filters: CapitalFilters, convert: Converter) -> FigureTable:
    """Each pool on a project in view, or on a programme with a project in view: total, used and left.

    Two statements. What a pool has used describes the investors it matched, so it follows the privacy rule.
    """
    from marketplace.organisations.models import Organisation
    from marketplace.pledges.models import POOL_STATUSES, MatchAllocation, MatchPool
    from marketplace.programmes.models import Programme

    programmes = _seen_projects(scope, filters, Project.programme_id).where(Project.programme_id.is_not(None))
    visible = or_(MatchPool.project_id.in_(_seen_projects(scope, filters)),
                  and_(MatchPool.project_id.is_(None), MatchPool.programme_id.in_(programmes)))
    matched = MatchAllocation.matched_minor > 0
    investors = (select(MatchAllocation.pool_id.label("pool_id"),
                        func.count(func.distinct(MatchAllocation.investor_id)).label("investors"))
                 .where(matched).group_by(MatchAllocation.pool_id).subquery())
    on_project = aliased(Project)
    found = db.session.execute(
        select(MatchPool, Organisation.name, on_project, Programme, func.coalesce(investors.c.investors, 0))
        .join(Organisation, Organisation.id == MatchPool.organisation_id)
        .outerjoin(on_project, on_project.id == MatchPool.project_id)
        .outerjoin(Programme, Programme.id == MatchPool.programme_id)
        .outerjoin(investors, investors.c.pool_id == MatchPool.id)
        .where(visible).order_by(MatchPool.id)).all()
    everyone = int(db.session.scalar(select(func.count(func.distinct(MatchAllocation.investor_id))).where(
        matched, MatchAllocation.pool_id.in_(select(MatchPool.id).where(visible)))) or 0)
    rows, sums, counted = [], [0, 0], []
    for pool, partner, project, programme, matched_investors in found:
        total, used = convert(pool.total_minor, pool.currency), convert(pool.used_minor, pool.currency)
        if total is None or used is None:
            continue
        target = f"{project.code or ''} · {project.display_title}" if project is not None else \
            _("Programme: %(name)s", name=programme.name if programme is not None else "?")
        rows.append(Row((pool.id,), pool.name, {
            "partner": Cell(partner), "applies_to": Cell(target), "ratio": Cell(pool.ratio_percent),
            "status": Cell(str(POOL_STATUSES.get(pool.status, pool.status))),
            "investors": Cell(int(matched_investors)), "total": Cell(total), "used": Cell(used),
            "left": Cell(total - used)}))
        counted.append(int(matched_investors))
        sums = [sums[0] + total, sums[1] + used]
    totals = [Row(("total",), _("Total"), {"partner": Cell(None), "applies_to": Cell(None), "ratio": Cell(None),
                                           "status": Cell(None), "investors": Cell(everyone),
                                           "total": Cell(sums[0]), "used": Cell(sums[1]),
                                           "left": Cell(sums[0] - sums[1])})]
    suppress_column([(row.cells["used"], n) for row, n in zip(rows, counted, strict=True)],
                    (totals[0].cells["used"], everyone))
    for row in [*rows, *totals]:
        row.cells["left"].hidden = row.cells["investors"].hidden = row.cells["used"].hidden
    columns = [Column("partner", _("Partner"), TEXT), Column("applies_to", _("Matches pledges on"), TEXT),
               Column("ratio", _("Match ratio (percent)"), COUNT), Column("status", _("State"), TEXT),
               Column("investors", _("Investors matched"), COUNT), Column("total", _("Pool")),
               Column("used", _("Used")), Column("left", _("Left"))]
    note = _("Used: matches given to active pledges. The amount a pool has used is hidden when it matched fewer "
             "than %(n)s investors.", n=MIN_INVESTORS)
    return finish(FigureTable("pools", str(TABLES["pools"]), _("Pool"), columns, rows, totals, convert.quote,
                              ("used", "left"), note), convert)


# --- tranches and milestones --------------------------------------------------------------------------------

def _programme_label(name_en, name_fr, name_ar) -> str:
    if name_en is None:
        return _("No programme")
    return localized(SimpleNamespace(name_en=name_en, name_fr=name_fr, name_ar=name_ar))


def tranches_table(scope: Scope, filters: CapitalFilters, convert: Converter, today: date | None = None
                   ) -> FigureTable:
    """Per programme: tranches released (paid in the period) and pending (due in it), and overdue milestones.

    Two statements: the tranches grouped by programme and currency, the overdue milestones by programme.
    """
    from marketplace.programmes.models import Programme

    today = today or date.today()
    period = period_of(filters)
    late = and_(Milestone.status != "met", Milestone.due_on < today)
    released = and_(Tranche.status == "released", period.holds(Disbursement.disbursed_on))
    pending = and_(Tranche.status == "planned", period.holds(Milestone.due_on))
    names = (Project.programme_id, Programme.name_en, Programme.name_fr, Programme.name_ar)

    def amount(condition):
        return func.sum(case((condition, Tranche.amount_minor), else_=0))

    query = (select(*names, Tranche.currency, func.count(case((released, Tranche.id))), amount(released),
                    func.count(case((pending, Tranche.id))), amount(pending),
                    amount(and_(pending, Milestone.status == "met")), amount(and_(pending, late)))
             .select_from(Tranche).join(Milestone, Milestone.id == Tranche.milestone_id)
             .join(FinancingComponent, FinancingComponent.id == Tranche.component_id)
             .join(Project, Project.id == Tranche.project_id)
             .outerjoin(Programme, Programme.id == Project.programme_id)
             .outerjoin(Disbursement, Disbursement.tranche_id == Tranche.id)
             .where(scope.condition(), *project_conditions(filters), FinancingComponent.status != "cancelled")
             .group_by(*names, Tranche.currency))
    sums: dict[int | None, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0, 0, 0])
    labels: dict[int | None, str] = {}
    for programme_id, name_en, name_fr, name_ar, currency, *figures in db.session.execute(query):
        converted = [convert(_amount(figures[i]), currency) for i in (1, 3, 4, 5)]
        if None in converted:
            continue
        labels[programme_id] = _programme_label(name_en, name_fr, name_ar)
        line = sums[programme_id]
        for i, value in enumerate((_amount(figures[0]), converted[0], _amount(figures[2]), *converted[1:])):
            line[i] += value
    overdue = (select(*names, func.count(Milestone.id)).select_from(Milestone)
               .join(Project, Project.id == Milestone.project_id)
               .outerjoin(Programme, Programme.id == Project.programme_id)
               .where(scope.condition(), *project_conditions(filters), late, period.holds(Milestone.due_on))
               .group_by(*names))
    for programme_id, name_en, name_fr, name_ar, count in db.session.execute(overdue):
        labels[programme_id] = _programme_label(name_en, name_fr, name_ar)
        sums[programme_id][6] += int(count)
    keys = ("released_count", "released", "pending_count", "pending", "ready", "late", "late_milestones")
    rows = [Row((programme_id,), labels[programme_id], {k: Cell(v) for k, v in zip(keys, sums[programme_id],
                                                                                    strict=True)})
            for programme_id in sorted(labels, key=lambda key: (key is None, labels[key].casefold()))]
    total = [sum(row.cells[k].value for row in rows) for k in keys]
    columns = [Column("released_count", _("Tranches released"), COUNT), Column("released", _("Released")),
               Column("pending_count", _("Tranches pending"), COUNT), Column("pending", _("Pending")),
               Column("ready", _("Pending, milestone met")), Column("late", _("Pending, milestone overdue")),
               Column("late_milestones", _("Overdue milestones"), COUNT)]
    return finish(FigureTable(
        "tranches", str(TABLES["tranches"]), _("Programme"), columns, rows,
        [Row(("total",), _("Total"), {k: Cell(v) for k, v in zip(keys, total, strict=True)})], convert.quote,
        ("released", "pending"),
        _("Released: tranches paid, in the months chosen if any. Pending: tranches not paid yet, of milestones due "
          "in the months chosen if any. A milestone is overdue once its due date has passed and it is not met.")),
        convert)


def milestones_table(scope: Scope, filters: CapitalFilters, convert: Converter, today: date | None = None
                     ) -> FigureTable:
    """The overdue milestones in view, longest overdue first (at most `MILESTONE_LIMIT`), in one statement."""
    today = today or date.today()
    period = period_of(filters)
    found = db.session.execute(
        select(Milestone.id, Milestone.title, Milestone.due_on, Milestone.status, Project)
        .join(Project, Project.id == Milestone.project_id)
        .where(scope.condition(), *project_conditions(filters), Milestone.status != "met", Milestone.due_on < today,
               period.holds(Milestone.due_on))
        .order_by(Milestone.due_on, Milestone.id).limit(MILESTONE_LIMIT)).all()
    rows = [Row((milestone_id,), f"{project.code or ''} · {project.display_title}", {
        "milestone": Cell(title), "due_on": Cell(due_on), "days_late": Cell((today - due_on).days),
        "status": Cell(str(MILESTONE_STATUSES.get(status, status)))})
        for milestone_id, title, due_on, status, project in found]
    columns = [Column("milestone", _("Milestone"), TEXT), Column("due_on", _("Due on"), DAY),
               Column("days_late", _("Days overdue"), COUNT), Column("status", _("State"), TEXT)]
    note = _("At most %(n)s milestones are listed, the longest overdue first.", n=MILESTONE_LIMIT)
    return finish(FigureTable("milestones", str(TABLES["milestones"]), _("Project"), columns, rows, [],
                              convert.quote, (), note), convert)


# --- the whole dashboard ------------------------------------------------------------------------------------

def ppp_table(name: str, scope: Scope, filters: CapitalFilters, convert: Converter | None = None) -> FigureTable:
    """One table of the PPP dashboard, built by the same functions as the page."""
    if name not in TABLES:
        raise DomainError(_("Unknown table."))
    convert = convert or Converter()
    scope = partnership_scope(scope)
    if name in ("partners", "roles", "functions"):
        found = contributions(scope, filters, convert)
        if name == "partners":
            return partners_table(found, crowd_total(scope, filters, convert), convert)
        return (roles_table if name == "roles" else functions_table)(found, convert)
    builder = {"pools": pools_table, "tranches": tranches_table, "milestones": milestones_table}[name]
    return builder(scope, filters, convert)


def ppp_report(scope: Scope, filters: CapitalFilters) -> dict[str, FigureTable]:
    """Every table of the PPP dashboard, sharing one contributions statement and one set of exchange rates."""
    convert = Converter()
    scope = partnership_scope(scope)
    found = contributions(scope, filters, convert)
    tables = {"partners": partners_table(found, crowd_total(scope, filters, convert), convert),
              "roles": roles_table(found, convert), "functions": functions_table(found, convert),
              "pools": pools_table(scope, filters, convert), "tranches": tranches_table(scope, filters, convert),
              "milestones": milestones_table(scope, filters, convert)}
    for table in tables.values():
        finish(table, convert)
    return tables
