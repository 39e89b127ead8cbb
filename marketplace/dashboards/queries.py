"""The one set of read functions behind the dashboard pages, their CSV files and the public totals.

Every figure is read from the summary tables (never from raw pledges), restricted to a `Scope` (what
the viewer may see) and to `CapitalFilters`, converted to the reporting currency with the stored reference
rates, and passed through the privacy rule: a figure that describes fewer than 5 investors is replaced by
the reason it is hidden, and when a single figure of a column is hidden a second one is too, so that it
cannot be worked out from the total.

A table costs one statement over the summary whatever the number of pledges: the corridor reads the cells
(project, residence, month), every other table and the totals read the project months, whose number follows
the projects and not the pledges. Both count distinct investors within each row; a table's "investors" adds
them up, so an investor is counted once for each project and month they pledged in. Whether a figure
describes fewer than 5 *distinct* investors is still decided exactly: a row with a cell of 5 or more
investors has at least 5, a row whose cells add up to fewer than 5 has fewer, and only the rows in between
(every cell under 5, together 5 or more) are settled over `dashboard_capital_facts`, restricted to those rows'
keys: one statement for each bucket (pledged, committed, collected) that has such rows, reading only its rows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, false, func, literal_column, or_, select, true

from marketplace.dashboards.models import (
    UNKNOWN_ORIGIN,
    CapitalCell,
    CapitalFact,
    CapitalProjectMonth,
    CorridorMember,
    CorridorReach,
    CorridorSums,
)
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.money import exponent
from marketplace.projects.access import PUBLIC_STATUSES
from marketplace.projects.models import INSTRUMENTS, Project, ProjectSdg

REPORTING_CURRENCY = "EUR"
MIN_INVESTORS = 5
FUNDED_STATUSES = ("funded", "in_implementation", "completed")
JOBS_INDICATOR = "PI3687"  # IRIS+ "Jobs created"
MEASURES = ("pledged", "committed", "collected")
DIMENSIONS = {
    "corridor": _l("Corridor (residence of the investor → region of the project)"),
    "sector": _l("Sector"),
    "region": _l("Region"),
    "programme": _l("Programme"),
    "instrument": _l("Instrument"),
    "month": _l("Month pledged"),
}
TABS = {"corridor": _l("Corridor"), "sector": _l("Sector"), "region": _l("Region"), "programme": _l("Programme"),
        "instrument": _l("Instrument"), "month": _l("Month")}


# --- who sees what ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scope:
    """The projects a viewer's figures may describe: all, those of some countries or organisations, or public."""

    everything: bool = False
    country_ids: frozenset[int] = frozenset()
    organisation_ids: frozenset[int] = frozenset()
    public_only: bool = False

    @property
    def is_empty(self) -> bool:
        return not (self.everything or self.country_ids or self.organisation_ids or self.public_only)

    def condition(self):
        if self.everything:
            return true()
        if self.public_only:
            return Project.status.in_(PUBLIC_STATUSES)
        parts = []
        if self.country_ids:
            parts.append(Project.country_id.in_(sorted(self.country_ids)))
        if self.organisation_ids:
            from marketplace.ppp.models import FinancingComponent
            from marketplace.ppp.partner_models import PartnerRole

            ids = sorted(self.organisation_ids)
            # owner, partner bank, a partner role, or a source of its financing plan (before its role is recorded)
            parts += [Project.organisation_id.in_(ids), Project.partner_bank_id.in_(ids),
                      Project.id.in_(select(PartnerRole.project_id).where(PartnerRole.organisation_id.in_(ids))),
                      Project.id.in_(select(FinancingComponent.project_id)
                                     .where(FinancingComponent.provider_organisation_id.in_(ids)))]
        return or_(*parts) if parts else false()


PUBLIC = Scope(public_only=True)


