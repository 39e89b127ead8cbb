"""Impact exports as CSV, and the read both exports share: one project's results, or a filtered set's.

Only counted values leave the platform. Every actual comes from `reporting.verified_actuals` (approved, then
verified: the same read the impact page and every total use) and the parts of a disaggregated value, or the
text of a qualitative one, only from values that pass `reporting.counted()`. Submitted, approved-but-unverified,
returned and draft values are never read here.

CSV shape: one row per project × indicator × period with the baseline, the period's target and its verified
actual, plus the indicator's verified total (combined over the periods as its catalogue entry says, as on the
impact page). A verified value split into parts adds one row per part, with `dimension` and `category` filled
and target, baseline and total left empty (the way IATI writes one `actual` per `dimension`): rows rather than
columns, because the dimensions differ from one indicator to the next. An indicator without periods yet has
one row with its baseline. Column names are stable identifiers, not translated, so a script reads the file in
any language; titles and indicator names are in the reader's language.

Cost: `load_results` reads any number of projects in a fixed number of statements.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from marketplace.extensions import db
from marketplace.impact.models import (
    Indicator,
    ProjectIndicator,
    ReportedValue,
    ReportingPeriod,
    ResultsFramework,
    Target,
    ValuePart,
)
from marketplace.impact.reporting import aggregate, counted, plain_number, verified_actuals
from marketplace.projects.access import PUBLIC_STATUSES
from marketplace.projects.models import INSTRUMENTS, STATUSES, Project
from marketplace.reference.queries import reference_ids

# The filtered export covers public projects only (their verified results are public on the impact pages);
# a private project's results are exported one project at a time, by its parties.
EXPORT_STATUSES = tuple(status for status in STATUSES if status in PUBLIC_STATUSES)
FILTERS = {"country": _l("country"), "region": _l("region"), "sector": _l("sector"),
           "programme": _l("programme"), "instrument": _l("instrument"), "status": _l("status")}
REFERENCE_KINDS = {"country": "countries", "region": "regions", "sector": "sectors", "programme": "programmes"}
HEADER = (
    "project_id", "iati_identifier", "project_title", "country", "region", "sector", "programme", "project_status",
    "indicator_code", "indicator_framework", "indicator_name", "level", "unit", "measure", "aggregation",
    "ascending", "baseline", "baseline_date", "period_start", "period_end", "target", "verified_actual",
    "dimension", "category", "verified_total",
)


# --- which projects -------------------------------------------------------------------------------------------

@dataclass
class ExportFilters:
    """The filters of a set export, as codes like the catalogue's; `problems` says which values are unknown."""

    country: str = ""
    region: str = ""
    sector: str = ""
    programme: str = ""
    instrument: str = ""
    status: str = ""
    problems: list[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args) -> ExportFilters:
        """Read the query string; an unknown code is kept (it then matches nothing) and named in `problems`."""
        values = {name: (args.get(name) or "").strip()[:40] for name in FILTERS}
        for name in REFERENCE_KINDS:
            values[name] = values[name].upper()
        filters = cls(**values)
        known = reference_ids()
        for name, kind in REFERENCE_KINDS.items():
            if values[name] and values[name] not in known[kind]:
                filters.problems.append(_unknown(name, values[name]))
        if filters.instrument and filters.instrument not in INSTRUMENTS:
            filters.problems.append(_unknown("instrument", filters.instrument))
        if filters.status and filters.status not in EXPORT_STATUSES:
            filters.problems.append(_unknown("status", filters.status))
        return filters

    def as_args(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in FILTERS if getattr(self, name)}


def _unknown(name: str, value: str) -> str:
    return _("Unknown %(filter)s “%(value)s”: no project matches it. Choose a value from the list.",
             filter=FILTERS[name], value=value)


