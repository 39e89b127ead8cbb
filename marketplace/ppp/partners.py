"""Partners and roles: assigning an organisation its part in a project's partnership, and the role lifecycle.

proposed → agreed → active → ended, plus proposed → declined and active → terminated. The status moves by
a conditional UPDATE, so a double click cannot apply a step twice; every step is audited. Services flush
and never commit; the caller commits once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from marketplace.audit.services import record
from marketplace.errors import ConflictError, DomainError, ForbiddenError
from marketplace.extensions import db
from marketplace.organisations.models import Organisation
from marketplace.ppp.partner_models import (
    AGREEMENT_KINDS,
    IATI_ORG_TYPES,
    IATI_ROLES,
    PARTNER_FUNCTIONS,
    ROLE_STATUSES,
    PartnerRole,
)
from marketplace.projects.access import ADMIN, OWNER, REVIEWER, project_roles

MANAGING_ROLES = frozenset({OWNER, REVIEWER, ADMIN})
FUNDING, ACCOUNTABLE, EXTENDING, IMPLEMENTING = 1, 2, 3, 4


@dataclass(frozen=True)
class Step:
    source: str
    target: str


TRANSITIONS: dict[str, Step] = {
    "agree": Step("proposed", "agreed"),
    "decline": Step("proposed", "declined"),
    "activate": Step("agreed", "active"),
    "end": Step("active", "ended"),
    "terminate": Step("active", "terminated"),
}


# The steps a proposed organisation's own members may take on its role.
OWN_ANSWERS = frozenset({"agree", "decline"})


def is_member_of(actor, organisation_id: int) -> bool:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    return any(m.organisation_id == organisation_id and m.organisation.is_active for m in actor.memberships)


def own_answers_for(actor, roles) -> dict[int, list[str]]:
    """For each role of the actor's own organisations still proposed, the answers it may give."""
    return {role.id: [a for a in actions_for(role) if a in OWN_ANSWERS] for role in roles
            if role.status == "proposed" and is_member_of(actor, role.organisation_id)}


def may_manage(actor, project) -> bool:
    """The owner organisation's members, the reviewing authority of the project's country and admins."""
    return bool(project_roles(actor, project) & MANAGING_ROLES)


def actions_for(role: PartnerRole) -> list[str]:
    """The steps that can be taken from the role's current status, in the table's order."""
    return [name for name, step in TRANSITIONS.items() if step.source == role.status]


def assign_role(actor, project, organisation, **terms) -> PartnerRole:
    """Propose an organisation as a partner of the project; refused whole, with the field at fault, or added."""
    if not may_manage(actor, project):
        raise ForbiddenError(_("Only the project's organisation, its reviewing authority or an administrator "
                               "may change its partners."))
    return _propose(actor, "project", project, organisation, **terms)


def may_manage_programme(actor, programme) -> bool:
    """Admins, and members of the organisation that owns the programme or manages its fund."""
    if getattr(actor, "is_admin", False):
        return True
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    mine = {m.organisation_id for m in actor.memberships if m.organisation.is_active}
    return bool(mine & {programme.owner_organisation_id, programme.fund_manager_organisation_id} - {None})


def assign_programme_role(actor, programme, organisation, **terms) -> PartnerRole:
    """Propose an organisation as a partner of a whole programme (a donor, the fund manager, a monitor)."""
    if not may_manage_programme(actor, programme):
        raise ForbiddenError(_("Only the programme's owner, its fund manager or an administrator may change its "
                               "partners."))
    return _propose(actor, "programme", programme, organisation, **terms)