def scope_for(user) -> Scope:
    """Admins see all; authority reviewers their countries; partner members their organisations' projects (owned,
    banked, financed or with a partner role), on every dashboard alike."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Scope()
    if user.is_admin:
        return Scope(everything=True)
    countries, organisations = set(), set()
    for membership in user.memberships:
        organisation = membership.organisation
        if not organisation.is_active:
            continue
        if organisation.is_authority and organisation.country_id:
            countries.add(organisation.country_id)
        elif organisation.is_partner:
            organisations.add(organisation.id)
    return Scope(country_ids=frozenset(countries), organisation_ids=frozenset(organisations))


# --- filters ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CapitalFilters:
    """What the viewer narrowed the figures to; every value was checked against the allowed options."""

    country_id: int | None = None
    region_id: int | None = None
    sector_id: int | None = None
    programme_id: int | None = None
    sdg: int | None = None
    month_from: str | None = None  # "YYYY-MM", inclusive
    month_to: str | None = None
    status: str | None = None

    def conditions(self, table=CapitalProjectMonth) -> list:
        """SQL conditions on `Project` and on the summary table read (cells, or facts when settling privacy)."""
        found = []
        for column, value in ((Project.country_id, self.country_id), (Project.region_id, self.region_id),
                              (Project.sector_id, self.sector_id), (Project.programme_id, self.programme_id),
                              (Project.status, self.status)):
            if value is not None:
                found.append(column == value)
        if self.sdg is not None:
            found.append(Project.id.in_(select(ProjectSdg.project_id).where(ProjectSdg.goal == self.sdg)))
        if self.month_from:
            found.append(table.month >= self.month_from)
        if self.month_to:
            found.append(table.month <= self.month_to)
        return found

    def as_args(self) -> dict[str, str]:
        """The filters as query-string arguments (for the CSV links)."""
        names = {"country_id": "country", "region_id": "region", "sector_id": "sector", "programme_id": "programme",
                 "sdg": "sdg", "month_from": "from", "month_to": "to", "status": "state"}
        return {arg: str(getattr(self, name)) for name, arg in names.items() if getattr(self, name) is not None}


# --- currency -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RateUsed:
    currency: str
    rate: Decimal
    as_of: date | None
    source: str


class Converter:
    """Converts minor units to the reporting currency, reading each rate once; rounds half to even."""

    def __init__(self, quote: str = REPORTING_CURRENCY, on: date | None = None):
        self.quote, self.on = quote, on
        self.rates: dict[str, RateUsed] = {}
        self.missing: set[str] = set()

    def rate(self, currency: str) -> RateUsed | None:
        if currency not in self.rates and currency not in self.missing:
            from marketplace.reference.fx import rate_between

            try:
                rate, as_of, source = rate_between(currency, self.quote, self.on)
            except DomainError:
                self.missing.add(currency)
                return None
            self.rates[currency] = RateUsed(currency, rate, as_of, source)
        return self.rates.get(currency)

    def __call__(self, minor: int, currency: str) -> int | None:
        used = self.rate(currency)
        if used is None:
            return None
        value = Decimal(minor).scaleb(-exponent(currency)) * used.rate
        return int(value.scaleb(exponent(self.quote)).to_integral_value(rounding=ROUND_HALF_EVEN))

    @property
    def rates_used(self) -> list[RateUsed]:
        return [used for currency, used in sorted(self.rates.items()) if currency != self.quote]


# --- figures and the privacy rule ---------------------------------------------------------------------------

@dataclass
class Figure:
    """One amount with the investors it describes; `hidden` says why it is not shown.

    `investors` adds up the rows' distinct investors (an investor counts once per project and month);
    `distinct` is a lower bound of the distinct investors, exact whenever it is below 5, which is
    all the privacy rule needs.
    """

    minor: int | None
    investors: int
    distinct: int | None = None
    hidden: str | None = None

    def __post_init__(self):
        if self.distinct is None:
            self.distinct = self.investors

    @property
    def shown_minor(self) -> int | None:
        return None if self.hidden else self.minor

    @property
    def shown_investors(self) -> int | None:
        return None if self.hidden else self.investors


@dataclass
class CapitalRow:
    key: tuple
    label: str
    pledges: int
    pledged: Figure
    committed: Figure
    collected: Figure

    @property
    def shown_pledges(self) -> int | None:
        return None if self.pledged.hidden else self.pledges

    def figure(self, measure: str) -> Figure:
        return getattr(self, measure)


@dataclass
class CapitalTable:
    dimension: str
    title: str
    rows: list[CapitalRow]
    total: CapitalRow
    currency: str
    rates: list[RateUsed] = field(default_factory=list)
    missing_rates: list[str] = field(default_factory=list)

    @property
    def hidden_count(self) -> int:
        return sum(1 for row in self.rows for m in MEASURES if row.figure(m).hidden)


def too_few_reason() -> str:
    return _("Hidden: fewer than %(n)s investors.", n=MIN_INVESTORS)


def complement_reason() -> str:
    return _("Hidden so that a smaller group cannot be worked out from the total.")


def suppress(rows: list[CapitalRow], total: CapitalRow) -> None:
    """Hide each figure describing 1 to 4 investors, then hide more of the same column while the hidden ones
    could be recovered from the total (a single hidden figure, or none of them describing 5 investors).

    A figure describing no investor (an empty bucket, amount 0) describes nobody and stays visible.
    """
    for measure in MEASURES:
        figure = total.figure(measure)
        if 0 < figure.distinct < MIN_INVESTORS:
            figure.hidden = too_few_reason()
        hidden = []
        for row in rows:
            cell = row.figure(measure)
            if 0 < cell.distinct < MIN_INVESTORS:
                cell.hidden = too_few_reason()
                hidden.append(cell)
        if not hidden or total.figure(measure).hidden:
            continue
        candidates = sorted((row.figure(measure) for row in rows
                             if row.figure(measure).distinct >= MIN_INVESTORS),
                            key=lambda cell: (cell.distinct, cell.minor or 0))
        # The hidden figures' investors may overlap (one person in two months), so their sum proves nothing:
        # hide more until one hidden figure alone describes 5 or more investors.
        while candidates and (len(hidden) == 1 or max(cell.distinct for cell in hidden) < MIN_INVESTORS):
            cell = candidates.pop(0)
            cell.hidden = complement_reason()
            hidden.append(cell)


# --- the queries --------------------------------------------------------------------------------------------

def summary_for(dimension: str | None):
    """The corridor needs the residence, so it reads the cells; everything else the smaller project months."""
    return CapitalCell if dimension == "corridor" else CapitalProjectMonth


def _dimension_keys(dimension: str, table=CapitalProjectMonth) -> list:
    if dimension == "corridor":
        return [table.origin_country_id, Project.region_id]
    if dimension == "month":
        return [table.month]
    return [{"sector": Project.sector_id, "region": Project.region_id, "programme": Project.programme_id,
             "instrument": Project.instrument}[dimension]]


def _base(scope: Scope, filters: CapitalFilters, *columns, table=CapitalProjectMonth):
    return (select(*columns).select_from(table).join(Project, Project.id == table.project_id)
            .where(scope.condition(), *filters.conditions(table)))


INVESTOR_COLUMNS = ("investors", "committed_investors", "paid_investors")
AMOUNT_COLUMNS = ("pledged_minor", "committed_minor", "collected_minor")


@dataclass
class _Sums:
    """A row's summary rows added up: pledges, amounts, the investors of each bucket (the sum shown) and
    bounds of its distinct investors: `lower` (the largest row's, or the corridor month's) and `upper`."""

    pledges: int = 0
    investors: list[int] = field(default_factory=lambda: [0, 0, 0])
    lower: list[int] = field(default_factory=lambda: [0, 0, 0])
    upper: list[int] | None = None
    amounts: dict[str, tuple[int, int, int]] = field(default_factory=dict)

    @property
    def upper_bound(self) -> list[int]:
        return self.investors if self.upper is None else self.upper


def _sums(dimension: str | None, scope: Scope, filters: CapitalFilters) -> dict[tuple, _Sums]:
    """Per key: the summary rows' sums per project currency, in one statement."""
    cell = summary_for(dimension)
    keys = _dimension_keys(dimension, cell) if dimension else []
    query = _base(scope, filters, *keys, Project.currency, func.sum(cell.pledges),
                  *(func.sum(getattr(cell, name)) for name in INVESTOR_COLUMNS),
                  *(func.max(getattr(cell, name)) for name in INVESTOR_COLUMNS),
                  *(func.sum(getattr(cell, name)) for name in AMOUNT_COLUMNS),
                  table=cell).group_by(*keys, Project.currency)
    width = len(keys)
    found: dict[tuple, _Sums] = defaultdict(_Sums)
    for row in db.session.execute(query):
        sums = found[tuple(row[:width])]
        values = [int(v or 0) for v in row[width + 1:]]
        sums.pledges += values[0]
        for i in range(3):
            sums.investors[i] += values[1 + i]
            sums.lower[i] = max(sums.lower[i], values[4 + i])
        sums.amounts[row[width]] = tuple(values[7:10])
    return found


