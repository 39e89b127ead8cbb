"""Keeping the dashboards' summary tables equal to what the pledges say, in the transaction that changes a pledge.

`pledges.lifecycle` announces every new pledge and every state step to its observers; `on_pledge_change`
turns the step into a delta of the investor's fact row, and the fact row's before and after (read back with
RETURNING, no extra statement) say whether the investor enters or leaves the cell's counts. The same delta
then goes to the project's month (`dashboard_capital_project_months`), where an investor entering or leaving
a cell enters or leaves the month only if they have no pledge there from another residence (one indexed
read, only on those steps). So a change costs three or four statements, and a dashboard never reads raw
pledges and is never stale. `rebuild` recomputes both tables from the pledges (after a bulk load or
to repair), and `drift` compares them with the pledges without writing, which the tests and
`flask dashboards check` use.
"""

from __future__ import annotations

from datetime import UTC
from typing import NamedTuple

from sqlalchemy import case, delete, func, insert, literal_column, select, update

from marketplace.dashboards.models import (
    UNKNOWN_ORIGIN,
    CapitalCell,
    CapitalFact,
    CapitalProjectMonth,
    CorridorMember,
    CorridorReach,
    CorridorSums,
)
from marketplace.extensions import db
from marketplace.pledges.models import Pledge
from marketplace.projects.models import Project

ACTIVE = ("offered", "committed", "collecting", "paid")
COMMITTED = ("committed", "collecting", "paid")
COLLECTED = ("paid",)
KEY = ("project_id", "origin_country_id", "month", "investor_id")
CELL_KEY = KEY[:3]
MONTH_KEY = ("project_id", "month")
CORRIDOR_KEY = ("origin_country_id", "region_id", "month", "status")
SUMS_KEY = (*CORRIDOR_KEY, "currency")
MEMBER_KEY = (*CORRIDOR_KEY, "investor_id")
MEMBER_COUNTS = ("cells", "committed_cells", "paid_cells")
BUCKETS = ("investors", "committed_investors", "paid_investors")
MEASURES = ("pledges", "committed_pledges", "paid_pledges", "pledged_minor", "committed_minor", "collected_minor")
CELL_MEASURES = (*MEASURES, "investors", "committed_investors", "paid_investors")


class Contribution(NamedTuple):
    pledges: int
    committed_pledges: int
    paid_pledges: int
    pledged_minor: int
    committed_minor: int
    collected_minor: int


NOTHING = Contribution(0, 0, 0, 0, 0, 0)


def contribution(status: str | None, amount_minor: int) -> Contribution:
    """What one pledge in this state adds to its row: collected is the amount of a paid pledge (any excess
    transferred is returned by the bank, so the amount is what the project keeps)."""
    if status not in ACTIVE:
        return NOTHING
    committed, paid = status in COMMITTED, status in COLLECTED
    return Contribution(1, int(committed), int(paid), amount_minor, amount_minor * committed, amount_minor * paid)


def month_of(pledge: Pledge) -> str:
    return pledge.offered_at.astimezone(UTC).strftime("%Y-%m")


def on_pledge_change(pledge: Pledge, source: str | None, target: str) -> None:
    """Apply the difference between the pledge's old and new contribution to its fact row, then to its cell."""
    before, after = contribution(source, pledge.amount_minor), contribution(target, pledge.amount_minor)
    delta = Contribution(*(a - b for a, b in zip(after, before, strict=True)))
    if delta == NOTHING:
        return
    key = {"project_id": pledge.project_id, "origin_country_id": pledge.residence_country_id or UNKNOWN_ORIGIN,
           "month": month_of(pledge), "investor_id": pledge.investor_id}
    changes = delta._asdict()
    new = _apply(CapitalFact, KEY, key, changes)
    old = [value - change for value, change in zip(new, (changes[name] for name in MEASURES[:3]), strict=True)]
    entering = {name: int(now > 0) - int(was > 0) for name, now, was in zip(BUCKETS, new, old, strict=True)}
    _apply(CapitalCell, CELL_KEY, {name: key[name] for name in CELL_KEY}, changes | entering)
    _corridor_step(pledge, key, changes, entering)
    if any(entering.values()):
        elsewhere = _other_residences(key)
        entering = {name: 0 if held else step for (name, step), held in zip(entering.items(), elsewhere, strict=True)}
    _apply(CapitalProjectMonth, MONTH_KEY, {name: key[name] for name in MONTH_KEY}, changes | entering)


