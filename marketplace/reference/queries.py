"""Choice lists for forms, in the visitor's language."""

from __future__ import annotations

import unicodedata

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from marketplace.extensions import db
from marketplace.reference.models import Country, Region, Sector


def collation_key(text: str) -> str:
    """Sort key that files É with E and Å with A, as readers of French and English expect."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold() or text


def country_choices() -> list[tuple[int, str]]:
    """Origin countries first (they are the ones people pick most), then all others by name."""
    countries = db.session.scalars(select(Country)).all()
    ordered = sorted(countries, key=lambda c: (not c.hosts_projects, collation_key(c.name)))
    return [(c.id, c.name) for c in ordered]


def origin_region_choices() -> list[tuple[int, str]]:
    regions = db.session.scalars(
        select(Region).join(Country).where(Country.hosts_projects.is_(True))
        .options(joinedload(Region.country)).order_by(Region.iso_code)
    ).all()
    return [(r.id, f"{r.name} ({r.country.name})") for r in regions]


def regions_of(country_iso2: str | None = None) -> list[Region]:
    query = select(Region).join(Country).options(joinedload(Region.country)).order_by(Region.iso_code)
    if country_iso2:
        query = query.where(Country.iso2 == country_iso2.upper())
    return list(db.session.scalars(query))


def sectors() -> list[Sector]:
    return list(db.session.scalars(select(Sector).order_by(Sector.position, Sector.code)))


def _filter_options_uncached(language: str) -> dict:
    """Countries, regions, sectors and programmes to filter the catalogue by, as plain tuples."""
    from marketplace.programmes.models import Programme

    def name(obj):
        return getattr(obj, f"name_{language}", None) or obj.name_en

    countries = db.session.scalars(select(Country).where(Country.hosts_projects.is_(True)).order_by(Country.iso2))
    regions = db.session.scalars(select(Region).join(Country).where(Country.hosts_projects.is_(True))
                                 .order_by(Region.iso_code))
    return {
        "countries": [(c.iso2, name(c)) for c in countries],
        "regions": [(r.iso_code, name(r)) for r in regions],
        "sectors": [(s.code, name(s)) for s in db.session.scalars(
            select(Sector).where(Sector.is_listable.is_(True)).order_by(Sector.position))],
        "programmes": [(p.code, name(p)) for p in db.session.scalars(
            select(Programme).where(Programme.is_active.is_(True)).order_by(Programme.code))],
    }


def catalogue_filter_options(language: str) -> dict:
    """Cached for five minutes: reference data changes rarely and the catalogue must stay cheap."""
    from marketplace.extensions import cache

    key = f"catalogue-filter-options:{language}"
    options = cache.get(key)
    if options is None:
        options = _filter_options_uncached(language)
        cache.set(key, options, timeout=300)
    return options


def reference_ids() -> dict[str, dict[str, int]]:
    """Codes to ids for the catalogue filters, cached: with literal ids the planner can use its statistics."""
    from marketplace.extensions import cache
    from marketplace.programmes.models import Programme

    ids = cache.get("catalogue-reference-ids")
    if ids is None:
        ids = {
            "countries": dict(db.session.execute(select(Country.iso2, Country.id)).all()),
            "regions": dict(db.session.execute(select(Region.iso_code, Region.id)).all()),
            "sectors": dict(db.session.execute(select(Sector.code, Sector.id)).all()),
            "programmes": dict(db.session.execute(select(Programme.code, Programme.id)).all()),
        }
        cache.set("catalogue-reference-ids", ids, timeout=300)
    return ids


def forget_cached_reference_data() -> None:
    """Drop the cached choice lists and code maps after reference data changes."""
    from marketplace.extensions import cache

    cache.delete_many("catalogue-reference-ids", *(f"catalogue-filter-options:{lang}" for lang in ("en", "fr", "ar")))