def _keys_condition(columns: list, keys: list[tuple]):
    """Rows whose every column takes a value some key has (a NULL key, "no programme", matches NULL): a superset
    of the keys that costs little to plan, where a disjunction of one conjunction per key took PostgreSQL 15 ms
    for sixty corridors. The caller keeps only the groups it asked for."""
    conditions = []
    for i, column in enumerate(columns):
        values = {key[i] for key in keys}
        known = sorted(value for value in values if value is not None)
        parts = [column.in_(known)] if known else []
        if None in values:
            parts.append(column.is_(None))
        conditions.append(or_(*parts))
    return and_(*conditions)


# The fact column that puts a row in each bucket (pledged: every row, committed, collected), compared with a
# literal 0 so that the planner can match the partial indexes of the capital facts.
BUCKET_PLEDGES = (None, "committed_pledges", "paid_pledges")


def _distinct_investors(dimension: str | None, wanted: dict[int, list[tuple]], scope: Scope,
                        filters: CapitalFilters) -> dict[tuple, int]:
    """Exact distinct investors of the given rows and buckets only, from the fact rows: one statement per bucket
    asked, each reading only that bucket's rows."""
    fact = CapitalFact
    columns = _dimension_keys(dimension, fact) if dimension else []
    width = len(columns)
    found = {}
    for bucket, keys in sorted(wanted.items()):
        query = _base(scope, filters, *columns, func.count(func.distinct(fact.investor_id)), table=fact)
        if BUCKET_PLEDGES[bucket]:
            query = query.where(getattr(fact, BUCKET_PLEDGES[bucket]) > literal_column("0"))
        if columns:
            query = query.where(_keys_condition(columns, keys)).group_by(*columns)
        asked = set(keys)
        for row in db.session.execute(query):
            if tuple(row[:width]) in asked:
                found[(tuple(row[:width]), bucket)] = int(row[width] or 0)
    return found