def _corridor_step(pledge: Pledge, key: dict, changes: dict, entering: dict) -> None:
    """Carry the step to the corridor's sums, and, when the investor's fact row entered or left a bucket, to
    their membership of the corridor and from there to its reach (distinct investors)."""
    project = db.session.get(Project, pledge.project_id)
    corridor = {"origin_country_id": key["origin_country_id"], "region_id": project.region_id,
                "month": key["month"], "status": project.status}
    _apply(CorridorSums, SUMS_KEY, corridor | {"currency": project.currency}, changes | entering)
    if not any(entering.values()):
        return
    member_changes = dict(zip(MEMBER_COUNTS, entering.values(), strict=True))
    new = _apply(CorridorMember, MEMBER_KEY, corridor | {"investor_id": key["investor_id"]}, member_changes,
                 counted=MEMBER_COUNTS)
    reach = {name: int(now > 0) - int(now - step > 0)
             for name, now, step in zip(BUCKETS, new, member_changes.values(), strict=True)}
    if any(reach.values()):
        _apply(CorridorReach, CORRIDOR_KEY, corridor, reach, counted=BUCKETS)


def _other_residences(key: dict) -> tuple[bool, bool, bool]:
    """Whether the investor has active, committed and paid pledges in the project's month from another residence."""
    fact = CapitalFact
    row = db.session.execute(
        select(func.sum(fact.pledges), func.sum(fact.committed_pledges), func.sum(fact.paid_pledges))
        .where(fact.project_id == key["project_id"], fact.month == key["month"],
               fact.investor_id == key["investor_id"], fact.origin_country_id != key["origin_country_id"])).one()
    return tuple(bool(value) for value in row)


def _apply(model, key_names: tuple[str, ...], key: dict, changes: dict,
           counted: tuple[str, str, str] = ("pledges", "committed_pledges", "paid_pledges")) -> tuple[int, int, int]:
    """Add `changes` to the row at `key` (creating it, or deleting it when its first counted column drops to
    zero) in one statement; returns the counted columns afterwards (zeros once deleted)."""
    lead = counted[0]
    counted = tuple(getattr(model, name) for name in counted)
    if changes[lead] > 0:
        return tuple(db.session.execute(_upsert(model, key_names, key, changes).returning(*counted)).one())
    where = [getattr(model, name) == value for name, value in key.items()]
    if changes[lead] < 0:
        gone = db.session.execute(delete(model).where(*where, counted[0] == -changes[lead])
                                  .returning(counted[0]).execution_options(synchronize_session=False)).all()
        if gone:
            return 0, 0, 0
    row = db.session.execute(
        update(model).where(*where)
        .values({name: getattr(model, name) + value for name, value in changes.items() if value})
        .returning(*counted).execution_options(synchronize_session=False)).one_or_none()
    if row is None:
        raise RuntimeError(f"{model.__tablename__} has no row {key}: run `flask dashboards rebuild`")
    return tuple(row)


def _upsert(model, key_names: tuple[str, ...], key: dict, changes: dict):
    """INSERT … ON CONFLICT DO UPDATE adding to the row: atomic on both databases."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    statement = dialect_insert(model).values(**key, **changes)
    table = model.__table__
    return statement.on_conflict_do_update(
        index_elements=list(key_names),
        set_={name: table.c[name] + statement.excluded[name] for name in changes})


def month_expression(column):
    """The UTC month of a stored timestamp as "YYYY-MM", in SQL (PostgreSQL stores timestamptz, SQLite text)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM")
    return func.substr(column, 1, 7)


def _from_pledges(projects=None):
    """The fact rows computed from the raw pledges (of the projects `projects` selects, if given): the
    reference the incremental rows must equal."""
    active = Pledge.status.in_(ACTIVE)
    committed, paid = Pledge.status.in_(COMMITTED), Pledge.status.in_(COLLECTED)
    origin = func.coalesce(Pledge.residence_country_id, literal_column(str(UNKNOWN_ORIGIN)))
    month = month_expression(Pledge.offered_at)
    return (
        select(Pledge.project_id, origin.label("origin_country_id"), month.label("month"), Pledge.investor_id,
               func.count().label("pledges"),
               func.sum(case((committed, 1), else_=0)).label("committed_pledges"),
               func.sum(case((paid, 1), else_=0)).label("paid_pledges"),
               func.sum(Pledge.amount_minor).label("pledged_minor"),
               func.sum(case((committed, Pledge.amount_minor), else_=0)).label("committed_minor"),
               func.sum(case((paid, Pledge.amount_minor), else_=0)).label("collected_minor"))
        .where(active, *([Pledge.project_id.in_(projects)] if projects is not None else []))
        .group_by(Pledge.project_id, origin, month, Pledge.investor_id)
    )


def _cells_from_facts(projects=None):
    """The cells computed from the fact rows (which `_from_pledges` computes from the pledges)."""
    facts = _from_pledges(projects).subquery()
    return (select(*(facts.c[name] for name in CELL_KEY), *(func.sum(facts.c[name]) for name in MEASURES),
                   func.count(), func.sum(case((facts.c.committed_pledges > 0, 1), else_=0)),
                   func.sum(case((facts.c.paid_pledges > 0, 1), else_=0)))
            .group_by(*(facts.c[name] for name in CELL_KEY)))


