"""Read-side figures for the home page; a fixed number of queries whatever the data size."""

from __future__ import annotations

from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.organisations.models import AUTHORITY_TYPES, PARTNER_TYPES, Organisation
from marketplace.reference.models import Country, Region, Sector


def platform_figures() -> dict[str, int]:
    """Counts of investors, partner and authority organisations, origin regions and sectors."""
    organisation_counts = dict(
        db.session.execute(
            select(Organisation.type, func.count(Organisation.id))
            .where(Organisation.is_active.is_(True))
            .group_by(Organisation.type)
        ).all()
    )
    return {
        "investors": db.session.scalar(
            select(func.count(User.id)).where(User.is_investor.is_(True), User.is_active_account.is_(True))
        ),
        "partners": sum(n for t, n in organisation_counts.items() if t in PARTNER_TYPES),
        "authorities": sum(n for t, n in organisation_counts.items() if t in AUTHORITY_TYPES),
        "regions": db.session.scalar(
            select(func.count(Region.id)).join(Country).where(Country.hosts_projects.is_(True))
        ),
        "sectors": db.session.scalar(select(func.count(Sector.id)).where(Sector.is_listable.is_(True))),
    }