def _propose(actor, scope: str, target, organisation, *, iati_role: int, iati_org_type: str,
             functions: Iterable[str], starts_on: date | None = None, ends_on: date | None = None,
             agreement_kind: str | None = None, agreement_reference: str | None = None,
             agreement_signed_on: date | None = None) -> PartnerRole:
    organisation = _organisation(organisation)
    functions = _functions(functions)
    if iati_role not in IATI_ROLES:
        raise DomainError(_("Choose an IATI organisation role: funding, accountable, extending or implementing."),
                          field="iati_role")
    if iati_org_type not in IATI_ORG_TYPES:
        raise DomainError(_("“%(code)s” is not an IATI organisation type code.", code=iati_org_type),
                          field="iati_org_type")
    if agreement_kind is not None and agreement_kind not in AGREEMENT_KINDS:
        raise DomainError(_("An agreement is a memorandum of understanding or a convention."),
                          field="agreement_kind")
    if starts_on and ends_on and ends_on < starts_on:
        raise DomainError(_("The role cannot end before it starts."), field="ends_on")
    column = PartnerRole.project_id if scope == "project" else PartnerRole.programme_id
    if db.session.scalar(select(PartnerRole.id).where(column == target.id,
                                                      PartnerRole.organisation_id == organisation.id)):
        message = _("%(name)s is already a partner of this project.", name=organisation.name) if scope == "project" \
            else _("%(name)s is already a partner of this programme.", name=organisation.name)
        raise ConflictError(message, field="organisation_id")
    role = PartnerRole(organisation=organisation, iati_role=iati_role, iati_org_type=iati_org_type,
                       functions=functions, status="proposed", starts_on=starts_on, ends_on=ends_on,
                       agreement_kind=agreement_kind, agreement_reference=(agreement_reference or "").strip() or None,
                       agreement_signed_on=agreement_signed_on, **{f"{scope}_id": target.id})
    db.session.add(role)
    db.session.flush()
    record("ppp.partner_assigned", actor=actor, object_type="partner_role", object_id=role.id,
           after=role_snapshot(role))
    return role


