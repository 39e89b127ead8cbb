"""Keeping `dashboard_impact_facts` equal to what the impact tables say, in the transaction that changes them.

`impact.events` announces a framework confirmed or reopened and every status step of a reported value; the
observer recomputes the rows of that framework or that project indicator from the impact tables (four
statements: delete, two reads, insert). Each row also carries its project's keys (country, region, sector,
programme), which follow the project when it moves. `rebuild` recomputes the whole table the same way, and
`drift` compares without writing, for the tests and after a bulk load. Rows exist only for numeric indicators of
confirmed frameworks: an unconfirmed framework's targets may still change, so they count nowhere.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import BigInteger, and_, case, delete, event, func, insert, inspect, select, type_coerce, update
from sqlalchemy.orm import Session

from marketplace.dashboards.impact_models import FACT_COLUMNS, NO_NEXT_PERIOD, PROJECT_KEY_COLUMNS, ImpactFact
from marketplace.extensions import db
from marketplace.impact.models import (
    NUMERIC_MEASURES,
    Indicator,
    ProjectIndicator,
    ReportedValue,
    ReportingPeriod,
    ResultsFramework,
    Target,
    ValuePart,
)
from marketplace.impact.reporting import counted
from marketplace.projects.models import Project

WOMEN = ("sex", "female")
YOUTH = ("age_band", "15-24")  # domain-facts b.6: youth is 15 to 24


def on_results_change(framework_id: int, project_indicator_id: int | None = None) -> None:
    """Recompute the rows of one project indicator, or of a whole framework (confirmed, reopened)."""
    # The rows copy the project's keys: read under a share lock taken before any row is touched, so that a move of
    # the project waits for this transaction (and its UPDATE of the rows then sees the new ones), or this one for
    # the move (and reads the keys it leaves).
    db.session.execute(select(Project.id).where(Project.id == select(ResultsFramework.project_id).where(
        ResultsFramework.id == framework_id).scalar_subquery()).with_for_update(read=True))
    if project_indicator_id is not None:
        where = ProjectIndicator.id == project_indicator_id
        stale = ImpactFact.project_indicator_id == project_indicator_id
    else:
        where = ProjectIndicator.framework_id == framework_id
        stale = ImpactFact.project_indicator_id.in_(
            select(ProjectIndicator.id).where(ProjectIndicator.framework_id == framework_id))
    db.session.execute(delete(ImpactFact).where(stale).execution_options(synchronize_session=False))
    _insert(compute_rows(where))


# A project that changes country, region, sector or programme (a listing edit, a script) takes its rows along:
# noted before the flush that writes the change, and copied from the project right after it, in its transaction.
@event.listens_for(Session, "before_flush")
def _note_key_changes(session, flush_context, instances) -> None:
    moved = session.info.setdefault("impact_key_moves", set())
    for obj in session.dirty:
        if isinstance(obj, Project) and any(inspect(obj).attrs[name].history.has_changes()
                                            for name in PROJECT_KEY_COLUMNS):
            moved.add(obj.id)


@event.listens_for(Session, "after_flush_postexec")
def _move_key_rows(session, flush_context) -> None:
    moved = session.info.pop("impact_key_moves", None)
    if moved:
        copy = {name: select(getattr(Project, name)).where(Project.id == ImpactFact.project_id).scalar_subquery()
                for name in PROJECT_KEY_COLUMNS}
        session.execute(update(ImpactFact).where(ImpactFact.project_id.in_(sorted(moved))).values(copy)
                        .execution_options(synchronize_session=False))


def rebuild() -> int:
    """Recompute the whole table (after a bulk load, or to repair); returns the number of rows."""
    db.session.execute(delete(ImpactFact).execution_options(synchronize_session=False))
    rows = compute_rows()
    _insert(rows)
    return len(rows)


def drift(limit: int = 20) -> list[tuple]:
    """Rows where the table and a fresh computation differ (key, stored, expected); empty when in step."""
    columns = [getattr(ImpactFact, name) for name in FACT_COLUMNS]
    stored = {tuple(row[:2]): tuple(row) for row in db.session.execute(select(*columns))}
    expected = {(row["project_indicator_id"], row["period_id"]): tuple(row[name] for name in FACT_COLUMNS)
                for row in compute_rows()}
    keys = sorted(set(stored) | set(expected))
    return [(key, stored.get(key), expected.get(key)) for key in keys if stored.get(key) != expected.get(key)][:limit]


def _insert(rows: list[dict]) -> None:
    for start in range(0, len(rows), 5_000):
        db.session.execute(insert(ImpactFact), rows[start:start + 5_000])


def _raw(column):
    """A ScaledDecimal column as its stored whole number of ten-thousandths (sums stay exact integers)."""
    return type_coerce(column, BigInteger)


def compute_rows(where=None) -> list[dict]:
    """The table's rows for the project indicators matching `where` (all when None), from the impact tables."""
    counted_value = and_(ReportedValue.project_indicator_id == ProjectIndicator.id,
                         ReportedValue.period_id == ReportingPeriod.id, counted())
    cells = (
        select(ProjectIndicator.id, ReportingPeriod.id, ResultsFramework.project_id, ProjectIndicator.indicator_id,
               ReportingPeriod.starts_on, ReportingPeriod.ends_on, _raw(Target.value).label("target"),
               ReportedValue.id, _raw(ReportedValue.value).label("actual"),
               *(getattr(Project, name) for name in PROJECT_KEY_COLUMNS))
        .select_from(ProjectIndicator)
        .join(ResultsFramework, ProjectIndicator.framework_id == ResultsFramework.id)
        .join(Project, ResultsFramework.project_id == Project.id)
        .join(Indicator, ProjectIndicator.indicator_id == Indicator.id)
        .join(ReportingPeriod, ReportingPeriod.framework_id == ProjectIndicator.framework_id)
        .outerjoin(Target, and_(Target.project_indicator_id == ProjectIndicator.id,
                                Target.period_id == ReportingPeriod.id))
        .outerjoin(ReportedValue, counted_value)
        .where(ResultsFramework.confirmed_at.is_not(None), Indicator.measure.in_(NUMERIC_MEASURES))
    )
    if where is not None:
        cells = cells.where(where)
    cells = list(db.session.execute(cells))
    parts = _parts([row[7] for row in cells if row[7] is not None and row[8] is not None], where)
    by_indicator: dict[int, list] = defaultdict(list)
    for row in cells:
        by_indicator[row[0]].append(row)
    found = []
    for periods in by_indicator.values():
        found += _running(sorted(periods, key=lambda row: row[5]), parts)
    return found


