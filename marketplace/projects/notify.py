"""Who hears about each lifecycle step."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.organisations.models import AUTHORITY_TYPES, Membership, Organisation


def _members(*organisation_ids) -> list[User]:
    ids = [i for i in organisation_ids if i]
    if not ids:
        return []
    return list(db.session.scalars(
        select(User).join(Membership).where(Membership.organisation_id.in_(ids)).distinct()
    ))


def _reviewers(country_id: int) -> list[User]:
    return list(db.session.scalars(
        select(User).join(Membership).join(Organisation)
        .where(Organisation.type.in_(AUTHORITY_TYPES), Organisation.country_id == country_id,
               Organisation.is_active.is_(True))
        .options(joinedload(User.memberships)).distinct()
    ).unique())


def recipients(project, action: str) -> list[User]:
    """Owners hear every decision; reviewers and the bank hear when there is something to vet."""
    owners = _members(project.organisation_id)
    if action in {"submit", "back_to_review"}:
        return owners + _reviewers(project.country_id) + _members(project.partner_bank_id)
    return owners
