"""Each person's impact-page preferences; for now, whether "your share of the impact" is shown to them."""

from __future__ import annotations

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.impact.models import ImpactPreference


def set_investor_share_shown(actor, shown: bool) -> ImpactPreference:
    """Show or hide the investor's share on every impact page; kept per person, not per browser."""
    preference = db.session.scalar(select(ImpactPreference).where(ImpactPreference.user_id == actor.id))
    if preference is None:
        preference = ImpactPreference(user_id=actor.id)
        db.session.add(preference)
    preference.shows_investor_share = bool(shown)
    db.session.flush()
    return preference