def select_project_ids(filters: ExportFilters) -> list[int]:
    """Ids of the public projects matching the filters, in id order; at most the configured maximum plus one.

    One statement (the code-to-id map is cached). Unknown codes match nothing, as in the catalogue.
    """
    ids = reference_ids()
    clauses = [Project.status.in_([filters.status] if filters.status else EXPORT_STATUSES)]
    for name, kind in REFERENCE_KINDS.items():
        code = getattr(filters, name)
        if code:
            column = getattr(Project, f"{name}_id")
            clauses.append(column == ids[kind].get(code, 0))  # id 0 never exists
    if filters.instrument:
        clauses.append(Project.instrument == filters.instrument)
    limit = current_app.config["IMPACT_EXPORT_MAX_PROJECTS"] + 1
    return list(db.session.scalars(select(Project.id).where(*clauses).order_by(Project.id).limit(limit)))


def too_many_message(count: int) -> str | None:
    """The refusal shown when a set is larger than one export may be, else None."""
    maximum = current_app.config["IMPACT_EXPORT_MAX_PROJECTS"]
    if count <= maximum:
        return None
    return _("More than %(max)d projects match: narrow the filters to export them.", max=maximum)


# --- what they achieved ---------------------------------------------------------------------------------------

@dataclass
class PeriodResult:
    """One indicator in one period: the target, the verified actual (number or text) and its verified parts."""

    period: ReportingPeriod
    target: Target | None
    actual: Decimal | None = None
    narrative: str | None = None
    parts: list[tuple[str, str, Decimal]] = field(default_factory=list)

    @property
    def is_verified(self) -> bool:
        return self.actual is not None or self.narrative is not None


@dataclass
class IndicatorResult:
    project_indicator: ProjectIndicator
    periods: list[PeriodResult]
    total: Decimal | None

    @property
    def indicator(self) -> Indicator:
        return self.project_indicator.indicator


@dataclass
class ProjectResults:
    project: Project
    framework: ResultsFramework | None
    indicators: list[IndicatorResult] = field(default_factory=list)
    periods: list[ReportingPeriod] = field(default_factory=list)


def load_results(project_ids: Iterable[int]) -> list[ProjectResults]:
    """The projects (in id order) with their frameworks and verified results, in seven statements whatever their
    number."""
    ids = sorted(set(project_ids))
    if not ids:
        return []
    projects = list(db.session.scalars(
        select(Project).where(Project.id.in_(ids)).order_by(Project.id)
        .options(joinedload(Project.country), joinedload(Project.region), joinedload(Project.sector),
                 joinedload(Project.programme), joinedload(Project.organisation), selectinload(Project.sdgs))))
    frameworks = {f.id: f for f in db.session.scalars(
        select(ResultsFramework).where(ResultsFramework.project_id.in_(ids)))}
    framework_ids = list(frameworks)
    project_indicators = list(db.session.scalars(
        select(ProjectIndicator).where(ProjectIndicator.framework_id.in_(framework_ids))
        .options(joinedload(ProjectIndicator.indicator)).order_by(ProjectIndicator.id)))
    periods = defaultdict(list)
    for period in db.session.scalars(select(ReportingPeriod).where(ReportingPeriod.framework_id.in_(framework_ids))
                                     .order_by(ReportingPeriod.starts_on)):
        periods[period.framework_id].append(period)
    targets = {(t.project_indicator_id, t.period_id): t for t in db.session.scalars(
        select(Target).join(ProjectIndicator, Target.project_indicator_id == ProjectIndicator.id)
        .where(ProjectIndicator.framework_id.in_(framework_ids)))}
    actuals = {(a.project_id, a.indicator_code, a.period_id): a.value for a in verified_actuals(ids)}
    narratives, parts = _counted_details(ids)

    by_project = {p.id: ProjectResults(project=p, framework=None) for p in projects}
    for framework in frameworks.values():
        if framework.project_id in by_project:
            by_project[framework.project_id].framework = framework
            by_project[framework.project_id].periods = periods[framework.id]
    for project_indicator in project_indicators:
        framework = frameworks[project_indicator.framework_id]
        code = project_indicator.indicator.code
        rows = []
        for period in periods[framework.id]:
            key = (framework.project_id, code, period.id)
            rows.append(PeriodResult(period=period, target=targets.get((project_indicator.id, period.id)),
                                     actual=actuals.get(key), narrative=narratives.get(key),
                                     parts=parts.get(key, [])))
        total = aggregate([(row.period.ends_on, row.actual) for row in rows if row.actual is not None],
                          project_indicator.indicator.aggregation)
        by_project[framework.project_id].indicators.append(IndicatorResult(project_indicator, rows, total))
    return [by_project[project.id] for project in projects]