def _unsettled_buckets(sums: _Sums) -> list[int]:
    """The buckets whose bounds alone cannot tell whether they have fewer than 5 distinct investors."""
    return [i for i, (lower, upper) in enumerate(zip(sums.lower, sums.upper_bound, strict=True))
            if lower < MIN_INVESTORS <= upper]


def _figures(dimension: str | None, scope: Scope, filters: CapitalFilters) -> dict[tuple, tuple[_Sums, list]]:
    """Per key: the sums and, per bucket, a lower bound of its distinct investors that is exact below 5."""
    if dimension == "corridor" and corridor_rows_serve(scope, filters):
        found = _corridor_sums(scope, filters)
        settle = _corridor_distinct_investors
    else:
        found = _sums(dimension, scope, filters)
        settle = _distinct_investors
    wanted: dict[int, list[tuple]] = defaultdict(list)
    for key, sums in found.items():
        for bucket in _unsettled_buckets(sums):
            wanted[bucket].append(key)
    settled = settle(dimension, wanted, scope, filters) if wanted else {}
    result = {}
    for key, sums in found.items():
        distinct, in_doubt = [], _unsettled_buckets(sums)
        for bucket, (lower, upper) in enumerate(zip(sums.lower, sums.upper_bound, strict=True)):
            if bucket in in_doubt:
                # settled exactly; were a row missing from the answer, it stays hidden rather than shown
                distinct.append(settled.get((key, bucket), max(lower, 1)))
            else:
                distinct.append(lower if lower >= MIN_INVESTORS else upper)
        result[key] = (sums, distinct)
    return result


