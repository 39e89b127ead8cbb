"""Read side of the impact pages: the project's framework with targets, counted and pending values, progress,
the small bar chart's geometry and the investor's share, each in a fixed number of statements."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload

from marketplace.extensions import db
from marketplace.impact.framework import framework_of
from marketplace.impact.models import (
    ImpactPreference,
    ProjectIndicator,
    ReportedValue,
    ReportingPeriod,
    ResultsFramework,
    Target,
)
from marketplace.impact.reporting import COUNTED_STATUSES, aggregate, verified_actuals

CHART_WIDTH = 300
BAR_HEIGHT = 10
ROW_HEIGHT = 30
LABEL_WIDTH = 90
# Shares of a total make sense for counts and amounts that add up or stand at a level, not for averages or rates.
SHAREABLE_MEASURES = frozenset({"unit", "currency"})
SHAREABLE_AGGREGATIONS = frozenset({"sum", "latest", "maximum"})


@dataclass
class PeriodCell:
    """One indicator in one period: its target, its counted value, any pending value, and the progress."""

    period: ReportingPeriod
    target: Target | None
    actual: Decimal | None = None
    pending: ReportedValue | None = None
    progress_percent: int | None = None
    bar_y: int = 0
    target_width: int = 0
    actual_width: int = 0
    pending_width: int = 0


@dataclass
class IndicatorRow:
    project_indicator: ProjectIndicator
    cells: list[PeriodCell]
    total: Decimal | None = None
    share: Decimal | None = None

    @property
    def indicator(self):
        return self.project_indicator.indicator

    @property
    def chart_height(self) -> int:
        return ROW_HEIGHT * len(self.cells) + 6


@dataclass
class InvestorShare:
    """The investor's paid pledges as a fraction of all paid pledges on the project."""

    paid_minor: int
    project_paid_minor: int
    currency: str
    fraction: Decimal

    @property
    def percent(self) -> Decimal:
        return (self.fraction * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass
class ImpactPage:
    framework: ResultsFramework | None
    periods: list[ReportingPeriod] = field(default_factory=list)
    rows: list[IndicatorRow] = field(default_factory=list)
    pending_count: int = 0
    share: InvestorShare | None = None
    shows_share: bool = True


def impact_page(project, *, viewer=None, include_pending: bool) -> ImpactPage:
    """Everything the impact page shows; totals come from `verified_actuals`, like every other total."""
    framework = framework_of(project)
    if framework is None:
        return ImpactPage(framework=None, shows_share=shows_investor_share(viewer))
    project_indicators = framework_indicators(framework)
    periods = framework_periods(framework)
    targets = {(t.project_indicator_id, t.period_id): t for t in db.session.scalars(
        select(Target).join(ProjectIndicator, Target.project_indicator_id == ProjectIndicator.id)
        .where(ProjectIndicator.framework_id == framework.id))}
    counted = defaultdict(dict)
    for actual in verified_actuals([project.id]):
        counted[actual.indicator_code][actual.period_id] = actual.value
    pending_rows = list(db.session.scalars(
        select(ReportedValue).join(ProjectIndicator, ReportedValue.project_indicator_id == ProjectIndicator.id)
        .where(ProjectIndicator.framework_id == framework.id, ReportedValue.status.not_in(COUNTED_STATUSES),
               ReportedValue.status != "draft")))
    pending = {(v.project_indicator_id, v.period_id): v for v in pending_rows}
    page = ImpactPage(framework=framework, periods=periods, pending_count=len(pending_rows))
    for project_indicator in project_indicators:
        code = project_indicator.indicator.code
        cells = []
        for period in periods:
            cell = PeriodCell(period=period, target=targets.get((project_indicator.id, period.id)),
                              actual=counted[code].get(period.id))
            if include_pending:
                cell.pending = pending.get((project_indicator.id, period.id))
            cell.progress_percent = progress_percent(project_indicator, cell.target, cell.actual)
            cells.append(cell)
        row = IndicatorRow(project_indicator, cells, total=aggregate(
            [(c.period.ends_on, c.actual) for c in cells if c.actual is not None],
            project_indicator.indicator.aggregation))
        _lay_out_chart(row)
        page.rows.append(row)
    page.shows_share = shows_investor_share(viewer)
    page.share = investor_share(project, viewer) if page.shows_share else None
    if page.share is not None:
        for row in page.rows:
            row.share = share_of(row, page.share.fraction)
    return page


def framework_indicators(framework: ResultsFramework) -> list[ProjectIndicator]:
    return list(db.session.scalars(
        select(ProjectIndicator).where(ProjectIndicator.framework_id == framework.id)
        .options(joinedload(ProjectIndicator.indicator)).order_by(ProjectIndicator.id)))


def framework_periods(framework: ResultsFramework) -> list[ReportingPeriod]:
    return list(db.session.scalars(select(ReportingPeriod).where(ReportingPeriod.framework_id == framework.id)
                                   .order_by(ReportingPeriod.starts_on)))


def progress_percent(project_indicator: ProjectIndicator, target: Target | None, actual: Decimal | None) -> int | None:
    """How far the counted value has come towards the target, in percent.

    Flows summed over periods (jobs created, revenue) are compared with the period's target directly; levels
    (headcounts, rates) are measured from the baseline: (actual − baseline) / (target − baseline), which also
    works for indicators where lower is better.
    """
    if actual is None or target is None or target.value is None:
        return None
    indicator = project_indicator.indicator
    baseline = project_indicator.baseline_value or Decimal(0)
    if indicator.aggregation == "sum":
        if target.value == 0:
            return None
        ratio = actual / target.value
    else:
        if target.value == baseline:
            return None
        ratio = (actual - baseline) / (target.value - baseline)
    return int((ratio * 100).to_integral_value(rounding=ROUND_HALF_UP))


def _lay_out_chart(row: IndicatorRow) -> None:
    """Bar lengths in SVG units: the target as an outline, the counted value filled, a pending one hatched."""
    numbers = [n for c in row.cells for n in (c.target.value if c.target else None, c.actual,
                                              c.pending.value if c.pending else None) if n is not None]
    largest = max(numbers, default=Decimal(0))
    for index, cell in enumerate(row.cells):
        cell.bar_y = index * ROW_HEIGHT + 4

        def width(number):
            if number is None or largest <= 0:
                return 0
            return max(1, int(number / largest * (CHART_WIDTH - LABEL_WIDTH)))

        cell.target_width = width(cell.target.value if cell.target else None)
        cell.actual_width = width(cell.actual)
        cell.pending_width = width(cell.pending.value if cell.pending else None)


def investor_share(project, viewer) -> InvestorShare | None:
    """The viewer's paid pledges over all paid pledges on the project, in one statement; None without any."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return None
    from marketplace.pledges.models import Pledge

    mine, everyone = db.session.execute(
        select(func.coalesce(func.sum(case((Pledge.investor_id == viewer.id, Pledge.amount_minor), else_=0)), 0),
               func.coalesce(func.sum(Pledge.amount_minor), 0))
        .where(Pledge.project_id == project.id, Pledge.status == "paid")).one()
    if not mine or not everyone:
        return None
    return InvestorShare(int(mine), int(everyone), project.currency, Decimal(int(mine)) / Decimal(int(everyone)))


def share_of(row: IndicatorRow, fraction: Decimal) -> Decimal | None:
    """The investor's pro-rata part of a counted total, for indicators where a part of the total means something."""
    indicator = row.indicator
    if row.total is None or indicator.measure not in SHAREABLE_MEASURES or \
            indicator.aggregation not in SHAREABLE_AGGREGATIONS:
        return None
    return (row.total * fraction).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def shows_investor_share(viewer) -> bool:
    """Shown unless the person chose to hide it."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return False
    hidden = db.session.scalar(select(ImpactPreference.shows_investor_share)
                               .where(ImpactPreference.user_id == viewer.id))
    return hidden is None or bool(hidden)


def values_of(framework: ResultsFramework) -> list[ReportedValue]:
    """Every reported value of the framework with its indicator, period and reporter, for the reporting page."""
    return list(db.session.scalars(
        select(ReportedValue).join(ProjectIndicator, ReportedValue.project_indicator_id == ProjectIndicator.id)
        .where(ProjectIndicator.framework_id == framework.id)
        .options(joinedload(ReportedValue.project_indicator).joinedload(ProjectIndicator.indicator),
                 joinedload(ReportedValue.period), joinedload(ReportedValue.reported_by),
                 joinedload(ReportedValue.reporting_organisation))
        .order_by(ReportedValue.id)))
