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
    their membership of the corridor and from there to its reach (distinct investors).

    The project's region and state are read afresh with a share lock: a project that is being moved (its row
    locked by the move) is waited for, so the step lands in the rows the move leaves it in.
    """
    region_id, status, currency = db.session.execute(
        select(Project.region_id, Project.status, Project.currency).where(Project.id == pledge.project_id)
        .with_for_update(read=True)).one()
    corridor = {"origin_country_id": key["origin_country_id"], "region_id": region_id, "month": key["month"],
                "status": status}
    _apply(CorridorSums, SUMS_KEY, corridor | {"currency": currency}, changes | entering)
    if any(entering.values()):
        _corridor_membership(corridor, key["investor_id"], dict(zip(MEMBER_COUNTS, entering.values(), strict=True)))


def _corridor_membership(corridor: dict, investor_id: int, member_changes: dict) -> None:
    """Change the investor's membership counts of the corridor row; its reach follows when one passes 0."""
    new = _apply(CorridorMember, MEMBER_KEY, corridor | {"investor_id": investor_id}, member_changes,
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
    zero); returns the counted columns afterwards (zeros once deleted).

    A decrease tries the UPDATE that leaves the row alive first, then the DELETE: on PostgreSQL a concurrent
    transaction that changed the row makes the waiting UPDATE re-check its condition on the new row, so two
    revocations of the last two pledges of a row end in one UPDATE and one DELETE, never in a row at zero.
    """
    lead = counted[0]
    counted = tuple(getattr(model, name) for name in counted)
    if changes[lead] > 0:
        return tuple(db.session.execute(_upsert(model, key_names, key, changes).returning(*counted)).one())
    where = [getattr(model, name) == value for name, value in key.items()]
    stays = [counted[0] > -changes[lead]] if changes[lead] < 0 else []
    row = db.session.execute(
        update(model).where(*where, *stays)
        .values({name: getattr(model, name) + value for name, value in changes.items() if value})
        .returning(*counted).execution_options(synchronize_session=False)).one_or_none()
    if row is not None:
        return tuple(row)
    if changes[lead] < 0 and db.session.execute(
            delete(model).where(*where, counted[0] == -changes[lead])
            .returning(counted[0]).execution_options(synchronize_session=False)).all():
        return 0, 0, 0
    raise RuntimeError(f"{model.__tablename__} has no row {key}: run `flask dashboards rebuild`")


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


def _from_pledges():
    """The fact rows computed from the raw pledges: the reference the incremental rows must equal."""
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
        .where(active)
        .group_by(Pledge.project_id, origin, month, Pledge.investor_id)
    )


def _cells_from_facts():
    """The cells computed from the fact rows (which `_from_pledges` computes from the pledges)."""
    facts = _from_pledges().subquery()
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


def _corridor_sums():
    """The corridor sums computed from the cells, with each project's region, state and currency."""
    cells = _cells_from_facts().subquery()
    return (select(cells.c.origin_country_id, Project.region_id, cells.c.month, Project.status, Project.currency,
                   *(func.sum(column) for column in list(cells.c)[len(CELL_KEY):]))
            .join(Project, Project.id == cells.c.project_id)
            .group_by(cells.c.origin_country_id, Project.region_id, cells.c.month, Project.status, Project.currency))


def _corridor_members():
    """Each investor's fact rows per corridor, month and state, by bucket."""
    facts = _from_pledges().subquery()
    return (select(facts.c.origin_country_id, Project.region_id, facts.c.month, Project.status, facts.c.investor_id,
                   func.count(), func.sum(case((facts.c.committed_pledges > 0, 1), else_=0)),
                   func.sum(case((facts.c.paid_pledges > 0, 1), else_=0)))
            .join(Project, Project.id == facts.c.project_id)
            .group_by(facts.c.origin_country_id, Project.region_id, facts.c.month, Project.status,
                      facts.c.investor_id))


def _corridor_reach():
    """Distinct investors per corridor, month and state, by bucket, from the memberships."""
    members = _corridor_members().subquery()
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


def rebuild() -> int:
    """Recompute every table from the pledges, each in one INSERT … SELECT; returns the number of cells."""
    for model, *_rest in reversed(SUMMARIES):
        db.session.execute(delete(model).execution_options(synchronize_session=False))
    for model, key_names, names, reference in SUMMARIES:
        db.session.execute(insert(model).from_select([*key_names, *names], reference()))
    return db.session.scalar(select(func.count()).select_from(CapitalCell))


def _sides(project: Project, region_before: int | None, status_before: str) -> list[tuple[int, str, int]]:
    """The corridor rows to leave (sign -1) and to join (+1); a project without a region has none."""
    return [(region, status, sign) for region, status, sign in ((region_before, status_before, -1),
                                                              (project.region_id, project.status, 1))
            if region is not None]


def on_project_moved(project: Project, region_before: int | None, status_before: str) -> None:
    """A project changed state or region: move its contributions from the corridor rows of its old region and
    state to those of the new ones, as deltas row by row (its cells for the sums, its fact rows for the
    memberships), in the transaction that moved it. Other projects' pledges in the same rows are never touched,
    so they may step at the same time; the project's own pledge steps wait on its row lock (`_corridor_step`)."""
    if region_before == project.region_id and status_before == project.status:
        return
    currency = project.currency
    for cell in db.session.scalars(select(CapitalCell).where(CapitalCell.project_id == project.id)).all():
        measures = {name: getattr(cell, name) for name in CELL_MEASURES}
        for region_id, status, sign in _sides(project, region_before, status_before):
            corridor = {"origin_country_id": cell.origin_country_id, "region_id": region_id, "month": cell.month,
                        "status": status, "currency": currency}
            _apply(CorridorSums, SUMS_KEY, corridor, {name: sign * value for name, value in measures.items()})
    for fact in db.session.scalars(select(CapitalFact).where(CapitalFact.project_id == project.id)).all():
        counts = (1, int(fact.committed_pledges > 0), int(fact.paid_pledges > 0))
        for region_id, status, sign in _sides(project, region_before, status_before):
            corridor = {"origin_country_id": fact.origin_country_id, "region_id": region_id, "month": fact.month,
                        "status": status}
            _corridor_membership(corridor, fact.investor_id,
                                 {name: sign * value for name, value in zip(MEMBER_COUNTS, counts, strict=True)})


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