# --- the corridor's own rows ---------------------------------------------------------------------------------

def corridor_rows_serve(scope: Scope, filters: CapitalFilters) -> bool:
    """The corridor rows know places, months and states: they serve unless the viewer is scoped to
    organisations or filters by sector, programme or goal, which only the cells know."""
    return not scope.organisation_ids and filters.sector_id is None and filters.programme_id is None \
        and filters.sdg is None


def _corridor_where(table, scope: Scope, filters: CapitalFilters) -> list:
    from marketplace.reference.models import Region

    found = []
    if scope.public_only:
        found.append(table.status.in_(PUBLIC_STATUSES))
    elif not scope.everything:
        found.append(Region.country_id.in_(sorted(scope.country_ids)))
    if filters.country_id is not None:
        found.append(Region.country_id == filters.country_id)
    if filters.region_id is not None:
        found.append(table.region_id == filters.region_id)
    if filters.status is not None:
        found.append(table.status == filters.status)
    if filters.month_from:
        found.append(table.month >= filters.month_from)
    if filters.month_to:
        found.append(table.month <= filters.month_to)
    return found


def _corridor_select(table, scope: Scope, filters: CapitalFilters, *columns):
    from marketplace.reference.models import Region

    return (select(table.origin_country_id, table.region_id, *columns).select_from(table)
            .join(Region, Region.id == table.region_id).where(*_corridor_where(table, scope, filters)))


def _corridor_sums(scope: Scope, filters: CapitalFilters) -> dict[tuple, _Sums]:
    """Per corridor: sums per currency, and the bounds of its distinct investors from the reach rows (the
    largest month's distinct investors, and their sum); two statements over a few thousand rows."""
    sums_table, reach = CorridorSums, CorridorReach
    found: dict[tuple, _Sums] = defaultdict(_Sums)
    query = _corridor_select(sums_table, scope, filters, sums_table.currency, func.sum(sums_table.pledges),
                             *(func.sum(getattr(sums_table, name)) for name in (*INVESTOR_COLUMNS, *AMOUNT_COLUMNS)))
    for row in db.session.execute(query.group_by(sums_table.origin_country_id, sums_table.region_id,
                                                 sums_table.currency)):
        sums = found[(row[0], row[1])]
        values = [int(v or 0) for v in row[3:]]
        sums.pledges += values[0]
        sums.investors = [a + b for a, b in zip(sums.investors, values[1:4], strict=True)]
        sums.amounts[row[2]] = tuple(values[4:7])
    query = _corridor_select(reach, scope, filters, *(func.max(getattr(reach, name)) for name in INVESTOR_COLUMNS),
                             *(func.sum(getattr(reach, name)) for name in INVESTOR_COLUMNS))
    for row in db.session.execute(query.group_by(reach.origin_country_id, reach.region_id)):
        if (row[0], row[1]) in found:
            sums = found[(row[0], row[1])]
            sums.lower = [int(v or 0) for v in row[2:5]]
            sums.upper = [int(v or 0) for v in row[5:8]]
    return found