def _months_from_facts():
    """The project months computed from the fact rows: an investor's rows of one month are merged first."""
    facts = _from_pledges().subquery()
    per_investor = (select(facts.c.project_id, facts.c.month, facts.c.investor_id,
                           *(func.sum(facts.c[name]).label(name) for name in MEASURES))
                    .group_by(facts.c.project_id, facts.c.month, facts.c.investor_id).subquery())
    return (select(*(per_investor.c[name] for name in MONTH_KEY),
                   *(func.sum(per_investor.c[name]) for name in MEASURES), func.count(),
                   func.sum(case((per_investor.c.committed_pledges > 0, 1), else_=0)),
                   func.sum(case((per_investor.c.paid_pledges > 0, 1), else_=0)))
            .group_by(*(per_investor.c[name] for name in MONTH_KEY)))


def _corridor_sums(projects=None):
    """The corridor sums computed from the cells, with each project's region, state and currency."""
    cells = _cells_from_facts(projects).subquery()
    return (select(cells.c.origin_country_id, Project.region_id, cells.c.month, Project.status, Project.currency,
                   *(func.sum(column) for column in list(cells.c)[len(CELL_KEY):]))
            .join(Project, Project.id == cells.c.project_id)
            .group_by(cells.c.origin_country_id, Project.region_id, cells.c.month, Project.status, Project.currency))


def _corridor_members(projects=None):
    """Each investor's fact rows per corridor, month and state, by bucket."""
    facts = _from_pledges(projects).subquery()
    return (select(facts.c.origin_country_id, Project.region_id, facts.c.month, Project.status, facts.c.investor_id,
                   func.count(), func.sum(case((facts.c.committed_pledges > 0, 1), else_=0)),
                   func.sum(case((facts.c.paid_pledges > 0, 1), else_=0)))
            .join(Project, Project.id == facts.c.project_id)
            .group_by(facts.c.origin_country_id, Project.region_id, facts.c.month, Project.status,
                      facts.c.investor_id))


def _corridor_reach(projects=None):
    """Distinct investors per corridor, month and state, by bucket, from the memberships."""
    members = _corridor_members(projects).subquery()
    columns = list(members.c)
    key = columns[:4]
    return (select(*key, func.count(), func.sum(case((columns[6] > 0, 1), else_=0)),
                   func.sum(case((columns[7] > 0, 1), else_=0)))
            .group_by(*key))


SUMMARIES = ((CapitalFact, KEY, MEASURES, _from_pledges), (CapitalCell, CELL_KEY, CELL_MEASURES, _cells_from_facts),
             (CapitalProjectMonth, MONTH_KEY, CELL_MEASURES, _months_from_facts),
             (CorridorSums, SUMS_KEY, CELL_MEASURES, _corridor_sums),
             (CorridorMember, MEMBER_KEY, MEMBER_COUNTS, _corridor_members),
             (CorridorReach, CORRIDOR_KEY, BUCKETS, _corridor_reach))
CORRIDOR_SUMMARIES = SUMMARIES[3:]


def rebuild() -> int:
    """Recompute every table from the pledges, each in one INSERT … SELECT; returns the number of cells."""
    for model, *_rest in reversed(SUMMARIES):
        db.session.execute(delete(model).execution_options(synchronize_session=False))
    for model, key_names, names, reference in SUMMARIES:
        db.session.execute(insert(model).from_select([*key_names, *names], reference()))
    return db.session.scalar(select(func.count()).select_from(CapitalCell))


def on_project_moved(project: Project, region_before: int | None, status_before: str) -> None:
    """A project changed state or region: its pledges now belong to other corridor rows. Recompute the corridor
    rows of the regions and states involved from the pledges of their projects (a few thousand rows, on an
    event far rarer than a pledge), in the transaction that moved the project."""
    regions = {region_before, project.region_id} - {None}
    statuses = {status_before, project.status}
    if not regions:
        return
    db.session.flush()
    chosen = select(Project.id).where(Project.region_id.in_(sorted(regions)), Project.status.in_(sorted(statuses)))
    for model, key_names, names, reference in CORRIDOR_SUMMARIES:
        db.session.execute(delete(model).where(model.region_id.in_(sorted(regions)), model.status.in_(sorted(statuses)))
                           .execution_options(synchronize_session=False))
        db.session.execute(insert(model).from_select([*key_names, *names], reference(chosen)))


def drift(limit: int = 20) -> list[tuple]:
    """Rows where a table and a fresh computation differ (table, key, stored, expected); empty when in step."""
    differences = []
    for model, key_names, names, reference in SUMMARIES:
        width = len(key_names)
        stored = {tuple(row[:width]): tuple(int(v) for v in row[width:]) for row in db.session.execute(
            select(*(getattr(model, name) for name in (*key_names, *names))))}
        expected = {tuple(row[:width]): tuple(int(v) for v in row[width:]) for row in db.session.execute(reference())}
        differences += [(model.__tablename__, key, stored.get(key), expected.get(key))
                        for key in sorted(set(stored) | set(expected), key=str)
                        if stored.get(key) != expected.get(key)]
    return differences[:limit]
