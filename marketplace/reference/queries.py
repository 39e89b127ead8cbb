"""Choice lists for forms, in the visitor's language."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from marketplace.extensions import db
from marketplace.reference.models import Country, Region, Sector


def country_choices() -> list[tuple[int, str]]:
    countries = db.session.scalars(select(Country)).all()
    return sorted(((c.id, c.name) for c in countries), key=lambda item: item[1])


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
