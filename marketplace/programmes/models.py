"""A programme: the financing framework a project is listed under (its rule sets come with the PPP feature)."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import db
from marketplace.i18n import NamedInThreeLanguages


class Programme(NamedInThreeLanguages, db.Model):
    __tablename__ = "programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_fr: Mapped[str] = mapped_column(String(200))
    name_ar: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(2000))
    owner_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    # Pays the grants the programme's rules compute (MDM Invest-style: the programme fund).
    fund_manager_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
