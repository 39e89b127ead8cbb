"""Loading and editing reference data; idempotent so set-up can run it on every start."""

from __future__ import annotations

import csv
from pathlib import Path

from babel import Locale
from babel.numbers import get_territory_currencies
from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.audit.services import record, snapshot
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.reference.models import Country, Region, Sector
from marketplace.reference.queries import forget_cached_reference_data

DATA_DIR = Path(__file__).parent / "data"
ORIGIN_COUNTRIES = {"MA"}
REGION_FIELDS = ["iso_code", "country_id", "name_en", "name_fr", "name_ar", "capital", "population"]


class ReferenceDataError(DomainError):
    """Raised when reference data would become inconsistent (duplicate code, unknown country)."""


def _read_csv(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _cldr_countries() -> dict[str, tuple[str, str, str]]:
    """ISO 3166-1 alpha-2 codes with their CLDR names in English, French and Arabic."""
    en, fr, ar = Locale("en").territories, Locale("fr").territories, Locale("ar").territories
    return {
        code: (en[code], fr.get(code, en[code]), ar.get(code, en[code]))
        for code in en
        if len(code) == 2 and code.isalpha() and code not in {"ZZ", "EU", "EZ", "UN", "QO", "XA", "XB"}
    }


def _currency_of(iso2: str) -> str | None:
    currencies = get_territory_currencies(iso2, tender=True, non_tender=False)
    return currencies[0] if currencies else None


def load_reference_data() -> dict[str, int]:
    """Insert missing countries, regions and sectors; never overwrite what an admin edited."""
    created = {"countries": 0, "regions": 0, "sectors": 0}
    countries = {c.iso2: c for c in db.session.scalars(select(Country))}
    for iso2, (name_en, name_fr, name_ar) in sorted(_cldr_countries().items()):
        if iso2 in countries:
            continue
        country = Country(
            iso2=iso2,
            name_en=name_en,
            name_fr=name_fr,
            name_ar=name_ar,
            currency=_currency_of(iso2),
            hosts_projects=iso2 in ORIGIN_COUNTRIES,
        )
        db.session.add(country)
        countries[iso2] = country
        created["countries"] += 1
    db.session.flush()

    existing_regions = set(db.session.scalars(select(Region.iso_code)))
    for row in _read_csv("regions.csv"):
        if row["iso_code"] in existing_regions:
            continue
        db.session.add(
            Region(
                iso_code=row["iso_code"],
                country_id=countries[row["country"]].id,
                name_en=row["name_en"],
                name_fr=row["name_fr"],
                name_ar=row["name_ar"],
                capital=row["capital"] or None,
                population=int(row["population"]) if row["population"] else None,
                population_year=int(row["population_year"]) if row["population_year"] else None,
                display_note=row["display_note"] or None,
            )
        )
        created["regions"] += 1

    existing_sectors = set(db.session.scalars(select(Sector.code)))
    for position, row in enumerate(_read_csv("sectors.csv")):
        if row["code"] in existing_sectors:
            continue
        db.session.add(
            Sector(
                code=row["code"],
                name_en=row["name_en"],
                name_fr=row["name_fr"],
                name_ar=row["name_ar"],
                is_listable=row["is_listable"] == "1",
                position=position,
            )
        )
        created["sectors"] += 1
    db.session.flush()
    created["checklist_items"] = _load_due_diligence_items()
    created["protection_rules"] = _load_protection_rules()
    created["fx_rates"] = _load_fx_rates()
    created["rule_sets"] = _load_rule_sets()
    created["indicators"] = _load_indicator_catalogue()
    return created


def _load_indicator_catalogue() -> int:
    """The impact indicators of the demo data set (b.6); an admin's later edits are kept."""
    from marketplace.impact.catalogue import load_indicator_catalogue

    return load_indicator_catalogue()


def _load_rule_sets() -> int:
    """Programme rule sets; those of programmes not created yet are loaded by a later call."""
    from marketplace.ppp.rule_sets import load_rule_sets

    return load_rule_sets()


def _load_protection_rules() -> int:
    """Investor-protection regimes as data; a changed rule is a new version, so existing ones are kept."""
    import json
    from datetime import date

    from marketplace.pledges.models import ProtectionRule

    existing = set(db.session.execute(select(ProtectionRule.code, ProtectionRule.version)).all())
    added = 0
    for row in json.loads((DATA_DIR / "protection_rules.json").read_text(encoding="utf-8")):
        if (row["code"], row["version"]) in existing:
            continue
        db.session.add(ProtectionRule(code=row["code"], version=row["version"], name=row["name"],
                                      residence_countries=row["residence_countries"], instruments=row["instruments"],
                                      params=row["params"], valid_from=date.fromisoformat(row["valid_from"])))
        added += 1
    db.session.flush()
    return added


def _load_fx_rates() -> int:
    from datetime import date
    from decimal import Decimal

    from marketplace.reference.models import FxRate

    existing = set(db.session.execute(select(FxRate.base, FxRate.quote, FxRate.as_of)).all())
    added = 0
    for row in _read_csv("fx_rates.csv"):
        key = (row["base"], row["quote"], date.fromisoformat(row["as_of"]))
        if key in existing:
            continue
        db.session.add(FxRate(base=key[0], quote=key[1], as_of=key[2], rate=Decimal(row["rate"]), source=row["source"]))
        added += 1
    db.session.flush()
    return added


def _load_due_diligence_items() -> int:
    """The partner bank's default checklist; admins edit it afterwards, so existing codes are kept."""
    from marketplace.projects.models import DueDiligenceItem

    existing = set(db.session.scalars(select(DueDiligenceItem.code)))
    added = 0
    for position, row in enumerate(_read_csv("due_diligence.csv")):
        if row["code"] in existing:
            continue
        db.session.add(DueDiligenceItem(code=row["code"], label_en=row["label_en"], label_fr=row["label_fr"],
                                        label_ar=row["label_ar"], position=position))
        added += 1
    db.session.flush()
    return added


def add_country(*, iso2: str, name_en: str, name_fr: str, name_ar: str, currency: str | None,
                hosts_projects: bool, actor=None) -> Country:
    """Add a country that CLDR does not list (or a re-added one); the code must be new."""
    iso2 = iso2.strip().upper()
    if db.session.scalar(select(Country.id).where(Country.iso2 == iso2)):
        raise ReferenceDataError(_("Country %(code)s already exists.", code=iso2), field="iso2")
    country = Country(iso2=iso2, name_en=name_en, name_fr=name_fr, name_ar=name_ar,
                      currency=(currency or None), hosts_projects=hosts_projects)
    db.session.add(country)
    db.session.flush()
    forget_cached_reference_data()
    record("country.added", actor=actor, object_type="country", object_id=country.iso2,
           after=snapshot(country, ["iso2", "name_en", "name_fr", "name_ar", "currency", "hosts_projects"]))
    return country


def add_region(*, country: Country, iso_code: str, name_en: str, name_fr: str, name_ar: str,
               capital: str | None = None, population: int | None = None, actor=None) -> Region:
    """Add a first-level region to a country; its ISO 3166-2 code must start with the country code."""
    iso_code = iso_code.strip().upper()
    if not iso_code.startswith(f"{country.iso2}-"):
        message = _("A region code must start with %(prefix)s.", prefix=f"{country.iso2}-")
        raise ReferenceDataError(message, field="iso_code")
    if db.session.scalar(select(Region.id).where(Region.iso_code == iso_code)):
        raise ReferenceDataError(_("Region %(code)s already exists.", code=iso_code), field="iso_code")
    region = Region(country_id=country.id, iso_code=iso_code, name_en=name_en, name_fr=name_fr,
                    name_ar=name_ar, capital=capital or None, population=population)
    db.session.add(region)
    db.session.flush()
    forget_cached_reference_data()
    record("region.added", actor=actor, object_type="region", object_id=region.iso_code,
           after=snapshot(region, REGION_FIELDS))
    return region


def set_hosts_projects(country: Country, *, hosts_projects: bool, actor) -> None:
    """Open or close a country for project listings; recorded because it changes what can be listed."""
    if country.hosts_projects == hosts_projects:
        return
    country.hosts_projects = hosts_projects
    db.session.flush()
    forget_cached_reference_data()
    record("country.hosts_projects_changed", actor=actor, object_type="country", object_id=country.iso2,
           before={"hosts_projects": not hosts_projects}, after={"hosts_projects": hosts_projects})
