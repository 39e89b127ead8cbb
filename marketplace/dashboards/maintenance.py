"""Keeping `dashboard_capital_facts` equal to what the pledges say, in the transaction that changes a pledge.

`pledges.lifecycle` announces every new pledge and every state step to its observers; `on_pledge_change`
turns the step into a delta of the investor's row (one upsert, or one UPDATE / one DELETE), so a dashboard
never reads raw pledges and is never stale. `rebuild` recomputes the whole table from the pledges (after a
bulk load or to repair), and `drift` compares the two without writing, which the tests and
`flask dashboards check` use.
"""

from __future__ import annotations

from datetime import UTC
from typing import NamedTuple

from sqlalchemy import case, delete, func, insert, literal_column, select, update

from marketplace.dashboards.models import UNKNOWN_ORIGIN, CapitalFact
from marketplace.extensions import db
from marketplace.pledges.models import Pledge

ACTIVE = ("offered", "committed", "collecting", "paid")
COMMITTED = ("committed", "collecting", "paid")
COLLECTED = ("paid",)
KEY = ("project_id", "origin_country_id", "month", "investor_id")
MEASURES = ("pledges", "committed_pledges", "paid_pledges", "pledged_minor", "committed_minor", "collected_minor")


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
    """Apply the difference between the pledge's old and new contribution to its row (same transaction)."""
    before, after = contribution(source, pledge.amount_minor), contribution(target, pledge.amount_minor)
    delta = Contribution(*(a - b for a, b in zip(after, before, strict=True)))
    if delta == NOTHING:
        return
    key = {"project_id": pledge.project_id, "origin_country_id": pledge.residence_country_id or UNKNOWN_ORIGIN,
           "month": month_of(pledge), "investor_id": pledge.investor_id}
    if delta.pledges > 0:
        _upsert(key, delta)
        return
    where = [getattr(CapitalFact, name) == value for name, value in key.items()]
    if delta.pledges < 0:
        gone = db.session.execute(delete(CapitalFact).where(*where, CapitalFact.pledges == -delta.pledges)
                                  .execution_options(synchronize_session=False)).rowcount
        if gone == 1:
            return
    changed = db.session.execute(
        update(CapitalFact).where(*where)
        .values({name: getattr(CapitalFact, name) + value for name, value in delta._asdict().items() if value})
        .execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        raise RuntimeError(f"dashboard_capital_facts has no row for pledge {pledge.id}: run `flask dashboards rebuild`")


def _upsert(key: dict, delta: Contribution) -> None:
    """Insert the row or add to it, atomically on both databases (INSERT … ON CONFLICT DO UPDATE)."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    statement = dialect_insert(CapitalFact).values(**key, **delta._asdict())
    table = CapitalFact.__table__
    statement = statement.on_conflict_do_update(
        index_elements=list(KEY),
        set_={name: table.c[name] + statement.excluded[name] for name in MEASURES})
    db.session.execute(statement)


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


def rebuild() -> int:
    """Recompute the whole table from the pledges in one INSERT … SELECT; returns the number of rows."""
    db.session.execute(delete(CapitalFact).execution_options(synchronize_session=False))
    db.session.execute(insert(CapitalFact).from_select([*KEY, *MEASURES], _from_pledges()))
    return db.session.scalar(select(func.count()).select_from(CapitalFact))


def drift(limit: int = 20) -> list[tuple]:
    """Rows where the table and a fresh computation differ (key, stored, expected); empty when in step."""
    stored = {tuple(row[:4]): tuple(int(v) for v in row[4:]) for row in db.session.execute(
        select(*(getattr(CapitalFact, name) for name in (*KEY, *MEASURES))))}
    expected = {tuple(row[:4]): tuple(int(v) for v in row[4:]) for row in db.session.execute(_from_pledges())}
    differences = [(key, stored.get(key), expected.get(key)) for key in sorted(set(stored) | set(expected), key=str)
                   if stored.get(key) != expected.get(key)]
    return differences[:limit]

