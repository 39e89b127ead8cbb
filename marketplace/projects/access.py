"""Who stands where towards a project: owner, partner bank, reviewing authority, or the public."""

from __future__ import annotations

OWNER, BANK, REVIEWER, ADMIN = "owner", "bank", "reviewer", "admin"
PUBLIC_STATUSES = frozenset({"published", "funded", "in_implementation", "completed"})
CATALOGUE_STATUSES = frozenset({"published"})


def project_roles(user, project) -> set[str]:
    """The user's roles on this project, from memberships (organisation and country scope)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    roles: set[str] = set()
    if user.is_admin:
        roles.add(ADMIN)
    for membership in user.memberships:
        organisation = membership.organisation
        if not organisation.is_active:
            continue
        if membership.organisation_id == project.organisation_id:
            roles.add(OWNER)
        if project.partner_bank_id and membership.organisation_id == project.partner_bank_id:
            roles.add(BANK)
        if organisation.is_authority and organisation.country_id == project.country_id:
            roles.add(REVIEWER)
    return roles


def can_view(user, project) -> bool:
    return project.status in PUBLIC_STATUSES or bool(project_roles(user, project))


def reviewer_country_ids(user) -> set[int]:
    return {
        m.organisation.country_id
        for m in user.memberships
        if m.organisation.is_active and m.organisation.is_authority and m.organisation.country_id
    }


def bank_organisation_ids(user) -> set[int]:
    return {m.organisation_id for m in user.memberships
            if m.organisation.is_active and m.organisation.type in {"bank", "microfinance"}}


def listing_organisations(user) -> list:
    """Organisations the user may list projects for: partner and authority organisations they belong to."""
    return [m.organisation for m in user.memberships
            if m.organisation.is_active and (m.organisation.is_partner or m.organisation.is_authority)]
