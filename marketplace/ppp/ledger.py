"""The contribution ledger: per partner and kind, what is planned, committed, disbursed and still to come.

Committed is the sum of a partner's components whose status is a commitment (approved, committed, disbursed);
disbursed is the sum of its disbursement entries; remaining = committed - disbursed is computed, never stored.
Crowd pledges and matching pools are contributions too, read from the pledges themselves: committed once the
investor's offer is binding, disbursed once paid. Services flush and never commit; the caller commits once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from sqlalchemy import case, func, select, update
from sqlalchemy.orm import joinedload

from marketplace.audit.services import record
from marketplace.errors import ConflictError, DomainError, ForbiddenError
from marketplace.extensions import db
from marketplace.money import format_money, to_major
from marketplace.ppp.access import member_organisation_ids
from marketplace.ppp.ledger_models import Disbursement, Tranche
from marketplace.ppp.models import COMPONENT_KINDS, COMPONENT_STATUSES, FinancingComponent
from marketplace.projects.access import OWNER, project_roles

COMMITTED_STATUSES = frozenset({"approved", "committed", "disbursed"})
CONFIRMABLE_STATUSES = ("planned", "applied", "approved")
TRANCHED_KINDS = frozenset({"grant", "bank_loan", "honour_loan"})
# Pledge states in which the investor's money is promised (offers can still be revoked), and paid.
PLEDGE_COMMITTED = ("committed", "collecting", "paid")
CROWD, MATCH = "crowd", "match"


@dataclass
class LedgerLine:
    """One partner's contribution of one kind; `source` says whether it comes from the plan or from pledges."""

    partner: str
    kind: str
    kind_label: str
    is_cash: bool
    planned: int = 0
    committed: int = 0
    disbursed: int = 0
    organisation_id: int | None = None
    source: str = "plan"
    component_ids: list[int] = field(default_factory=list)

    @property
    def remaining(self) -> int:
        return self.committed - self.disbursed


@dataclass
class Ledger:
    currency: str
    cash: list[LedgerLine]
    non_cash: list[LedgerLine]
    entries: list[Disbursement]

    def total(self, attribute: str) -> int:
        return sum(getattr(line, attribute) for line in self.cash)


def ledger_of(project) -> Ledger:
    """The project's ledger in four statements, whatever the number of partners, pledges and entries."""
    components = list(db.session.scalars(
        select(FinancingComponent).where(FinancingComponent.project_id == project.id)
        .options(joinedload(FinancingComponent.provider_organisation)).order_by(FinancingComponent.id)))
    paid_out = dict(db.session.execute(
        select(Disbursement.component_id, func.sum(Disbursement.amount_minor))
        .where(Disbursement.project_id == project.id).group_by(Disbursement.component_id)).all())
    lines: dict[tuple, LedgerLine] = {}
    for component in components:
        if component.raised_by_campaign or component.status == "cancelled":
            continue
        provider = component.provider_organisation
        key = (provider.id if provider else None, component.kind)
        line = lines.get(key)
        if line is None:
            line = lines[key] = LedgerLine(
                partner=provider.name if provider else _("The project's promoter"), kind=component.kind,
                kind_label=component.kind_label, is_cash=component.is_cash,
                organisation_id=provider.id if provider else None)
        line.component_ids.append(component.id)
        line.planned += component.amount_minor
        if component.status in COMMITTED_STATUSES:
            line.committed += component.amount_minor
        line.disbursed += int(paid_out.get(component.id, 0))
    raised = [c for c in components if c.raised_by_campaign and c.status != "cancelled"]
    automatic = _pledge_lines(project, raised[0] if raised else None)
    ordered = sorted(lines.values(), key=lambda line: (line.partner.casefold(), line.kind))
    entries = list(db.session.scalars(
        select(Disbursement).where(Disbursement.project_id == project.id)
        .options(joinedload(Disbursement.component).joinedload(FinancingComponent.provider_organisation),
                 joinedload(Disbursement.evidence_document))
        .order_by(Disbursement.disbursed_on, Disbursement.id)))
    return Ledger(currency=project.currency, cash=[line for line in ordered if line.is_cash] + automatic,
                  non_cash=[line for line in ordered if not line.is_cash], entries=entries)