def _corridor_distinct_investors(dimension, wanted: dict[int, list[tuple]], scope: Scope, filters: CapitalFilters
                                 ) -> dict[tuple, int]:
    """Exact distinct investors of the given corridors and buckets over the months and states chosen, from the
    memberships (only corridors whose every month has fewer than 5, so a few rows each): one statement."""
    member = CorridorMember
    keys = sorted({key for keys in wanted.values() for key in keys})
    query = _corridor_select(member, scope, filters, func.count(func.distinct(member.investor_id)),
                             func.count(func.distinct(case((member.committed_cells > 0, member.investor_id)))),
                             func.count(func.distinct(case((member.paid_cells > 0, member.investor_id)))))
    query = query.where(_keys_condition([member.origin_country_id, member.region_id], keys)) \
        .group_by(member.origin_country_id, member.region_id)
    counts = {(row[0], row[1]): row[2:] for row in db.session.execute(query)}
    return {(key, bucket): int(counts[key][bucket] or 0)
            for bucket, keys in wanted.items() for key in keys if key in counts}


def _row(key: tuple, label: str, sums: _Sums, distinct: list, convert: Converter) -> CapitalRow:
    converted = [0, 0, 0]
    for currency, amounts in sorted(sums.amounts.items()):
        for i, minor in enumerate(amounts):
            value = convert(minor, currency)
            if value is not None:
                converted[i] += value
    figures = [Figure(converted[i], sums.investors[i], distinct[i]) for i in range(3)]
    return CapitalRow(key, label, sums.pledges, *figures)


def capital_total(scope: Scope, filters: CapitalFilters | None = None, convert: Converter | None = None
                  ) -> CapitalRow:
    """The grand total of the figures in scope, with its own investor counts and the privacy rule applied."""
    filters = filters or CapitalFilters()
    convert = convert or Converter()
    sums, distinct = _figures(None, scope, filters).get((), (_Sums(), [0, 0, 0]))
    total = _row((), _("Total"), sums, distinct, convert)
    suppress([], total)
    return total


def capital_table(dimension: str, scope: Scope, filters: CapitalFilters | None = None,
                  convert: Converter | None = None, total: CapitalRow | None = None) -> CapitalTable:
    """One dashboard table: a row per value of the dimension, in the reporting currency, privacy applied.

    Three statements whatever the data size (sums, labels, and the total unless given), up to three more when
    some rows' privacy must be settled from the fact rows (one per bucket), plus one per currency for its
    exchange rate.
    """
    if dimension not in DIMENSIONS:
        raise DomainError(_("Unknown table."))
    filters = filters or CapitalFilters()
    convert = convert or Converter()
    figures = _figures(dimension, scope, filters)
    labels = _labels(dimension, figures.keys())
    rows = [_row(key, labels.get(key, str(key)), *figures[key], convert) for key in figures]
    rows.sort(key=lambda row: row.key if dimension == "month" else (-(row.pledged.minor or 0), row.label))
    total = total or capital_total(scope, filters, convert)
    suppress(rows, total)
    return CapitalTable(dimension, str(DIMENSIONS[dimension]), rows, total, convert.quote, convert.rates_used,
                        sorted(convert.missing))


def capital_report(scope: Scope, filters: CapitalFilters | None = None) -> dict[str, CapitalTable]:
    """Every table of the capital dashboard, sharing one total and one set of exchange rates."""
    filters = filters or CapitalFilters()
    convert = Converter()
    total = capital_total(scope, filters, convert)
    return {dimension: capital_table(dimension, scope, filters, convert, total) for dimension in DIMENSIONS}


