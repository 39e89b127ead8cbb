"""Countries, regions and sectors, named in English, French and Arabic."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.i18n import NamedInThreeLanguages


class Country(NamedInThreeLanguages, db.Model):
    """An ISO 3166-1 country; `hosts_projects` marks origin countries where projects may be listed."""

    __tablename__ = "countries"
    __table_args__ = (CheckConstraint("length(iso2) = 2", name="iso2_length"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    iso2: Mapped[str] = mapped_column(String(2), unique=True)
    name_en: Mapped[str] = mapped_column(String(120))
    name_fr: Mapped[str] = mapped_column(String(120))
    name_ar: Mapped[str] = mapped_column(String(120))
    currency: Mapped[str | None] = mapped_column(String(3))
    hosts_projects: Mapped[bool] = mapped_column(Boolean, default=False, index=True)

    regions: Mapped[list[Region]] = relationship(back_populates="country", order_by="Region.iso_code")

    def __repr__(self) -> str:
        return f"<Country {self.iso2}>"


class Region(NamedInThreeLanguages, db.Model):
    """A first-level administrative region such as MA-01, with its names, capital and population."""

    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    country_id: Mapped[int] = mapped_column(ForeignKey("countries.id", ondelete="RESTRICT"), index=True)
    iso_code: Mapped[str] = mapped_column(String(10), unique=True)
    name_en: Mapped[str] = mapped_column(String(120))
    name_fr: Mapped[str] = mapped_column(String(120))
    name_ar: Mapped[str] = mapped_column(String(120))
    capital: Mapped[str | None] = mapped_column(String(120))
    population: Mapped[int | None] = mapped_column(Integer)
    population_year: Mapped[int | None] = mapped_column(Integer)
    display_note: Mapped[str | None] = mapped_column(String(255))

    country: Mapped[Country] = relationship(back_populates="regions")

    def __repr__(self) -> str:
        return f"<Region {self.iso_code}>"


class Sector(NamedInThreeLanguages, db.Model):
    """An economic sector; `is_listable` is false for sectors kept off the marketplace (real estate)."""

    __tablename__ = "sectors"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)
    name_en: Mapped[str] = mapped_column(String(120))
    name_fr: Mapped[str] = mapped_column(String(120))
    name_ar: Mapped[str] = mapped_column(String(120))
    is_listable: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    def __repr__(self) -> str:
        return f"<Sector {self.code}>"


class FxRate(db.Model):
    """A reference exchange rate: 1 `base` = `rate` `quote`, on a date, from a named source.

    Used for thresholds set in another currency (ECSPR in euros, Reg CF in dollars) and for reporting;
    every conversion states the rate it used. `rate` is a Decimal, never a float.
    """

    __tablename__ = "fx_rates"
    __table_args__ = (
        UniqueConstraint("base", "quote", "as_of", name="one_rate_per_day"),
        CheckConstraint("rate > 0", name="rate_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    base: Mapped[str] = mapped_column(String(3))
    quote: Mapped[str] = mapped_column(String(3))
    rate: Mapped[Decimal] = mapped_column(Numeric(18, 8))
    as_of: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(200))