def _pledge_lines(project, raised: FinancingComponent | None) -> list[LedgerLine]:
    """The source the campaign raises, paid by pledges, and the matching pools behind them (one grouped statement).

    Pledges without a source marked as raised by the campaign still show, as crowd pledges nobody planned.
    """
    from marketplace.organisations.models import Organisation
    from marketplace.pledges.models import MatchPool, Pledge

    committed = Pledge.status.in_(PLEDGE_COMMITTED)
    paid = Pledge.status == "paid"
    rows = db.session.execute(
        select(Pledge.match_pool_id, Organisation.id, Organisation.name,
               func.sum(case((committed, Pledge.amount_minor), else_=0)),
               func.sum(case((paid, Pledge.amount_minor), else_=0)),
               func.sum(case((committed, Pledge.matched_minor), else_=0)),
               func.sum(case((paid, Pledge.matched_minor), else_=0)))
        .outerjoin(MatchPool, MatchPool.id == Pledge.match_pool_id)
        .outerjoin(Organisation, Organisation.id == MatchPool.organisation_id)
        .where(Pledge.project_id == project.id)
        .group_by(Pledge.match_pool_id, Organisation.id, Organisation.name)).all()
    kind = raised.kind if raised is not None else "crowd_pledges"
    crowd = LedgerLine(partner=_("Diaspora investors"), kind=kind, kind_label=str(COMPONENT_KINDS[kind]),
                       is_cash=True, planned=raised.amount_minor if raised is not None else 0, source=CROWD,
                       component_ids=[raised.id] if raised is not None else [])
    pools = []
    for pool_id, organisation_id, name, amount, amount_paid, matched, matched_paid in rows:
        crowd.committed += int(amount or 0)
        crowd.disbursed += int(amount_paid or 0)
        if pool_id is not None and (matched or matched_paid):
            pools.append(LedgerLine(partner=name, kind="match", kind_label=_("Matching of crowd pledges"),
                                    is_cash=True, committed=int(matched or 0), disbursed=int(matched_paid or 0),
                                    organisation_id=organisation_id, source=MATCH))
    shown = [crowd] if crowd.planned or crowd.committed else []
    return shown + sorted(pools, key=lambda line: line.partner.casefold())


def may_disburse(actor, component: FinancingComponent, project) -> bool:
    """The provider's members record its payments; the promoter's own funds are recorded by the owner; admins too."""
    if getattr(actor, "is_admin", False):
        return True
    if component.provider_organisation_id is None:
        return OWNER in project_roles(actor, project)
    return component.provider_organisation_id in member_organisation_ids(actor)


def confirm_commitment(actor, component: FinancingComponent, project) -> FinancingComponent:
    """The provider confirms its component is committed: from planned, applied or approved to committed."""
    if not may_disburse(actor, component, project):
        raise ForbiddenError(_("Only the organisation that provides this financing may confirm its commitment."))
    _refuse_campaign_source(component)
    if component.status not in CONFIRMABLE_STATUSES:
        raise ConflictError(_("This financing is already “%(status)s”.",
                              status=COMPONENT_STATUSES.get(component.status, component.status)))
    source = component.status
    _move_component(component, source, "committed")
    record("ppp.commitment_confirmed", actor=actor, object_type="financing_component", object_id=component.id,
           before={"status": source}, after={"status": "committed", "project_id": project.id,
                                            "amount_minor": component.amount_minor})
    return component


