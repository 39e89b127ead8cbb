"""Between the listing form and the listing service: choices, conversion both ways."""

from __future__ import annotations

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.money import to_major
from marketplace.organisations.models import Organisation
from marketplace.programmes.models import Programme
from marketplace.projects.forms import ProjectForm
from marketplace.projects.models import Project
from marketplace.projects.services import ListingInput
from marketplace.reference.models import Country, Region, Sector

NONE = (0, "—")
TRANSLATED_LANGUAGES = ("en", "fr", "ar")


def prepare_form(form: ProjectForm, *, organisations) -> ProjectForm:
    """Fill the select lists; `organisations` is None when editing (the owner cannot change)."""
    if organisations is None:
        del form.organisation_id
    else:
        form.organisation_id.choices = [(o.id, o.name) for o in organisations]
    countries = db.session.scalars(select(Country).where(Country.hosts_projects.is_(True)).order_by(Country.iso2))
    form.country_id.choices = [(c.id, c.name) for c in countries]
    regions = db.session.scalars(select(Region).join(Country).where(Country.hosts_projects.is_(True))
                                 .order_by(Region.iso_code))
    form.region_id.choices = [(r.id, f"{r.iso_code} · {r.name}") for r in regions]
    sectors = db.session.scalars(select(Sector).where(Sector.is_listable.is_(True)).order_by(Sector.position))
    form.sector_id.choices = [(s.id, s.name) for s in sectors]
    programmes = db.session.scalars(select(Programme).where(Programme.is_active.is_(True)).order_by(Programme.code))
    form.programme_id.choices = [NONE, *[(p.id, f"{p.code} · {p.name}") for p in programmes]]
    banks = db.session.scalars(select(Organisation).where(Organisation.type.in_(("bank", "microfinance")),
                                                          Organisation.is_active.is_(True)).order_by(Organisation.name))
    form.partner_bank_id.choices = [NONE, *[(b.id, b.name) for b in banks]]
    return form


def form_to_input(form: ProjectForm) -> ListingInput:
    translations = {
        lang: {"title": getattr(form, f"title_{lang}").data or "",
               "summary": getattr(form, f"summary_{lang}").data or ""}
        for lang in TRANSLATED_LANGUAGES
    }
    return ListingInput(
        language=form.language.data,
        title=form.title.data or "",
        summary=form.summary.data or "",
        description=form.description.data or "",
        translations=translations,
        country_id=form.country_id.data,
        region_id=form.region_id.data,
        sector_id=form.sector_id.data,
        programme_id=form.programme_id.data or None,
        partner_bank_id=form.partner_bank_id.data or None,
        instrument=form.instrument.data,
        funding_rule=form.funding_rule.data,
        currency=form.currency.data,
        target=(form.target.data or "").replace(" ", "").replace(",", "."),
        min_ticket=(form.min_ticket.data or "").replace(" ", "").replace(",", "."),
        oversubscription_cap=(form.oversubscription_cap.data or "").replace(" ", "").replace(",", "."),
        campaign_starts_on=form.campaign_starts_on.data,
        campaign_ends_on=form.campaign_ends_on.data,
        risks=form.risks.data or "",
        expected_jobs=form.expected_jobs.data,
        sdg_goals=list(form.sdg_goals.data or []),
    )


def project_to_form(project: Project, form: ProjectForm) -> None:
    for name in ("language", "title", "summary", "description", "country_id", "region_id", "sector_id",
                 "instrument", "funding_rule", "currency", "campaign_starts_on", "campaign_ends_on", "risks",
                 "expected_jobs"):
        getattr(form, name).data = getattr(project, name)
    form.programme_id.data = project.programme_id or 0
    form.partner_bank_id.data = project.partner_bank_id or 0
    form.target.data = str(to_major(project.target_minor, project.currency))
    form.min_ticket.data = str(to_major(project.min_ticket_minor, project.currency))
    form.oversubscription_cap.data = (str(to_major(project.oversubscription_cap_minor, project.currency))
                                      if project.oversubscription_cap_minor else "")
    form.sdg_goals.data = project.sdg_goals
    for lang in TRANSLATED_LANGUAGES:
        values = (project.translations or {}).get(lang, {})
        getattr(form, f"title_{lang}").data = values.get("title", "")
        getattr(form, f"summary_{lang}").data = values.get("summary", "")
