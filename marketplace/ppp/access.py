"""Who stands where in a project's partnership: the project's parties, plus its partner organisations.

`project_roles` knows the owner, the partner bank, the reviewing authority and admins. A partnership adds
every organisation holding a live role on the project (`partner`), and among them the monitors (`monitor`),
whose members judge milestones. A declined or terminated role gives nothing.
"""

from __future__ import annotations

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.ppp.models import FinancingComponent
from marketplace.ppp.partner_models import PartnerRole
from marketplace.projects.access import ADMIN, BANK, OWNER, REVIEWER, project_roles

PARTNER, MONITOR = "partner", "monitor"
LIVE_ROLE_STATUSES = ("proposed", "agreed", "active", "ended")
JUDGING_ROLE_STATUSES = frozenset({"agreed", "active"})
WORKSPACE_ROLES = frozenset({OWNER, BANK, REVIEWER, ADMIN, PARTNER})
MANAGING_ROLES = frozenset({OWNER, REVIEWER, ADMIN})


def member_organisation_ids(user) -> set[int]:
    """The active organisations the user belongs to."""
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    return {m.organisation_id for m in user.memberships if m.organisation.is_active}


def partnership_roles(user, project) -> set[str]:
    """`project_roles` plus `partner` (a live role, or a source of financing in the plan) and `monitor`."""
    roles = project_roles(user, project)
    organisations = member_organisation_ids(user)
    if not organisations:
        return roles
    for status, functions in db.session.execute(
        select(PartnerRole.status, PartnerRole.functions).where(
            PartnerRole.project_id == project.id, PartnerRole.organisation_id.in_(organisations),
            PartnerRole.status.in_(LIVE_ROLE_STATUSES))):
        roles.add(PARTNER)
        if "monitor" in (functions or ()) and status in JUDGING_ROLE_STATUSES:
            roles.add(MONITOR)
    if PARTNER not in roles and db.session.scalar(
            select(FinancingComponent.id).where(FinancingComponent.project_id == project.id,
                                                FinancingComponent.provider_organisation_id.in_(organisations))
            .limit(1)) is not None:
        roles.add(PARTNER)  # a provider in the financing plan is a partner even before its role is recorded
    return roles
