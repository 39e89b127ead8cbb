"""Demo ledgers: commitments, milestones with their tranches, evidence and payments, as far as each project has come.

Funded projects have their commitments confirmed and their milestones set; projects in implementation have
the promoter's funds paid, the first milestone met with its tranches released, and the second one waiting
for the monitor (or returned with a note); operational (completed) projects have every milestone met and
every commitment paid. Everything goes through the ledger and milestone services, so the demo obeys the
same rules (and leaves the same audit trail) as real use. Tranche shares follow b.5: MDM grant 40/40/20.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.demo.files import text_pdf
from marketplace.extensions import db
from marketplace.organisations.models import Membership
from marketplace.ppp import ledger, milestones
from marketplace.ppp.ledger_models import Milestone
from marketplace.ppp.models import FinancingComponent
from marketplace.projects.models import Project
from marketplace.projects.uploads import store_document

LEDGER_STATUSES = ("funded", "in_implementation", "completed")


@dataclass(frozen=True)
class Step:
    title: str
    evidence: str
    share_percent: int  # of each tranched component
    months: int  # due this many months after the campaign closed


STEPS = {
    "MDM": [Step("Local aménagé et autorisations obtenues", "Permis et procès-verbal de réception des travaux", 40, 4),
            Step("Équipements installés", "Factures et procès-verbal d'installation signé", 40, 9),
            Step("Mise en service et premiers emplois", "Attestation de démarrage et déclarations CNSS", 20, 14)],
    "INT": [Step("Acquisition du matériel", "Factures du matériel financé", 60, 3),
            Step("Démarrage de l'activité", "Attestation de démarrage et premier bilan", 40, 8)],
    "FOR": [Step("Formation et plan d'affaires validés", "Attestation de l'incubateur", 50, 2),
            Step("Premières ventes", "Journal des ventes des trois premiers mois", 50, 6)],
    "3X1": [Step("Études et marché de travaux signés", "Marché signé et ordre de service", 40, 3),
            Step("Travaux à mi-parcours", "Rapport de chantier visé par la commune", 40, 8),
            Step("Réception définitive", "Procès-verbal de réception définitive", 20, 13)],
    "EQ": [Step("Installation de l'unité", "Procès-verbal d'installation", 50, 4),
           Step("Premier exercice d'activité", "Comptes du premier exercice", 50, 12)],
}


def seed_ledgers(*, today: date | None = None) -> int:
    """Ledgers for demo projects from funded onwards that have no milestones yet; returns how many."""
    today = today or date.today()
    done = set(db.session.scalars(select(Milestone.project_id).distinct()))
    projects = db.session.scalars(select(Project).where(Project.is_demo.is_(True), Project.status.in_(LEDGER_STATUSES))
                                  .order_by(Project.code)).all()
    actors = _actors()
    count = 0
    for project in projects:
        if project.id in done or project.programme is None:
            continue
        _seed_one(project, actors, today)
        count += 1
    return count


def _actors() -> dict:
    """Who acts for whom: each organisation's first manager, the reviewing authority and the admin."""
    rows = db.session.execute(select(Membership.organisation_id, User).join(User, User.id == Membership.user_id)
                              .where(Membership.role == "manager").order_by(User.id)).all()
    by_organisation: dict[int, User] = {}
    for organisation_id, user in rows:
        by_organisation.setdefault(organisation_id, user)
    email = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(
        ("reviewer@demo.passerelle.org", "monitor@demo.passerelle.org", "admin@demo.passerelle.org"))))}
    return {"by_organisation": by_organisation, "reviewer": email["reviewer@demo.passerelle.org"],
            "monitor": email["monitor@demo.passerelle.org"], "admin": email["admin@demo.passerelle.org"]}


def _seed_one(project: Project, actors: dict, today: date) -> None:
    owner = actors["by_organisation"].get(project.organisation_id) or actors["admin"]
    components = db.session.scalars(select(FinancingComponent).where(FinancingComponent.project_id == project.id)
                                    .order_by(FinancingComponent.id)).all()
    payers = {c.id: _payer(c, owner, actors) for c in components}
    for component in components:
        if not component.raised_by_campaign and component.status in ledger.CONFIRMABLE_STATUSES:
            ledger.confirm_commitment(payers[component.id], component, project)
    closed = project.campaign_ends_on or today
    steps = STEPS[project.programme.code]
    tranched = [c for c in components if c.kind in ledger.TRANCHED_KINDS and not c.raised_by_campaign]
    plan: list[tuple[Milestone, list]] = []
    for step in steps:
        due = min(closed + timedelta(days=30 * step.months), today + timedelta(days=30 * step.months))
        milestone = milestones.add_milestone(owner, project, title=step.title, due_on=due,
                                             evidence_required=step.evidence)
        plan.append((milestone, [milestones.add_tranche(owner, project, milestone=milestone, component=c,
                                                        amount_minor=_share(c, step, steps))
                                 for c in tranched]))
    if project.status == "funded":
        return
    judge = actors["monitor"] if _monitored(project) else actors["reviewer"]
    reached = len(plan) if project.status == "completed" else 1
    paid_on = closed + timedelta(days=20)
    for number, (milestone, tranches) in enumerate(plan[:reached], start=1):
        _evidence(project, owner, milestone)
        milestones.approve_milestone(judge, project, milestone, note="Justificatifs vérifiés (démo).")
        for tranche in tranches:
            milestones.release_tranche(payers[tranche.component_id], project, tranche,
                                       disbursed_on=min(paid_on + timedelta(days=40 * number), today),
                                       reference=f"{project.code}-T{number}-{tranche.component_id}", today=today)
    if project.status == "in_implementation" and len(plan) > 1:
        _evidence(project, owner, plan[1][0])
        if int(project.code[1:]) % 3 == 0:
            milestones.return_milestone(judge, project, plan[1][0],
                                        note="Le procès-verbal n'est pas signé par l'organisme de contrôle.")
    for component in components:
        if component.raised_by_campaign or not component.is_cash or component in tranched:
            continue
        part = component.amount_minor if project.status == "completed" or component.provider_organisation_id is None \
            else component.amount_minor // 2
        ledger.record_disbursement(payers[component.id], project, component, amount_minor=part,
                                   disbursed_on=min(paid_on, today), reference=f"{project.code}-V-{component.id}",
                                   today=today)


def _payer(component: FinancingComponent, owner: User, actors: dict) -> User:
    if component.provider_organisation_id is None:
        return owner
    return actors["by_organisation"].get(component.provider_organisation_id) or actors["admin"]


def _monitored(project: Project) -> bool:
    return project.programme.code in ("3X1", "EQ")  # the migration agency monitors these (b.4)


def _share(component: FinancingComponent, step: Step, steps: list[Step]) -> int:
    """The step's share of the component; the last step takes what rounding left."""
    if step is steps[-1]:
        return component.amount_minor - sum(component.amount_minor * s.share_percent // 100 for s in steps[:-1])
    return component.amount_minor * step.share_percent // 100


def _evidence(project: Project, owner: User, milestone: Milestone) -> None:
    document = store_document(project, actor=owner, kind="evidence", title=f"Justificatif — {milestone.title}",
                              filename=f"{project.code}-jalon-{milestone.position}.pdf", is_public=False,
                              data=text_pdf(f"{project.code} — {milestone.title}", [
                                  milestone.evidence_required, "Document de démonstration : données fictives."]))
    milestones.submit_evidence(owner, project, milestone, document=document)