def _counted_details(ids: list[int]) -> tuple[dict, dict]:
    """The text of counted qualitative values and the parts of counted values, keyed like `verified_actuals`."""
    rows = db.session.execute(
        select(ResultsFramework.project_id, Indicator.code, ReportedValue.period_id, ReportedValue.narrative,
               ValuePart.dimension, ValuePart.category, ValuePart.value)
        .select_from(ReportedValue)
        .join(ProjectIndicator, ReportedValue.project_indicator_id == ProjectIndicator.id)
        .join(Indicator, ProjectIndicator.indicator_id == Indicator.id)
        .join(ResultsFramework, ProjectIndicator.framework_id == ResultsFramework.id)
        .outerjoin(ValuePart, ValuePart.reported_value_id == ReportedValue.id)
        .where(counted(), ResultsFramework.project_id.in_(ids))
        .order_by(ReportedValue.id, ValuePart.dimension, ValuePart.id))
    narratives: dict[tuple, str] = {}
    parts: dict[tuple, list] = defaultdict(list)
    for project_id, code, period_id, narrative, dimension, category, value in rows:
        key = (project_id, code, period_id)
        if narrative:
            narratives[key] = narrative
        if dimension is not None:
            parts[key].append((dimension, category, value))
    return narratives, parts


# --- the CSV --------------------------------------------------------------------------------------------------

def iati_identifier(project: Project) -> str:
    """The project's IATI activity identifier: the reporting organisation's identifier, then the project's id."""
    return f"{current_app.config['IATI_REPORTING_ORG_REF']}-{project.id}"


def results_rows(results: Iterable[ProjectResults]) -> Iterator[list]:
    """The header, then the rows described in the module docstring."""
    yield list(HEADER)
    for item in results:
        project = item.project
        about_project = [project.id, iati_identifier(project), project.display_title, project.country.iso2,
                         project.region.iso_code, project.sector.code,
                         project.programme.code if project.programme else "", project.status]
        for result in item.indicators:
            indicator, project_indicator = result.indicator, result.project_indicator
            about_indicator = [indicator.code, indicator.framework, indicator.name, indicator.level, indicator.unit,
                               indicator.measure, indicator.aggregation, "true" if indicator.is_ascending else "false"]
            baseline = [_number_or_text(project_indicator.baseline_value, project_indicator.baseline_text),
                        project_indicator.baseline_on.isoformat()]
            total = _number_or_text(result.total, None)
            if not result.periods:
                yield [*about_project, *about_indicator, *baseline, "", "", "", "", "", "", total]
            for row in result.periods:
                dates = [row.period.starts_on.isoformat(), row.period.ends_on.isoformat()]
                target = _number_or_text(row.target.value, row.target.text) if row.target else ""
                yield [*about_project, *about_indicator, *baseline, *dates, target,
                       _number_or_text(row.actual, row.narrative), "", "", total]
                for dimension, category, value in row.parts:
                    yield [*about_project, *about_indicator, "", "", *dates, "", plain_number(value), dimension,
                           category, ""]


def _number_or_text(number: Decimal | None, text: str | None) -> str:
    if number is not None:
        return plain_number(number)
    return text or ""