def change_status(actor, role: PartnerRole, action: str) -> PartnerRole:
    """Move the role one step of the lifecycle, or raise and change nothing."""
    step = TRANSITIONS.get(action)
    if step is None:
        raise DomainError(_("Unknown action."))
    allowed = may_manage(actor, role.project) if role.project is not None else \
        may_manage_programme(actor, role.programme)
    if not allowed and action in OWN_ANSWERS and is_member_of(actor, role.organisation_id):
        allowed = True  # the proposed organisation answers for itself: it agrees or declines
    if not allowed:
        raise ForbiddenError(_("Only the partnership's managers may change its partners."))
    if role.status != step.source:
        raise ConflictError(_("A role that is “%(status)s” cannot be changed that way.",
                              status=ROLE_STATUSES.get(role.status, role.status)))
    changed = db.session.execute(
        update(PartnerRole).where(PartnerRole.id == role.id, PartnerRole.status == step.source)
        .values(status=step.target).execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise ConflictError(_("This role changed at the same moment; reload the page."))
    db.session.refresh(role)
    record(f"ppp.partner_{action}", actor=actor, object_type="partner_role", object_id=role.id,
           before={"status": step.source},
           after={"status": step.target, "project_id": role.project_id, "programme_id": role.programme_id,
                  "organisation_id": role.organisation_id})
    return role


def programme_roles_of(programme) -> list[PartnerRole]:
    """The programme-wide partner roles with their organisations, in one statement."""
    return list(db.session.scalars(
        select(PartnerRole).join(PartnerRole.organisation).where(PartnerRole.programme_id == programme.id)
        .options(joinedload(PartnerRole.organisation))
        .order_by(PartnerRole.iati_role, Organisation.name, PartnerRole.id)))


def attach_agreement(actor, role: PartnerRole, document) -> PartnerRole:
    """Tie a signed agreement (a PDF stored with the project's documents) to a project role."""
    if role.project is None or not may_manage(actor, role.project):
        raise ForbiddenError(_("Only the project's organisation, its reviewing authority or an administrator "
                               "may change its partners."))
    if document is None or document.project_id != role.project_id:
        raise DomainError(_("Attach the signed agreement as a PDF document."), field="file")
    before = {"agreement_document_id": role.agreement_document_id}
    role.agreement_document_id = document.id
    db.session.flush()
    record("ppp.agreement_attached", actor=actor, object_type="partner_role", object_id=role.id, before=before,
           after={"agreement_document_id": document.id, "project_id": role.project_id,
                  "organisation_id": role.organisation_id})
    return role


def roles_of(project) -> list[PartnerRole]:
    """The project's partner roles with their organisations, in one statement: by IATI role, then by name."""
    return list(db.session.scalars(
        select(PartnerRole).join(PartnerRole.organisation).where(PartnerRole.project_id == project.id)
        .options(joinedload(PartnerRole.organisation))
        .order_by(PartnerRole.iati_role, Organisation.name, PartnerRole.id)))


def role_snapshot(role: PartnerRole) -> dict:
    """What the audit keeps of a role."""
    return {
        "project_id": role.project_id, "programme_id": role.programme_id, "organisation_id": role.organisation_id,
        "iati_role": role.iati_role, "iati_org_type": role.iati_org_type, "functions": list(role.functions),
        "status": role.status, "agreement_kind": role.agreement_kind, "agreement_reference": role.agreement_reference,
        "agreement_signed_on": role.agreement_signed_on, "starts_on": role.starts_on, "ends_on": role.ends_on,
    }


def _organisation(organisation) -> Organisation:
    """An active organisation, given as a row or an id; anything else is refused on `organisation_id`."""
    if not isinstance(organisation, Organisation):
        try:
            organisation = db.session.get(Organisation, int(organisation)) if organisation is not None else None
        except (TypeError, ValueError):
            organisation = None
    if organisation is None or not organisation.is_active:
        raise DomainError(_("Choose an active organisation that exists on the platform."), field="organisation_id")
    return organisation


def _functions(functions: Iterable[str]) -> list[str]:
    """Known functions, each once, in the order of PARTNER_FUNCTIONS; at least one."""
    chosen = set(functions or ())
    unknown = chosen - set(PARTNER_FUNCTIONS)
    if unknown:
        raise DomainError(_("Unknown function: %(names)s.", names=", ".join(sorted(unknown))), field="functions")
    if not chosen:
        raise DomainError(_("Choose at least one function of the partner."), field="functions")
    return [name for name in PARTNER_FUNCTIONS if name in chosen]


@dataclass(frozen=True)
class RoleSpec:
    """A default role of domain-facts b.4: which demo organisation (by slug), with what IATI role and functions."""

    organisation_slug: str
    iati_role: int
    iati_org_type: str
    functions: tuple[str, ...]


COMMUNE_OF_REGION = {"MA-02": "commune-driouch", "MA-08": "commune-ouarzazate", "MA-01": "commune-al-hoceima"}


def default_roles(project) -> list[RoleSpec]:
    """The default partners of the project's programme (domain-facts b.4), for the demo; nothing is written.

    The project's own organisation is not listed (it owns the listing); the region's investment centre is
    the Oriental's regional council (ORG-05) in MA-02 and `cri-<region>` elsewhere. Facilitators have no
    function of their own in the list, so they appear as implementers.
    """
    scheme = project.programme.code if project.programme is not None else None
    region = project.region.iso_code if project.region is not None else ""
    cri = "org-05-region-oriental" if region == "MA-02" else f"cri-{region.lower()}"
    ministry, fund, bank = "org-01-ministere-mdm", "org-02-fonds-garantie", "org-03-banque-atlas"
    agency, oriental = "org-04-agence-migration", "org-05-region-oriental"
    specs = {
        "MDM": [RoleSpec(bank, EXTENDING, "70", ("lender", "payment_partner")),
                RoleSpec(fund, FUNDING, "15", ("grantor", "fund_manager")),
                RoleSpec(ministry, ACCOUNTABLE, "10", ("programme_owner",)),
                RoleSpec(cri, IMPLEMENTING, "15", ("implementer",))],
        "INT": [RoleSpec(bank, EXTENDING, "70", ("lender",)),
                RoleSpec(fund, FUNDING, "15", ("guarantor",))],
        "FOR": [RoleSpec(ministry, FUNDING, "10", ("programme_owner", "grantor")),
                RoleSpec("incubateur-startup-maroc", IMPLEMENTING, "80", ("trainer",))],
        "3X1": [RoleSpec(ministry, FUNDING, "10", ("programme_owner", "grantor")),
                RoleSpec(oriental, FUNDING, "10", ("grantor",)),
                *([RoleSpec(COMMUNE_OF_REGION[region], FUNDING, "10", ("grantor",))]
                  if region in COMMUNE_OF_REGION else []),
                RoleSpec(agency, ACCOUNTABLE, "40", ("monitor",))],
        "EQ": [RoleSpec(agency, IMPLEMENTING, "40", ("implementer", "monitor")),
               RoleSpec(bank, FUNDING, "70", ("lender",)),
               RoleSpec(oriental, ACCOUNTABLE, "10", ("monitor",))],
    }
    owner_slug = project.organisation.slug if getattr(project, "organisation", None) is not None else None
    return [spec for spec in specs.get(scheme, []) if spec.organisation_slug != owner_slug]
