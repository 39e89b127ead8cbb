"""The read functions behind the impact dashboard page and its CSV files: verified actuals against targets.

What counts: only counted values (`impact.reporting.counted()`: approved, then verified), through the summary
`dashboard_impact_facts`, which holds numeric indicators of confirmed frameworks only.

The window: a value and a target belong to their reporting period, and a period belongs to the window its
last day falls in (as `verified_actuals`). Only periods that have ended by yesterday count, so the target
shown is what was due by now: pro rata by whole periods elapsed (a period still running is not yet due, and
its value is not yet a result). Without a window, every ended period counts.

The roll-up, in `roll_up` below and nowhere else:
1. per project and indicator, the counted values of the window's periods are combined by the indicator's own
   rule, as `reporting.aggregate` does (sum, average, latest, maximum); its targets for the same periods are
   combined by the same rule;
2. across the projects of a group, additive measures (units, currency) are summed, whatever the rule: flows
   summed over periods (jobs created) add up, and so do levels (people employed now, the latest value) and
   peaks of distinct projects; percentages are averaged over the projects (a rate never adds up).
Actuals and targets are rolled up separately: a project with a target due and no counted value adds to the
target and not to the actual, so unverified results show as a shortfall.

Behind target: a project's indicator whose target due is above zero and whose counted actual is missing or
below 80 percent of it (above 120 percent for indicators where lower is better).

Jobs: the jobs-created indicator's counted values and their parts; the share of women is the female part over
the values split by sex, the share of youth the 15 to 24 part over the values split by age band (values not
split are left out of the share, and the coverage says how much of the total was split).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, Float, and_, case, cast, false, func, literal, or_, select, union_all
from sqlalchemy.orm import aliased

from marketplace.dashboards.impact_models import PROJECT_KEY_COLUMNS, ImpactFact
from marketplace.dashboards.queries import JOBS_INDICATOR, Scope
from marketplace.extensions import db
from marketplace.impact.models import ADDITIVE_MEASURES, Indicator
from marketplace.projects.models import Project

BEHIND_FRACTION = Decimal("0.8")  # behind when the actual is under 80 percent of the target due
BEHIND_LIMIT = 100  # projects listed; the count says how many there are in all
SCALE = Decimal(10_000)  # dashboard_impact_facts stores ten-thousandths
DIMENSIONS = {"region": _l("Region"), "sector": _l("Sector"), "programme": _l("Programme")}
TABLES = ("indicators", *DIMENSIONS, "jobs", "behind")


# --- filters ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ImpactFilters:
    """What the viewer narrowed the figures to; every value was checked against the allowed options."""

    country_id: int | None = None
    region_id: int | None = None
    sector_id: int | None = None
    programme_id: int | None = None
    indicator_id: int | None = None
    month_from: str | None = None  # "YYYY-MM": periods ending in or after this month
    month_to: str | None = None  # "YYYY-MM": periods ending in or before this month

    def conditions(self, row) -> list:
        """The place, sector and programme filters on `row`: projects, or summary rows (which carry the keys)."""
        return [getattr(row, name) == getattr(self, name) for name in PROJECT_KEY_COLUMNS
                if getattr(self, name) is not None]

    def window(self, today: date) -> tuple[int | None, int]:
        """(first day or None, last day) as day ordinals; the last day is never later than yesterday."""
        first = date.fromisoformat(f"{self.month_from}-01").toordinal() if self.month_from else None
        last = (today - timedelta(days=1)).toordinal()
        if self.month_to:
            year, month = (int(part) for part in self.month_to.split("-"))
            following = date(year + month // 12, month % 12 + 1, 1)
            last = min(last, following.toordinal() - 1)
        return first, last

    def as_args(self) -> dict[str, str]:
        """The filters as query-string arguments (for the CSV links)."""
        names = {"country_id": "country", "region_id": "region", "sector_id": "sector", "programme_id": "programme",
                 "indicator_id": "indicator", "month_from": "from", "month_to": "to"}
        return {arg: str(getattr(self, name)) for name, arg in names.items() if getattr(self, name) is not None}


# --- the figures --------------------------------------------------------------------------------------------

@dataclass(slots=True)
class Cell:
    """Sums over the projects of one group for one indicator, straight from SQL (values in ten-thousandths)."""

    projects: int = 0
    actual_sum: int = 0
    actuals: int = 0
    target_sum: int = 0
    targets: int = 0
    behind: int = 0
    women: int = 0
    sex_known: int = 0
    youth: int = 0
    age_known: int = 0

    def add(self, other: Cell) -> None:
        # written out: a report adds a thousand cells four times each, and a loop over the fields cost 10 ms
        self.projects += other.projects
        self.actual_sum += other.actual_sum
        self.actuals += other.actuals
        self.target_sum += other.target_sum
        self.targets += other.targets
        self.behind += other.behind
        self.women += other.women
        self.sex_known += other.sex_known
        self.youth += other.youth
        self.age_known += other.age_known


@dataclass
class IndicatorInfo:
    id: int
    code: str
    name: str
    unit: str
    measure: str
    aggregation: str
    is_ascending: bool

    @property
    def label(self) -> str:
        return f"{self.code} · {self.name}"


@dataclass
class ImpactRow:
    """One group (or the whole scope) for one indicator: actual, target due, percent of target, projects behind."""

    key: int | None
    label: str
    indicator: IndicatorInfo
    projects: int
    actual: Decimal | None
    target: Decimal | None
    behind: int

    @property
    def percent(self) -> int | None:
        if self.actual is None or not self.target:
            return None
        return int((self.actual / self.target * 100).to_integral_value(rounding=ROUND_HALF_UP))


@dataclass
class JobsRow:
    key: int | None
    label: str
    jobs: Decimal | None
    target: Decimal | None
    women: Decimal
    sex_known: Decimal
    youth: Decimal
    age_known: Decimal

    @staticmethod
    def share(part: Decimal, whole: Decimal) -> Decimal | None:
        if not whole:
            return None
        return (part / whole * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def women_share(self) -> Decimal | None:
        return self.share(self.women, self.sex_known)

    @property
    def youth_share(self) -> Decimal | None:
        return self.share(self.youth, self.age_known)

    @property
    def sex_coverage(self) -> Decimal | None:
        return self.share(self.sex_known, self.jobs or Decimal(0))

    @property
    def age_coverage(self) -> Decimal | None:
        return self.share(self.age_known, self.jobs or Decimal(0))


@dataclass
class BehindRow:
    project_id: int
    title: str
    region: str
    indicator: IndicatorInfo
    actual: Decimal | None
    target: Decimal

    @property
    def percent(self) -> int | None:
        if self.actual is None:
            return None
        return int((self.actual / self.target * 100).to_integral_value(rounding=ROUND_HALF_UP))


@dataclass
class ImpactReport:
    indicators: list[ImpactRow]
    by: dict[str, list[ImpactRow]]
    jobs: list[JobsRow]
    jobs_total: JobsRow | None
    behind: list[BehindRow]
    behind_count: int
    first_day: date | None
    last_day: date
    indicator_info: dict[int, IndicatorInfo] = field(default_factory=dict)


def roll_up(indicator: IndicatorInfo, cell: Cell) -> tuple[Decimal | None, Decimal | None]:
    """A group's actual and target from its projects' figures: the one place where roll-up is decided.

    Additive measures add up over projects; percentages are the mean over the projects that have one.
    """
    def combine(total: int, count: int) -> Decimal | None:
        if not count:
            return None
        if indicator.measure in ADDITIVE_MEASURES:
            return Decimal(total) / SCALE
        return (Decimal(total) / count / SCALE).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)

    return combine(cell.actual_sum, cell.actuals), combine(cell.target_sum, cell.targets)


def indicator_catalogue() -> dict[int, IndicatorInfo]:
    """Every numeric indicator of the catalogue (active or not: old values still count), one statement."""
    from marketplace.impact.models import NUMERIC_MEASURES

    rows = db.session.scalars(select(Indicator).where(Indicator.measure.in_(NUMERIC_MEASURES))
                              .order_by(Indicator.code))
    return {i.id: IndicatorInfo(i.id, i.code, i.name, i.unit, i.measure, i.aggregation, i.is_ascending)
            for i in rows}


# --- SQL: one row per project indicator, as of the window ------------------------------------------------------

class _Window:
    """The per-project-indicator figures of a window as SQL expressions over the summary's "as of" rows.

    `last` is the row of the last period ending by the window's end (`ends_day <= end < next_ends_day`); with
    a start, `before` is the row of the last period ending before it, and the window is their difference.
    Each indicator's rule and direction are known here, so the SQL chooses by indicator id, without a join.
    """

    def __init__(self, first: int | None, end: int, indicators: dict[int, IndicatorInfo]):
        self.first, self.end = first, end
        self.last = aliased(ImpactFact, name="last")
        self.before = aliased(ImpactFact, name="before") if first is not None else None
        self.rules: dict[str, list[int]] = defaultdict(list)
        for info in indicators.values():
            self.rules[info.aggregation].append(info.id)
        self.ascending = sorted(info.id for info in indicators.values() if info.is_ascending)

    @staticmethod
    def _as_of(row, day: int):
        return and_(row.ends_day <= day, row.next_ends_day > day)

    def source(self, *columns):
        last, before = self.last, self.before
        query = select(*columns).select_from(last).where(self._as_of(last, self.end))
        if before is not None:
            query = query.where(last.ends_day >= self.first).outerjoin(
                before, and_(before.project_indicator_id == last.project_indicator_id,
                             self._as_of(before, self.first - 1)))
        return query.where(or_(self.delta("run_targets") > 0, self.delta("run_counted") > 0))

    def delta(self, name: str):
        """A running figure over the window: last minus before."""
        value = getattr(self.last, name)
        if self.before is None:
            return value
        return value - func.coalesce(getattr(self.before, name), 0)

    def _maximum(self, kind: str):
        """Highest value in the window: the running maximum, unless it was reached before the window starts."""
        running = getattr(self.last, f"run_{kind}_max")
        if self.before is None:
            return running
        earlier = getattr(self.before, f"run_{kind}_max")
        inner = aliased(ImpactFact, name=f"inner_{kind}")
        exact = (select(func.max(getattr(inner, kind)))
                 .where(inner.project_indicator_id == self.last.project_indicator_id,
                        inner.ends_day.between(self.first, self.end)).scalar_subquery())
        return case((or_(earlier.is_(None), running > earlier), running), else_=exact)

    def figure(self, kind: str):
        """The project's actual ("actual") or target ("target") by the indicator's rule, in ten-thousandths."""
        count, total = (("run_counted", "run_actual") if kind == "actual" else ("run_targets", "run_target"))
        n, s = self.delta(count), self.delta(total)
        if kind == "actual":
            latest = self.last.last_actual
            if self.before is not None:
                latest = case((self.last.last_actual_day >= self.first, latest))
        else:
            latest = self.last.target
        by_rule = {"sum": lambda: s, "average": lambda: cast(func.round(s * literal(1.0) / n), BigInteger),
                   "maximum": lambda: self._maximum(kind), "latest": lambda: latest}
        branches = [(self.last.indicator_id.in_(ids), by_rule[rule]()) for rule, ids in sorted(self.rules.items())
                    if rule in by_rule]
        return case((n <= 0, None), *branches) if branches else literal(None, BigInteger)


def _in_scope(scope: Scope, filters: ImpactFilters, row) -> list:
    """The scope and the place filters on summary rows.

    PostgreSQL reads the rows' own keys, which the "as of" index carries, and reaches an organisation's projects
    (owned, banked, financed, partnered) through one list of ids. SQLite's indexes carry no extra columns: it finds
    the rows fastest project by project, so there every condition goes through the projects it allows (on a
    region, 10 ms instead of 100 at 200,000 reported values).
    """
    # (a public-only scope means public projects only, whatever else it names: as `Scope.condition`)
    if db.session.get_bind().dialect.name != "postgresql" or scope.public_only:
        return [row.project_id.in_(select(Project.id).where(scope.condition(), *filters.conditions(Project)))]
    if scope.everything:
        return filters.conditions(row)
    parts = [row.country_id.in_(sorted(scope.country_ids))] if scope.country_ids else []
    rest = replace(scope, country_ids=frozenset())
    if not rest.is_empty:
        parts.append(row.project_id.in_(select(Project.id).where(rest.condition())))
    return [or_(*parts) if parts else false(), *filters.conditions(row)]


def _per_indicator(scope: Scope, filters: ImpactFilters, window: _Window):
    """One row per project indicator with something in the window: its keys and figures, computed once."""
    last = window.last
    columns = [last.project_id, last.region_id, last.sector_id, last.programme_id, last.indicator_id,
               window.figure("actual").label("actual"), window.figure("target").label("target")]
    columns += [window.delta(f"run_{name}").label(name) for name in ("women", "sex_known", "youth", "age_known")]
    query = window.source(*columns).where(*_in_scope(scope, filters, last))
    if filters.indicator_id is not None:
        query = query.where(window.last.indicator_id == filters.indicator_id)
    return query.cte("per_indicator")


def _behind_test(per, window: _Window):
    """Behind target (see the module's docstring): under 80 percent, or over 120 where lower is better."""
    actual, target = per.c.actual, per.c.target
    ascending = per.c.indicator_id.in_(window.ascending)
    return and_(target > 0, or_(actual.is_(None), and_(ascending, actual * 5 < target * 4),
                                and_(~ascending, actual * 5 > target * 6)))


def _cells_and_behind(per, window: _Window) -> tuple[dict[tuple, Cell], list]:
    """In one statement, so the summary is read once: per (region, sector, programme, indicator) the sums
    `roll_up` needs, then the first projects behind target, worst first (chosen on the summary alone; only those
    are joined to their projects for a name)."""
    keys = (per.c.region_id, per.c.sector_id, per.c.programme_id, per.c.indicator_id)
    behind = _behind_test(per, window)
    nothing = literal(None, BigInteger)

    def total(column):
        # whole numbers: PostgreSQL sums bigints as numeric, which the driver would turn into Decimals one by one
        return cast(func.coalesce(func.sum(column), 0), BigInteger)

    sums = select(literal(0).label("part"), *keys, func.count(), total(per.c.actual), func.count(per.c.actual),
                  total(per.c.target), func.count(per.c.target), total(case((behind, 1), else_=0)),
                  *(total(per.c[name]) for name in ("women", "sex_known", "youth", "age_known")),
                  nothing.label("project_id"), literal(None, Float).label("rank")).group_by(*keys)
    actual, target = per.c.actual, per.c.target
    ascending = per.c.indicator_id.in_(window.ascending)
    # worst first: no value, then furthest off (in floating point: only the order counts, and numeric division
    # of every project indicator's figures cost PostgreSQL more than the rest of the ranking)
    order = case((actual.is_(None), -1.0), (ascending, cast(actual, Float) / cast(target, Float)),
                 else_=cast(target, Float) / cast(func.nullif(actual, 0), Float))
    worst = (select(per.c.project_id, per.c.region_id, per.c.indicator_id, actual, target, order.label("rank"))
             .where(behind).order_by(order, per.c.project_id, per.c.indicator_id).limit(BEHIND_LIMIT)
             .subquery("worst"))
    first = select(literal(1).label("part"), worst.c.region_id, nothing, nothing, worst.c.indicator_id,
                   worst.c.actual, worst.c.target, *(nothing for _ in range(8)), worst.c.project_id, worst.c.rank)
    cells, worst_rows = {}, []
    for row in db.session.execute(union_all(sums, first)):
        if row[0] == 0:
            cells[tuple(row[1:5])] = Cell(*row[5:15])
        else:
            worst_rows.append(row)
    worst_rows.sort(key=lambda row: (row[16], row[15], row[4]))
    # (project, region, indicator, actual, target)
    return cells, [(row[15], row[1], row[4], row[5], row[6]) for row in worst_rows]


# --- the report ---------------------------------------------------------------------------------------------

def impact_report(scope: Scope, filters: ImpactFilters | None = None, *, today: date | None = None,
                  indicators: dict[int, IndicatorInfo] | None = None, labels: dict | None = None) -> ImpactReport:
    """Every table of the impact dashboard. Four statements whatever the data size (cells, behind, region names,
    and the indicator catalogue unless given)."""
    filters = filters or ImpactFilters()
    today = today or date.today()
    indicators = indicators if indicators is not None else indicator_catalogue()
    window = _Window(*filters.window(today), indicators)
    per = _per_indicator(scope, filters, window)
    cells, behind_rows = _cells_and_behind(per, window)
    labels = dict(labels or {})
    region_ids = {key[0] for key in cells} | {row[1] for row in behind_rows}
    labels["region"] = _region_names(region_ids)
    per_indicator: dict[int, Cell] = defaultdict(Cell)
    per_group: dict[str, dict[tuple, Cell]] = {name: defaultdict(Cell) for name in DIMENSIONS}
    for (region, sector, programme, indicator_id), cell in cells.items():
        if indicator_id not in indicators:
            continue
        per_indicator[indicator_id].add(cell)
        for name, key in (("region", region), ("sector", sector), ("programme", programme)):
            per_group[name][(key, indicator_id)].add(cell)
    indicator_rows = [_row(None, info.label, info, per_indicator[info.id])
                      for info in indicators.values() if info.id in per_indicator]
    by = {}
    for name, groups in per_group.items():
        rows = [_row(key, _label(labels, name, key), indicators[indicator_id], cell)
                for (key, indicator_id), cell in groups.items()]
        by[name] = sorted(rows, key=lambda row: (row.label, row.indicator.code))
    jobs, jobs_total = _jobs(indicators, per_group["region"], per_indicator, labels)
    titles = _titles({row[0] for row in behind_rows})
    behind = [BehindRow(project_id, titles.get(project_id, ""), labels["region"].get(region_id, ""),
                        indicators[indicator_id], _number(actual), _number(target))
              for project_id, region_id, indicator_id, actual, target in behind_rows if indicator_id in indicators]
    first, last = window.first, window.end
    behind_count = sum(cell.behind for cell in per_indicator.values())
    return ImpactReport(indicator_rows, by, jobs, jobs_total, behind, behind_count,
                        date.fromordinal(first) if first else None, date.fromordinal(last), indicators)


def _row(key, label: str, info: IndicatorInfo, cell: Cell) -> ImpactRow:
    actual, target = roll_up(info, cell)
    return ImpactRow(key, label, info, cell.projects, actual, target, cell.behind)


def _jobs(indicators, by_region: dict[tuple, Cell], per_indicator: dict[int, Cell], labels) -> tuple:
    jobs_id = next((info.id for info in indicators.values() if info.code == JOBS_INDICATOR), None)
    if jobs_id is None or jobs_id not in per_indicator:
        return [], None
    info = indicators[jobs_id]

    def jobs_row(key, label, cell):
        actual, target = roll_up(info, cell)
        return JobsRow(key, label, actual, target, *(Decimal(getattr(cell, name)) / SCALE
                                                     for name in ("women", "sex_known", "youth", "age_known")))

    rows = [jobs_row(region, _label(labels, "region", region), cell)
            for (region, indicator_id), cell in by_region.items() if indicator_id == jobs_id]
    return sorted(rows, key=lambda row: row.label), jobs_row(None, "", per_indicator[jobs_id])


def _number(value) -> Decimal | None:
    return None if value is None else Decimal(int(value)) / SCALE


def _label(labels: dict, dimension: str, key) -> str:
    from flask_babel import gettext as _

    if key is None:
        return _("No programme") if dimension == "programme" else "—"
    return labels.get(dimension, {}).get(key, str(key))


def _titles(ids) -> dict[int, str]:
    """Project titles in the reader's language where translated, in one statement (none without ids)."""
    from marketplace.i18n import current_language

    if not ids:
        return {}
    wanted = current_language()
    rows = db.session.execute(select(Project.id, Project.title, Project.language, Project.translations)
                              .where(Project.id.in_(sorted(ids))))
    return {row[0]: (((row[3] or {}).get(wanted) or {}).get("title") if wanted != row[2] else None) or row[1]
            for row in rows}


def _region_names(ids) -> dict[int, str]:
    from marketplace.reference.models import Region

    ids = sorted(i for i in ids if i is not None)
    return {r.id: r.name for r in db.session.scalars(select(Region).where(Region.id.in_(ids or [0])))}

