"""Keeping the dashboards' summary tables equal to what the pledges say, in the transaction that changes a pledge.

`pledges.lifecycle` announces every new pledge and every state step to its observers; `on_pledge_change`
turns the step into a delta of the investor's fact row, and the fact row's before and after (read back with
RETURNING, no extra statement) say whether the investor enters or leaves the cell's counts, so each change
costs two statements: one on `dashboard_capital_facts`, one on `dashboard_capital_cells`. A dashboard never
reads raw pledges and is never stale. `rebuild` recomputes both tables from the pledges (after a bulk load or
to repair), and `drift` compares them with the pledges without writing, which the tests and
`flask dashboards check` use.
"""

from __future__ import annotations

from datetime import UTC
from typing import NamedTuple

from sqlalchemy import case, delete, func, insert, literal_column, select, update

from marketplace.dashboards.models import UNKNOWN_ORIGIN, CapitalCell, CapitalFact
from marketplace.extensions import db
from marketplace.pledges.models import Pledge

ACTIVE = ("offered", "committed", "collecting", "paid")
COMMITTED = ("committed", "collecting", "paid")
COLLECTED = ("paid",)
KEY = ("project_id", "origin_country_id", "month", "investor_id")
CELL_KEY = KEY[:3]
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
    entering = {name: int(now > 0) - int(was > 0) for name, now, was in zip(
        ("investors", "committed_investors", "paid_investors"), new, old, strict=True)}
    cell_key = {name: key[name] for name in CELL_KEY}
    _apply(CapitalCell, CELL_KEY, cell_key, changes | entering)


def _apply(model, key_names: tuple[str, ...], key: dict, changes: dict) -> tuple[int, int, int]:
    """Add `changes` to the row at `key` (creating it, or deleting it when its last pledge goes) in one
    statement; returns the row's pledges, committed and paid pledges afterwards (zeros once deleted)."""
    counted = (model.pledges, model.committed_pledges, model.paid_pledges)
    if changes["pledges"] > 0:
        return tuple(db.session.execute(_upsert(model, key_names, key, changes).returning(*counted)).one())
    where = [getattr(model, name) == value for name, value in key.items()]
    if changes["pledges"] < 0:
        gone = db.session.execute(delete(model).where(*where, model.pledges == -changes["pledges"])
                                  .returning(model.pledges).execution_options(synchronize_session=False)).all()
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


def _from_pledges():
    """The table's rows computed from the raw pledges: the reference the incremental rows must equal."""
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


def rebuild() -> int:
    """Recompute both tables from the pledges, each in one INSERT … SELECT; returns the number of cells."""
    for model in (CapitalCell, CapitalFact):
        db.session.execute(delete(model).execution_options(synchronize_session=False))
    db.session.execute(insert(CapitalFact).from_select([*KEY, *MEASURES], _from_pledges()))
    db.session.execute(insert(CapitalCell).from_select([*CELL_KEY, *CELL_MEASURES], _cells_from_facts()))
    return db.session.scalar(select(func.count()).select_from(CapitalCell))


def drift(limit: int = 20) -> list[tuple]:
    """Rows where a table and a fresh computation differ (table, key, stored, expected); empty when in step."""
    differences = []
    for model, key_names, names, reference in ((CapitalFact, KEY, MEASURES, _from_pledges()),
                                               (CapitalCell, CELL_KEY, CELL_MEASURES, _cells_from_facts())):
        width = len(key_names)
        stored = {tuple(row[:width]): tuple(int(v) for v in row[width:]) for row in db.session.execute(
            select(*(getattr(model, name) for name in (*key_names, *names))))}
        expected = {tuple(row[:width]): tuple(int(v) for v in row[width:]) for row in db.session.execute(reference)}
        differences += [(model.__tablename__, key, stored.get(key), expected.get(key))
                        for key in sorted(set(stored) | set(expected), key=str)
                        if stored.get(key) != expected.get(key)]
    return differences[:limit]