def _labels(dimension: str, keys) -> dict[tuple, str]:
    """Names for the keys in the reader's language, in one statement (none for months and instruments)."""
    from marketplace.programmes.models import Programme
    from marketplace.reference.models import Country, Region, Sector

    keys = list(keys)
    if dimension == "month":
        return {key: key[0] for key in keys}
    if dimension == "instrument":
        return {key: str(INSTRUMENTS.get(key[0], key[0])) for key in keys}
    if dimension == "corridor":
        origins = {key[0] for key in keys} - {UNKNOWN_ORIGIN}
        regions = {key[1] for key in keys}
        names = {("c", c.id): c.name for c in db.session.scalars(select(Country).where(Country.id.in_(origins)))}
        names |= {("r", r.id): r.name for r in db.session.scalars(select(Region).where(Region.id.in_(regions)))}
        return {key: f"{names.get(('c', key[0]), _('Residence not recorded'))} → {names.get(('r', key[1]), '?')}"
                for key in keys}
    model = {"sector": Sector, "region": Region, "programme": Programme}[dimension]
    ids = {key[0] for key in keys if key[0] is not None}
    names = {row.id: row.name for row in db.session.scalars(select(model).where(model.id.in_(ids)))}
    return {key: names.get(key[0], _("No programme") if dimension == "programme" else str(key[0])) for key in keys}


# --- what anyone may see ------------------------------------------------------------------------------------

PUBLIC_TOTALS_SECONDS = 300


@dataclass
class PublicTotals:
    capital: Figure  # committed capital on public projects, in the reporting currency
    currency: str
    projects_funded: int
    jobs_created: Decimal | None
    as_of: datetime | None = None  # when the figures were computed, if they are served from the cache


def public_totals() -> PublicTotals:
    """Capital mobilised (committed, privacy applied), projects funded and verified jobs created, for everyone."""
    convert = Converter()
    total = capital_total(PUBLIC, CapitalFilters(), convert)
    funded = db.session.scalar(select(func.count(Project.id)).where(Project.status.in_(FUNDED_STATUSES)))
    return PublicTotals(total.committed, convert.quote, int(funded or 0), verified_jobs_created())


def cached_public_totals() -> PublicTotals:
    """`public_totals()` computed at most once every 5 minutes per language, with the time it was computed, which
    the pages show: the catalogue's two-statement budget has no room for them, and nobody needs them to the
    second. The dashboards themselves are never cached."""
    from flask_babel import get_locale

    from marketplace.extensions import cache
    from marketplace.models_common import utcnow

    key = f"public-totals:{get_locale()}"
    found = cache.get(key)
    if found is None:
        found = public_totals()
        found.as_of = utcnow()
        cache.set(key, found, timeout=PUBLIC_TOTALS_SECONDS)
    return found


def verified_jobs_created() -> Decimal | None:
    """Jobs created on public projects from counted (approved and verified) values only, per the indicator's rule."""
    from marketplace.impact.models import Indicator, ProjectIndicator, ReportedValue, ReportingPeriod, ResultsFramework
    from marketplace.impact.reporting import aggregate, counted

    query = (select(ResultsFramework.project_id, Indicator.aggregation, ReportingPeriod.ends_on, ReportedValue.value)
             .select_from(ReportedValue)
             .join(ProjectIndicator, ReportedValue.project_indicator_id == ProjectIndicator.id)
             .join(Indicator, ProjectIndicator.indicator_id == Indicator.id)
             .join(ReportingPeriod, ReportedValue.period_id == ReportingPeriod.id)
             .join(ResultsFramework, ProjectIndicator.framework_id == ResultsFramework.id)
             .join(Project, Project.id == ResultsFramework.project_id)
             .where(counted(), Indicator.code == JOBS_INDICATOR, Project.status.in_(PUBLIC_STATUSES)))
    per_project: dict[int, list] = defaultdict(list)
    rules: dict[int, str] = {}
    for project_id, rule, ends_on, value in db.session.execute(query):
        per_project[project_id].append((ends_on, value))
        rules[project_id] = rule
    totals = [aggregate(values, rules[project_id]) for project_id, values in per_project.items()]
    totals = [total for total in totals if total is not None]
    return sum(totals, Decimal(0)) if totals else None