def _parts(value_ids: Iterable[int], where) -> dict[int, tuple[int, int, int, int]]:
    """Per counted value: (women, total split by sex, youth, total split by age band), in one statement."""
    if not value_ids:
        return {}
    value = _raw(ValuePart.value)

    def part(dimension, category=None):
        test = ValuePart.dimension == dimension
        if category is not None:
            test = and_(test, ValuePart.category == category)
        return func.coalesce(func.sum(case((test, value), else_=0)), 0)

    query = (select(ValuePart.reported_value_id, part(*WOMEN), part("sex"), part(*YOUTH), part("age_band"))
             .join(ReportedValue, ValuePart.reported_value_id == ReportedValue.id)
             .join(ProjectIndicator, ReportedValue.project_indicator_id == ProjectIndicator.id)
             .where(counted(), ValuePart.dimension.in_(("sex", "age_band")))
             .group_by(ValuePart.reported_value_id))
    if where is not None:
        query = query.where(where)
    return {row[0]: tuple(int(v) for v in row[1:]) for row in db.session.execute(query)}


def _running(periods: list, parts: dict) -> list[dict]:
    """The rows of one project indicator, its periods in order, with the running figures."""
    rows = []
    run = {"run_targets": 0, "run_target": 0, "run_target_max": None, "run_counted": 0, "run_actual": 0,
           "run_actual_max": None, "last_actual": None, "last_actual_day": None, "run_women": 0,
           "run_sex_known": 0, "run_youth": 0, "run_age_known": 0}
    keys = dict(zip(PROJECT_KEY_COLUMNS, periods[0][9:], strict=True))
    for index, (pi_id, period_id, project_id, indicator_id, starts_on, ends_on, target, value_id, actual, *_) in \
            enumerate(periods):
        actual = actual if value_id is not None else None
        women, sex_known, youth, age_known = parts.get(value_id, (0, 0, 0, 0)) if actual is not None else (0, 0, 0, 0)
        if target is not None:
            run["run_targets"] += 1
            run["run_target"] += target
            run["run_target_max"] = target if run["run_target_max"] is None else max(run["run_target_max"], target)
        if actual is not None:
            run["run_counted"] += 1
            run["run_actual"] += actual
            run["run_actual_max"] = actual if run["run_actual_max"] is None else max(run["run_actual_max"], actual)
            run["last_actual"], run["last_actual_day"] = actual, ends_on.toordinal()
        for name, amount in (("run_women", women), ("run_sex_known", sex_known), ("run_youth", youth),
                             ("run_age_known", age_known)):
            run[name] += amount
        following = periods[index + 1][5].toordinal() if index + 1 < len(periods) else NO_NEXT_PERIOD
        rows.append({"project_indicator_id": pi_id, "period_id": period_id, "project_id": project_id,
                     "indicator_id": indicator_id, **keys, "starts_day": starts_on.toordinal(),
                     "ends_day": ends_on.toordinal(), "next_ends_day": following, "target": target,
                     "actual": actual, "women": women, "sex_known": sex_known, "youth": youth,
                     "age_known": age_known, **run})
    return rows
