"""The impact dashboard's filters: the capital dashboard's options plus indicators, and a checked reading of the
query string. Refused values (unknown, outside the viewer's countries, a period that ends before it starts, a
year nobody reports in) get a message and no figures, never a guess or a 500."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from marketplace.dashboards.forms import MONTH, filter_options
from marketplace.dashboards.impact_queries import ImpactFilters, IndicatorInfo, indicator_catalogue
from marketplace.dashboards.queries import Scope

FIRST_YEAR, LAST_YEAR = 1990, 2100  # wide enough for any results framework, narrow enough to refuse typos


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
    choices = {
        "country": ("country_id", options.countries, _("This country is not one you can see figures for.")),
        "region": ("region_id", options.regions, _("Unknown region.")),
        "sector": ("sector_id", options.sectors, _("Unknown sector.")),
        "programme": ("programme_id", options.programmes, _("Unknown programme.")),
        "indicator": ("indicator_id", options.indicators, _("Unknown indicator.")),
    }
    for arg, (name, allowed, message) in choices.items():
        raw = (args.get(arg) or "").strip()
        if not raw:
            continue
        number = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 12 else None
        if number is None or number not in {key for key, _label in allowed}:
            errors.append(message)
        else:
            values[name] = number
    for arg, name in (("from", "month_from"), ("to", "month_to")):
        raw = (args.get(arg) or "").strip()
        if not raw:
            continue
        if not MONTH.fullmatch(raw):
            errors.append(_("Write months as year-month, such as 2026-03."))
        elif not FIRST_YEAR <= int(raw[:4]) <= LAST_YEAR:
            errors.append(_("Choose months between %(first)s and %(last)s.", first=FIRST_YEAR, last=LAST_YEAR))
        else:
            values[name] = raw
    if values.get("month_from") and values.get("month_to") and values["month_from"] > values["month_to"]:
        errors.append(_("The period ends before it starts: swap the two months."))
    if errors:
        return None, errors
    return ImpactFilters(**values), []
