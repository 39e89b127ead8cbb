"""The 40 demo listings, taken through the real lifecycle by the demo staff of each organisation.

Statuses that later features reach (funded, in implementation, completed) are set directly after
publication and recorded as demo history, since their own transitions arrive with those features.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.audit.services import record
from marketplace.demo.files import landscape_photo, text_pdf
from marketplace.demo.projects_data import INSTRUMENT_OF_SCHEME, PROGRAMMES, PROJECTS, SECTOR_TEXT, STATUS_MAP
from marketplace.extensions import db
from marketplace.models_common import utcnow
from marketplace.organisations.models import Organisation
from marketplace.ppp.demo import demo_plan
from marketplace.ppp.plans import set_plan
from marketplace.programmes.models import Programme
from marketplace.projects.lifecycle import transition
from marketplace.projects.models import Project, ProjectTransition
from marketplace.projects.services import ListingInput, create_draft
from marketplace.projects.uploads import add_document, add_photo
from marketplace.projects.vetting import checklist_items, save_checklist
from marketplace.reference.models import Country, Region, Sector
from marketplace.reference.queries import forget_cached_reference_data

BANK_SLUG = "org-03-banque-atlas"
ASSOCIATION_OF = {"P33": "assoc-ait-youssef-bruxelles", "P34": "assoc-draa-gennevilliers",
                  "P35": "assoc-atlas-bologna", "P36": "assoc-rif-rotterdam"}


def owner_slug(code: str, region: str, scheme: str) -> str:
    """Which demo organisation lists each project (b.4's default role assignment)."""
    if code == "P04":
        return "nador-paramedical"
    if scheme in {"MDM", "INT"}:
        return "org-05-region-oriental" if region == "MA-02" else f"cri-{region.lower()}"
    return {"FOR": "incubateur-startup-maroc", "EQ": "org-04-agence-migration"}.get(scheme) or ASSOCIATION_OF[code]


def owner_slugs() -> set[str]:
    return {owner_slug(code, region, scheme) for code, _, _, region, _, scheme, *_ in PROJECTS}


# Who pays the grants each programme's rules compute (b.4): the fund for MDM, the ministry for Forsa.
FUND_MANAGERS = {"MDM": "org-02-fonds-garantie", "FOR": "org-01-ministere-mdm"}
# Who owns each programme (b.4): the ministry in charge of MREs, the guarantee fund for Intelaka-style loans,
# the migration agency for the diaspora equity scheme.
PROGRAMME_OWNERS = {"MDM": "org-01-ministere-mdm", "INT": "org-02-fonds-garantie", "FOR": "org-01-ministere-mdm",
                    "3X1": "org-01-ministere-mdm", "EQ": "org-04-agence-migration"}
# Programme-wide partners (b.4): (organisation, IATI role, IATI type, functions) per programme.
PROGRAMME_PARTNERS = {
    "MDM": [("org-01-ministere-mdm", 2, "10", ("programme_owner",)),
            ("org-02-fonds-garantie", 1, "15", ("grantor", "fund_manager"))],
    "INT": [("org-02-fonds-garantie", 1, "15", ("guarantor", "fund_manager")),
            ("org-03-banque-atlas", 3, "70", ("lender",))],
    "FOR": [("org-01-ministere-mdm", 1, "10", ("programme_owner", "grantor"))],
    "3X1": [("org-01-ministere-mdm", 1, "10", ("programme_owner", "grantor")),
            ("org-04-agence-migration", 2, "40", ("monitor",))],
    "EQ": [("org-04-agence-migration", 4, "40", ("implementer", "monitor"))],
}


def seed_programmes() -> int:
    existing = set(db.session.scalars(select(Programme.code)))
    added = 0
    for code, name_en, name_fr, name_ar in PROGRAMMES:
        if code not in existing:
            db.session.add(Programme(code=code, name_en=name_en, name_fr=name_fr, name_ar=name_ar))
            added += 1
    db.session.flush()
    managers = dict(db.session.execute(select(Organisation.slug, Organisation.id)
                                       .where(Organisation.slug.in_(FUND_MANAGERS.values()))).all())
    owners = dict(db.session.execute(select(Organisation.slug, Organisation.id)
                                     .where(Organisation.slug.in_(PROGRAMME_OWNERS.values()))).all())
    for programme in db.session.scalars(select(Programme).where(Programme.code.in_(PROGRAMME_OWNERS))):
        if programme.fund_manager_organisation_id is None and programme.code in FUND_MANAGERS:
            programme.fund_manager_organisation_id = managers.get(FUND_MANAGERS[programme.code])
        if programme.owner_organisation_id is None:
            programme.owner_organisation_id = owners.get(PROGRAMME_OWNERS[programme.code])
    db.session.flush()
    forget_cached_reference_data()
    return added


def seed_programme_partners(admin: User) -> int:
    """The programme-wide partner roles of b.4, agreed and active; roles already there are left alone."""
    from marketplace.ppp.partner_models import PartnerRole
    from marketplace.ppp.partners import assign_programme_role, change_status

    organisations = {o.slug: o for o in db.session.scalars(select(Organisation))}
    existing = set(db.session.execute(select(PartnerRole.programme_id, PartnerRole.organisation_id)
                                      .where(PartnerRole.programme_id.is_not(None))).all())
    added = 0
    for programme in db.session.scalars(select(Programme).where(Programme.code.in_(PROGRAMME_PARTNERS))):
        for slug, iati_role, iati_type, functions in PROGRAMME_PARTNERS[programme.code]:
            organisation = organisations.get(slug)
            if organisation is None or (programme.id, organisation.id) in existing:
                continue
            role = assign_programme_role(admin, programme, organisation, iati_role=iati_role,
                                         iati_org_type=iati_type, functions=functions,
                                         agreement_kind="convention",
                                         agreement_reference=f"CONV-{programme.code}-{organisation.id:03d}")
            change_status(admin, role, "agree")
            change_status(admin, role, "activate")
            added += 1
    return added


def _mad(amount: int) -> str:
    return f"{amount:,}".replace(",", " ") + " MAD"


def _texts(row, region: Region, programme: Programme, owner: Organisation) -> dict:
    _code, title_fr, title_en, _region, sector, scheme, total, share, _status, jobs = row
    phrase_fr, phrase_en, _ = SECTOR_TEXT[sector]
    description = (
        f"**{title_fr}** est porté par {owner.name} dans la région {region.name_fr} "
        f"({region.capital}). Il renforce {phrase_fr} et s'appuie sur un promoteur issu de la diaspora.\n\n"
        f"## Le financement\n\n| Poste | Montant |\n|---|---|\n| Coût total | {_mad(total)} |\n"
        f"| Apport de la diaspora (cette campagne) | {_mad(share)} |\n| Autres financements "
        f"({programme.name_fr}) | {_mad(total - share)} |\n\n"
        f"## Impact attendu\n\n{jobs} emplois équivalent temps plein à pleine activité"
        f"{', dont une part réservée aux femmes et aux jeunes de la région' if jobs else ''}.\n"
    )
    risks = {
        "MDM": "Retards de chantier ou d'équipement; dépendance au prêt bancaire; montée en charge plus lente "
               "que prévu. Les fonds propres investis peuvent être perdus en tout ou partie.",
        "INT": "Remboursement du prêt dépendant des premières ventes; garantie partielle seulement.",
        "FOR": "Très petite entreprise: chiffre d'affaires incertain les deux premières années.",
        "3X1": "Don: aucun retour financier; risque de retard des cofinancements publics.",
        "EQ": "Participation minoritaire non cotée, difficile à revendre; risque technologique et de marché.",
    }[scheme]
    return {
        "description": description,
        "summary": f"Un projet pour {phrase_fr} dans la région {region.name_fr}, cofinancé par "
                   f"{programme.name_fr}. Apport recherché auprès de la diaspora : {_mad(share)}.",
        "translations": {"en": {"title": title_en,
                                "summary": f"A project for {phrase_en} in the {region.name_en} region, "
                                           f"co-financed under {programme.name_en}. Diaspora contribution "
                                           f"sought: {_mad(share)}."}},
        "risks": risks,
    }


def _staff(slug: str) -> User:
    return db.session.scalar(select(User).where(User.email == f"staff.{slug}@demo.passerelle.org"))


def seed_projects(*, reviewer: User, banker: User, today: date | None = None) -> int:
    """Create the listings of b.5 that are missing, each walked to its listed state."""
    today = today or date.today()
    existing = set(db.session.scalars(select(Project.code).where(Project.code.is_not(None))))
    organisations = {o.slug: o for o in db.session.scalars(select(Organisation))}
    programmes = {p.code: p for p in db.session.scalars(select(Programme))}
    regions = {r.iso_code: r for r in db.session.scalars(select(Region))}
    sectors = {s.code: s for s in db.session.scalars(select(Sector))}
    morocco = db.session.scalar(select(Country).where(Country.iso2 == "MA"))
    bank = organisations[BANK_SLUG]
    created = 0
    for index, row in enumerate(PROJECTS):
        code, title_fr, _, region_code, sector_code, scheme, total, share, status, jobs = row
        if code in existing:
            continue
        owner = organisations[owner_slug(code, region_code, scheme)]
        actor = _staff(owner.slug)
        texts = _texts(row, regions[region_code], programmes[scheme], owner)
        data = ListingInput(
            title=title_fr, summary=texts["summary"], description=texts["description"],
            translations=texts["translations"], country_id=morocco.id, region_id=regions[region_code].id,
            sector_id=sectors[sector_code].id, instrument=INSTRUMENT_OF_SCHEME[scheme],
            funding_rule="flexible" if scheme == "3X1" else "all_or_nothing", currency="MAD",
            target=str(share), min_ticket=str(min(share, 500 if scheme == "3X1" else 5000)),
            campaign_starts_on=today, campaign_ends_on=today + timedelta(days=45 + index % 30),
            language="fr", programme_id=programmes[scheme].id, partner_bank_id=bank.id, risks=texts["risks"],
            expected_jobs=jobs, sdg_goals=[*SECTOR_TEXT[sector_code][2], 17],
        )
        project = create_draft(actor=actor, organisation=owner, data=data, today=today, code=code, is_demo=True)
        _attach_files(project, code, title_fr, sector_code, total, share, with_bank_letter=status != "draft")
        plan = demo_plan(row, on=today, organisation_ids={slug: o.id for slug, o in organisations.items()})
        set_plan(project, actor, plan.total_cost_minor, plan.components,
                 diaspora_capital_share_bp=plan.diaspora_capital_share_bp, on=today)
        _walk(project, STATUS_MAP[status], index=index, owner=actor, reviewer=reviewer, banker=banker, today=today)
        _partners(project, actor, organisations, today)
        created += 1
    return created


# How far each project's partnership roles have come, by the project's state.
PARTNER_STEPS = {"approved": ("agree",), "published": ("agree",), "funded": ("agree", "activate"),
                 "in_implementation": ("agree", "activate"), "completed": ("agree", "activate")}


def _partners(project: Project, owner: User, organisations: dict, today: date) -> None:
    """The default partners of the project's programme (b.4), as far along as the project itself."""
    from marketplace.ppp.partners import assign_role, change_status, default_roles

    for spec in default_roles(project):
        organisation = organisations.get(spec.organisation_slug)
        if organisation is None:
            continue
        role = assign_role(owner, project, organisation, iati_role=spec.iati_role, iati_org_type=spec.iati_org_type,
                           functions=spec.functions, starts_on=project.campaign_starts_on,
                           agreement_kind="convention" if project.status != "in_review" else None,
                           agreement_reference=f"CONV-{project.code}-{organisation.id:03d}"
                           if project.status != "in_review" else None)
        for action in PARTNER_STEPS.get(project.status, ()):
            change_status(owner, role, action)


def _attach_files(project: Project, code: str, title: str, sector: str, total: int, share: int, *,
                  with_bank_letter: bool) -> None:
    add_document(project, actor=None, kind="kiis", title=f"Fiche d'informations clés — {code}",
                 filename=f"{code}-kiis.pdf", data=text_pdf(f"Fiche d'informations clés — {code}", [
                     title, f"Coût total : {_mad(total)}", f"Apport diaspora recherché : {_mad(share)}",
                     "Document de démonstration : données fictives."]))
    add_document(project, actor=None, kind="feasibility", title="Étude de faisabilité (synthèse)",
                 filename=f"{code}-faisabilite.pdf", data=text_pdf(f"Étude de faisabilité — {code}", [
                     title, "Marché, plan d'affaires et prévisions sur cinq ans.",
                     "Document de démonstration : données fictives."]))
    if with_bank_letter:
        add_document(project, actor=None, kind="bank_letter", title="Lettre d'accord de principe de la banque",
                     filename=f"{code}-banque.pdf", is_public=False, data=text_pdf(f"Banque Atlas — {code}", [
                         "Accord de principe sous réserve de la due diligence.",
                         "Document de démonstration : données fictives."]))
    add_photo(project, actor=None, data=landscape_photo(sector, int(code[1:])), caption=title)


def _walk(project: Project, target: str, *, index: int, owner: User, reviewer: User, banker: User,
          today: date) -> None:
    if target == "draft":
        return
    transition(project, "submit", actor=owner, today=today)
    transition(project, "start_review", actor=reviewer, today=today)
    if target == "in_review":
        return
    save_checklist(project, actor=banker, co_sign=True,
                   answers={item.id: (True, "Vérifié en agence (démo).") for item in checklist_items()})
    transition(project, "approve", actor=reviewer, today=today, note="Dossier complet (démo).")
    transition(project, "publish", actor=owner, today=today)
    started = today - timedelta(days=5 + (index * 7) % 40)
    project.campaign_starts_on = started
    project.campaign_ends_on = started + timedelta(days=60 + index % 30)
    if target == "published":
        return
    # Later statuses belong to features still to come: set them as demo history, visibly.
    project.campaign_ends_on = today - timedelta(days=10 + index % 60)
    project.campaign_starts_on = project.campaign_ends_on - timedelta(days=60)
    db.session.add(ProjectTransition(project_id=project.id, action="demo_history", from_status="published",
                                     to_status=target, note="Demo data: state set directly."))
    project.status = target
    project.updated_at = utcnow()
    db.session.flush()
    record("project.demo_status_set", object_type="project", object_id=project.id,
           before={"status": "published"}, after={"status": target}, note="demo data")
