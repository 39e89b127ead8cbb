"""Organisation and membership rules; every change is recorded in the audit log."""

from __future__ import annotations

import re
import unicodedata

from flask_babel import gettext as _
from sqlalchemy import func, select

from marketplace.audit.services import record, snapshot
from marketplace.errors import ConflictError, DomainError, ForbiddenError
from marketplace.extensions import db
from marketplace.organisations.models import (
    MEMBERSHIP_ROLES,
    OPERATOR_TYPES,
    ORGANISATION_TYPES,
    Membership,
    Organisation,
)

ORGANISATION_FIELDS = ["name", "type", "country_id", "region_id", "website", "description", "is_active"]


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:70] or "organisation"


def _unique_slug(name: str) -> str:
    base = slugify(name)
    slug, n = base, 2
    while db.session.scalar(select(Organisation.id).where(Organisation.slug == slug)):
        slug, n = f"{base}-{n}", n + 1
    return slug


def _validate(fields: dict) -> None:
    if not (fields.get("name") or "").strip():
        raise DomainError(_("Enter the organisation's name."), field="name")
    if fields.get("type") not in ORGANISATION_TYPES:
        raise DomainError(_("Choose a known organisation type."), field="type")
    if fields.get("region_id"):
        from marketplace.reference.models import Region

        region = db.session.get(Region, fields["region_id"])
        if region is None or (fields.get("country_id") and region.country_id != fields["country_id"]):
            raise DomainError(_("Choose a region of the chosen country."), field="region_id")
        fields["country_id"] = fields.get("country_id") or region.country_id
    website = fields.get("website")
    if website and not re.match(r"^https?://[^\s/$.?#].[^\s]*$", website):
        raise DomainError(_("Enter a web address starting with http:// or https://."), field="website")


def create_organisation(*, actor, name: str, type: str, country_id=None, region_id=None, website=None,
                        description=None, slug: str | None = None, is_demo: bool = False) -> Organisation:
    if type in OPERATOR_TYPES and actor is not None:
        # Members of the operator are administrators: that organisation is created at installation only.
        raise ForbiddenError(_("Choose a known organisation type."), field="type")
    fields = {"name": name.strip(), "type": type, "country_id": country_id, "region_id": region_id,
              "website": (website or "").strip() or None, "description": (description or "").strip() or None}
    _validate(fields)
    duplicate = db.session.scalar(
        select(Organisation.id).where(func.lower(Organisation.name) == fields["name"].lower())
    )
    if duplicate:
        raise ConflictError(_("An organisation with this name already exists."), field="name")
    organisation = Organisation(slug=slug or _unique_slug(fields["name"]), is_demo=is_demo, **fields)
    db.session.add(organisation)
    db.session.flush()
    record("organisation.created", actor=actor, object_type="organisation", object_id=organisation.id,
           after=snapshot(organisation, ORGANISATION_FIELDS))
    return organisation


def update_organisation(organisation: Organisation, *, actor, **changes) -> None:
    unknown = set(changes) - set(ORGANISATION_FIELDS)
    if unknown:
        raise TypeError(f"not organisation fields: {sorted(unknown)}")
    before = snapshot(organisation, ORGANISATION_FIELDS)
    proposed = {**before, **changes}
    if (proposed["type"] in OPERATOR_TYPES) != (before["type"] in OPERATOR_TYPES):
        raise ForbiddenError(_("Choose a known organisation type."), field="type")
    proposed["name"] = (proposed["name"] or "").strip()
    proposed["website"] = (proposed.get("website") or "").strip() or None
    _validate(proposed)
    clash = db.session.scalar(
        select(Organisation.id).where(
            func.lower(Organisation.name) == proposed["name"].lower(), Organisation.id != organisation.id
        )
    )
    if clash:
        raise ConflictError(_("An organisation with this name already exists."), field="name")
    for field, value in proposed.items():
        setattr(organisation, field, value)
    after = snapshot(organisation, ORGANISATION_FIELDS)
    if before != after:
        db.session.flush()
        record("organisation.updated", actor=actor, object_type="organisation", object_id=organisation.id,
               before=before, after=after)


def _membership_state(membership: Membership) -> dict:
    return {"user_id": membership.user_id, "organisation_id": membership.organisation_id,
            "role": membership.role}


def add_membership(*, actor, organisation: Organisation, user, role: str = "member") -> Membership:
    """Give a user a place in an organisation; refuses duplicates and unknown roles."""
    if role not in MEMBERSHIP_ROLES:
        raise DomainError(_("Choose a known role."), field="role")
    existing = db.session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.organisation_id == organisation.id)
    )
    if existing is not None:
        raise ConflictError(_("This person is already a member of this organisation."), field="email")
    membership = Membership(user=user, organisation=organisation, role=role)
    db.session.add(membership)
    db.session.flush()
    record("membership.added", actor=actor, object_type="membership", object_id=membership.id,
           after=_membership_state(membership))
    if actor is not None and actor.id != user.id:
        from marketplace.notifications.services import notify

        notify([user], "membership.added", params={"organisation": organisation.name, "role": role},
               link="/organisations/")
    return membership


def _other_managers(membership: Membership) -> int:
    return db.session.scalar(
        select(func.count(Membership.id)).where(
            Membership.organisation_id == membership.organisation_id,
            Membership.role == "manager",
            Membership.id != membership.id,
        )
    )


def change_membership_role(membership: Membership, *, actor, role: str) -> None:
    """Promote or demote; an organisation that has a manager keeps at least one."""
    if role not in MEMBERSHIP_ROLES:
        raise DomainError(_("Choose a known role."), field="role")
    if membership.role == role:
        return
    if membership.role == "manager" and _other_managers(membership) == 0:
        raise ConflictError(_("An organisation needs at least one manager."))
    before = _membership_state(membership)
    membership.role = role
    db.session.flush()
    record("membership.role_changed", actor=actor, object_type="membership", object_id=membership.id,
           before=before, after=_membership_state(membership))


def remove_membership(membership: Membership, *, actor) -> None:
    if membership.role == "manager" and _other_managers(membership) == 0:
        raise ConflictError(_("An organisation needs at least one manager."))
    before = _membership_state(membership)
    membership_id = membership.id
    db.session.delete(membership)
    db.session.flush()
    record("membership.removed", actor=actor, object_type="membership", object_id=membership_id, before=before)
