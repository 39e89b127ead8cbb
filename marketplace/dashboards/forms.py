"""The dashboard filters: options the viewer may choose from, and the checked reading of the query string.

A value that is not among the options (a foreign country for an authority, an unknown region, a month that
is not a month, a period that ends before it starts) is refused with a message, never guessed or ignored:
showing wider figures than asked would mislead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import or_, select

from marketplace.dashboards.queries import CapitalFilters, Scope
from marketplace.extensions import db
from marketplace.projects.models import SDG_NAMES, STATUSES

MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")  # ASCII digits: "\\d" would take Arabic-Indic ones


@dataclass
class FilterOptions:
    countries: list[tuple[int, str]]
    regions: list[tuple[int, str]]
    sectors: list[tuple[int, str]]
    programmes: list[tuple[int, str]]
    sdgs: list[tuple[int, str]]
    states: list[tuple[str, str]]


def filter_options(scope: Scope) -> FilterOptions:
    """What the viewer may filter on: an authority only its own countries and their regions. Four statements."""
    from marketplace.programmes.models import Programme
    from marketplace.reference.models import Country, Region, Sector

    if scope.everything or scope.organisation_ids or scope.public_only:
        shown = or_(Country.hosts_projects.is_(True), Country.id.in_(sorted(scope.country_ids)))
    else:
        shown = Country.id.in_(sorted(scope.country_ids))
    countries = {c.id: c.name for c in db.session.scalars(select(Country).where(shown))}
    regions = [(r.id, r.name) for r in db.session.scalars(
        select(Region).where(Region.country_id.in_(countries)).order_by(Region.iso_code))]
    sectors = [(s.id, s.name) for s in db.session.scalars(select(Sector).order_by(Sector.position, Sector.code))]
    programmes = [(p.id, p.name) for p in db.session.scalars(select(Programme).order_by(Programme.code))]
    return FilterOptions(sorted(countries.items(), key=lambda item: item[1]), regions, sectors, programmes,
                         [(n, f"{n} · {name}") for n, name in SDG_NAMES.items()],
                         [(key, str(label)) for key, label in STATUSES.items()])


FIRST_YEAR, LAST_YEAR = 1990, 2100  # wide enough for any campaign or results framework, narrow enough for typos


def place_choices(options) -> dict[str, tuple[str, list, str]]:
    """Query-string argument → (filter field, allowed options, message when refused), for the filters on where
    the projects are, shared by every dashboard."""
    return {
        "country": ("country_id", options.countries, _("This country is not one you can see figures for.")),
        "region": ("region_id", options.regions, _("Unknown region.")),
        "sector": ("sector_id", options.sectors, _("Unknown sector.")),
        "programme": ("programme_id", options.programmes, _("Unknown programme.")),
    }


def read_choices(args, choices: dict, values: dict, errors: list[str]) -> None:
    """Each chosen id must be one of the options (ASCII digits only: "²" is a digit to `isdigit`, not to `int`)."""
    for arg, (name, allowed, message) in choices.items():
        raw = (args.get(arg) or "").strip()
        if not raw:
            continue
        number = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 12 else None
        if number is None or number not in {key for key, _label in allowed}:
            errors.append(message)
        else:
            values[name] = number


def read_months(args, values: dict, errors: list[str]) -> None:
    """`from` and `to` as year-months within sensible years, in order."""
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


def parse_filters(args, options: FilterOptions) -> tuple[CapitalFilters | None, list[str]]:
    """The filters from the query string, or None with one message per refused value."""
    errors: list[str] = []
    values: dict = {}
    read_choices(args, place_choices(options) | {
        "sdg": ("sdg", options.sdgs, _("Choose a Sustainable Development Goal from 1 to 17.")),
    }, values, errors)
    state = (args.get("state") or "").strip()
    if state:
        if state in STATUSES:
            values["status"] = state
        else:
            errors.append(_("Unknown project state."))
    read_months(args, values, errors)
    if errors:
        return None, errors
    return CapitalFilters(**values), []