def record_disbursement(actor, project, component: FinancingComponent, *, amount_minor: int, disbursed_on: date,
                        reference: str, evidence=None, note: str | None = None, tranche: Tranche | None = None,
                        today: date | None = None) -> Disbursement:
    """Enter money a partner paid into the project, or refuse with the field at fault and write nothing.

    The component's row is locked first, so two entries at once cannot together pass its commitment.
    Grants and loans paid in tranches are paid only through `milestones.release_tranche`.
    """
    if component.project_id != project.id:
        raise DomainError(_("This financing belongs to another project."), field="component_id")
    if not may_disburse(actor, component, project):
        raise ForbiddenError(_("Only the organisation that provides this financing may record its payments."))
    if not component.is_cash:
        raise DomainError(_("Guarantees and contributions in kind are not paid into the project."),
                          field="component_id")
    _refuse_campaign_source(component)
    if tranche is None and db.session.scalar(select(Tranche.id).where(Tranche.component_id == component.id)
                                             .limit(1)) is not None:
        raise DomainError(_("This financing is paid in tranches: release the tranche once its milestone is met."),
                          field="component_id")
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int) or amount_minor <= 0:
        raise DomainError(_("Enter an amount greater than zero."), field="amount")
    if disbursed_on is None or disbursed_on > (today or date.today()):
        raise DomainError(_("Give the date the money was paid; it cannot be in the future."), field="disbursed_on")
    if project.campaign_starts_on is not None and disbursed_on < project.campaign_starts_on:
        raise DomainError(_("Money cannot have been paid into the project before its campaign opened on %(date)s.",
                            date=format_date(project.campaign_starts_on, "medium")), field="disbursed_on")
    reference = (reference or "").strip()
    if not reference:
        raise DomainError(_("Give the bank reference of the payment."), field="reference")
    locked = lock_component(component.id)
    if locked.status not in COMMITTED_STATUSES:
        raise ConflictError(_("This financing is not committed yet, so nothing can be paid against it."),
                            field="component_id")
    if db.session.scalar(select(Disbursement.id).where(Disbursement.component_id == component.id,
                                                       Disbursement.reference == reference)) is not None:
        raise ConflictError(_("A payment with this reference is already recorded for this financing."),
                            field="reference")
    already = db.session.scalar(select(func.coalesce(func.sum(Disbursement.amount_minor), 0))
                                .where(Disbursement.component_id == component.id))
    left = locked.amount_minor - int(already)
    if amount_minor > left:
        raise DomainError(_("Only %(left)s of this commitment remains to be paid.",
                            left=format_money(left, locked.currency, get_locale())), field="amount")
    entry = Disbursement(project_id=project.id, component_id=component.id, tranche_id=tranche.id if tranche else None,
                         amount_minor=amount_minor, currency=locked.currency, disbursed_on=disbursed_on,
                         reference=reference[:120], note=(note or "").strip()[:500] or None,
                         evidence_document_id=evidence.id if evidence is not None else None,
                         recorded_by_id=getattr(actor, "id", None))
    db.session.add(entry)
    db.session.flush()
    if amount_minor == left and locked.status != "disbursed":
        _move_component(locked, locked.status, "disbursed")
    record("ppp.disbursement_recorded", actor=actor, object_type="disbursement", object_id=entry.id,
           after={"project_id": project.id, "component_id": component.id, "tranche_id": entry.tranche_id,
                  "amount_minor": amount_minor, "currency": entry.currency, "disbursed_on": disbursed_on,
                  "reference": entry.reference, "evidence_document_id": entry.evidence_document_id})
    _start_implementation(project)
    return entry


def _refuse_campaign_source(component: FinancingComponent) -> None:
    if component.raised_by_campaign:
        raise DomainError(_("This source is raised through the campaign: the investors' pledges pay it, so it is "
                            "not entered by hand."), field="component_id")


def lock_component(component_id: int) -> FinancingComponent:
    """Hold the component's row until the transaction ends, then read it fresh.

    A no-op UPDATE rather than FOR UPDATE: on SQLite, where FOR UPDATE does nothing, the UPDATE takes the
    single writer's lock before anything is read, so a second writer waits and then sees the first one's entry.
    """
    db.session.execute(update(FinancingComponent).where(FinancingComponent.id == component_id)
                       .values(status=FinancingComponent.status).execution_options(synchronize_session=False))
    return db.session.scalar(select(FinancingComponent).where(FinancingComponent.id == component_id)
                             .execution_options(populate_existing=True))


def _move_component(component: FinancingComponent, source: str, target: str) -> None:
    changed = db.session.execute(
        update(FinancingComponent).where(FinancingComponent.id == component.id, FinancingComponent.status == source)
        .values(status=target).execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        raise ConflictError(_("This financing changed at the same moment; reload the page."))
    db.session.refresh(component, ["status"])


def _start_implementation(project) -> None:
    """The first disbursement into a funded project starts its implementation (project state machine)."""
    if project.status == "funded":
        from marketplace.projects.lifecycle import transition

        transition(project, "start_implementation", actor=None)


def ledger_rows(ledger: Ledger) -> list[list[str]]:
    """The ledger as CSV rows: one line per partner and kind, amounts in major units with a dot."""
    header = ["partner", "kind", "cash", "source", "currency", "planned", "committed", "disbursed", "remaining"]
    rows = [header]
    for line in ledger.cash + ledger.non_cash:
        rows.append([line.partner, line.kind, "yes" if line.is_cash else "no", line.source, ledger.currency,
                     *(str(to_major(getattr(line, name), ledger.currency))
                       for name in ("planned", "committed", "disbursed", "remaining"))])
    return rows


def totals_by_partner(ledgers: list[Ledger]) -> dict[str, int]:
    """Cash committed per partner across ledgers (used by the partnership list)."""
    totals: dict[str, int] = defaultdict(int)
    for ledger in ledgers:
        for line in ledger.cash:
            totals[line.partner] += line.committed
    return dict(totals)
