"""The impact dashboard's filters: the capital dashboard's options plus indicators, and a checked reading of the
query string. Refused values (unknown, outside the viewer's countries, a period that ends before it starts, a
year nobody reports in) get a message and no figures, never a guess or a 500."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from marketplace.dashboards.forms import filter_options, place_choices, read_choices, read_months
from marketplace.dashboards.impact_queries import ImpactFilters, IndicatorInfo, indicator_catalogue
from marketplace.dashboards.queries import Scope


@dataclass
class ImpactFilterOptions:
    countries: list[tuple[int, str]]
    regions: list[tuple[int, str]]
    sectors: list[tuple[int, str]]
    programmes: list[tuple[int, str]]
    indicators: list[tuple[int, str]]
    catalogue: dict[int, IndicatorInfo]

    def labels(self) -> dict[str, dict[int, str]]:
        """Names of sectors and programmes for the tables (regions are looked up for the rows shown)."""
        return {"sector": dict(self.sectors), "programme": dict(self.programmes)}


def impact_filter_options(scope: Scope) -> ImpactFilterOptions:
    """Countries, regions, sectors and programmes as on the capital dashboard, and the numeric indicators."""
    base = filter_options(scope)
    catalogue = indicator_catalogue()
    return ImpactFilterOptions(base.countries, base.regions, base.sectors, base.programmes,
                               [(i.id, i.label) for i in catalogue.values()], catalogue)


def parse_impact_filters(args, options: ImpactFilterOptions) -> tuple[ImpactFilters | None, list[str]]:
    """The filters from the query string, or None with one message per refused value."""
    errors: list[str] = []
    values: dict = {}
    read_choices(args, place_choices(options) | {
        "indicator": ("indicator_id", options.indicators, _("Unknown indicator.")),
    }, values, errors)
    read_months(args, values, errors)
    if errors:
        return None, errors
    return ImpactFilters(**values), []
