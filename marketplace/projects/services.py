"""Drafting and editing listings: validation, versions, material edits after publication.

The views and (later) the API pass a ListingInput; nothing here reads the request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from marketplace.audit.services import record
from marketplace.errors import ConflictError, DomainError, ForbiddenError
from marketplace.extensions import db
from marketplace.money import SUPPORTED_CURRENCIES, MoneyError, to_major, to_minor
from marketplace.organisations.models import Organisation
from marketplace.programmes.models import Programme
from marketplace.projects.access import OWNER, project_roles
from marketplace.projects.models import (
    FUNDING_RULES,
    INSTRUMENTS,
    Project,
    ProjectSdg,
    ProjectVersion,
)
from marketplace.reference.models import Country, Region, Sector

# Changing one of these after publication changes what investors agreed to: back to review.
MATERIAL_FIELDS = ("instrument", "funding_rule", "currency", "target_minor", "min_ticket_minor",
                   "oversubscription_cap_minor",
                   "campaign_starts_on", "campaign_ends_on", "programme_id", "risks", "partner_bank_id")
TEXT_FIELDS = ("language", "title", "summary", "description", "translations", "country_id", "region_id",
               "sector_id", "expected_jobs")
LISTING_FIELDS = TEXT_FIELDS + MATERIAL_FIELDS
EDITABLE_STATUSES = {"draft", "changes_requested"}
LIVE_STATUSES = {"approved", "published", "suspended"}
MAX_TARGET_MAJOR = 10_000_000_000
MAX_CAMPAIGN_DAYS = 366


@dataclass
class ListingInput:
    """What an owner may set on a listing; status, amounts raised and the owner are never part of it."""

    title: str
    summary: str
    description: str
    country_id: int
    region_id: int
    sector_id: int
    instrument: str
    funding_rule: str
    currency: str
    target: str
    min_ticket: str
    campaign_starts_on: date
    campaign_ends_on: date
    language: str = "fr"
    programme_id: int | None = None
    partner_bank_id: int | None = None
    risks: str = ""
    expected_jobs: int | None = None
    sdg_goals: list[int] = field(default_factory=list)
    translations: dict = field(default_factory=dict)
    oversubscription_cap: str = ""  # flexible campaigns: accept pledges past the target up to this amount


def _fail(message: str, field_name: str) -> None:
    raise DomainError(message, field=field_name)


def _validated_values(data: ListingInput, *, today: date, check_start: bool) -> dict:
    """Check a ListingInput against the rules and reference data; return column values."""
    for name, limit in (("title", 200), ("summary", 600)):
        value = (getattr(data, name) or "").strip()
        if not value:
            _fail(_("This field is required."), name)
        if len(value) > limit:
            _fail(_("Use at most %(n)d characters.", n=limit), name)
    if not (data.description or "").strip():
        _fail(_("Describe the project."), "description")
    if len(data.description) > 50_000:
        _fail(_("Use at most %(n)d characters.", n=50_000), "description")
    if data.language not in {"en", "fr", "ar"}:
        _fail(_("Choose a known language."), "language")
    country = db.session.get(Country, data.country_id) if data.country_id else None
    if country is None or not country.hosts_projects:
        _fail(_("Choose a country where projects may be listed."), "country_id")
    region = db.session.get(Region, data.region_id) if data.region_id else None
    if region is None or region.country_id != country.id:
        _fail(_("Choose a region of the chosen country."), "region_id")
    sector = db.session.get(Sector, data.sector_id) if data.sector_id else None
    if sector is None or not sector.is_listable:
        _fail(_("Choose a sector open to investment."), "sector_id")
    if data.instrument not in INSTRUMENTS:
        _fail(_("Choose a known instrument."), "instrument")
    if data.funding_rule not in FUNDING_RULES:
        _fail(_("Choose a known funding rule."), "funding_rule")
    if data.currency not in SUPPORTED_CURRENCIES:
        _fail(_("Choose a supported currency."), "currency")
    amounts = {}
    for name in ("target", "min_ticket"):
        try:
            amounts[name] = to_minor(getattr(data, name), data.currency)
        except MoneyError:
            _fail(_("Enter an amount with at most the currency's decimal places."), name)
        if amounts[name] <= 0:
            _fail(_("Enter an amount greater than zero."), name)
        if amounts[name] > to_minor(MAX_TARGET_MAJOR, data.currency):
            _fail(_("This amount is not plausible for a listing."), name)
    if amounts["min_ticket"] > amounts["target"]:
        _fail(_("The minimum ticket cannot be larger than the funding target."), "min_ticket")
    cap = None
    if (data.oversubscription_cap or "").strip():
        if data.funding_rule != "flexible":
            _fail(_("Only a flexible campaign can accept pledges beyond its target."), "oversubscription_cap")
        try:
            cap = to_minor(data.oversubscription_cap.strip(), data.currency)
        except MoneyError:
            _fail(_("Enter an amount with at most the currency's decimal places."), "oversubscription_cap")
        if cap < amounts["target"] or cap > to_minor(MAX_TARGET_MAJOR, data.currency):
            _fail(_("The cap must be at least the funding target."), "oversubscription_cap")
    if check_start and data.campaign_starts_on < today:
        _fail(_("The campaign cannot start in the past."), "campaign_starts_on")
    if data.campaign_ends_on <= data.campaign_starts_on:
        _fail(_("The campaign must end after it starts."), "campaign_ends_on")
    if data.campaign_ends_on - data.campaign_starts_on > timedelta(days=MAX_CAMPAIGN_DAYS):
        _fail(_("A campaign lasts at most a year."), "campaign_ends_on")
    if data.programme_id is not None and db.session.get(Programme, data.programme_id) is None:
        _fail(_("Choose a known programme."), "programme_id")
    if data.partner_bank_id is not None:
        bank = db.session.get(Organisation, data.partner_bank_id)
        if bank is None or bank.type not in {"bank", "microfinance"} or not bank.is_active:
            _fail(_("Choose a partner bank or microfinance institution."), "partner_bank_id")
    if data.expected_jobs is not None and not 0 <= data.expected_jobs <= 1_000_000:
        _fail(_("Enter a number of jobs between 0 and 1,000,000."), "expected_jobs")
    goals = sorted(set(data.sdg_goals))
    if any(goal not in range(1, 18) for goal in goals):
        _fail(_("Sustainable Development Goals are numbered 1 to 17."), "sdg_goals")
    translations = {
        lang: {k: v.strip() for k, v in values.items() if k in {"title", "summary"} and v and v.strip()}
        for lang, values in (data.translations or {}).items()
        if lang in {"en", "fr", "ar"} and lang != data.language
    }
    return {
        "language": data.language,
        "title": data.title.strip(),
        "summary": data.summary.strip(),
        "description": data.description.strip(),
        "translations": {lang: v for lang, v in translations.items() if v},
        "country_id": country.id,
        "region_id": region.id,
        "sector_id": sector.id,
        "programme_id": data.programme_id,
        "partner_bank_id": data.partner_bank_id,
        "instrument": data.instrument,
        "funding_rule": data.funding_rule,
        "currency": data.currency,
        "target_minor": amounts["target"],
        "min_ticket_minor": amounts["min_ticket"],
        "oversubscription_cap_minor": cap,
        "campaign_starts_on": data.campaign_starts_on,
        "campaign_ends_on": data.campaign_ends_on,
        "risks": (data.risks or "").strip(),
        "expected_jobs": data.expected_jobs,
        "sdg_goals": goals,
    }


def _set_sdgs(project: Project, goals: list[int]) -> None:
    if project.sdg_goals == goals:
        return
    project.sdgs = [ProjectSdg(goal=goal) for goal in goals]


def snapshot(project: Project) -> dict:
    """The listing's content as JSON-ready values (dates as ISO strings)."""
    values = {name: getattr(project, name) for name in LISTING_FIELDS}
    for name in ("campaign_starts_on", "campaign_ends_on"):
        values[name] = values[name].isoformat()
    values["sdg_goals"] = project.sdg_goals
    return values


def create_draft(*, actor, organisation: Organisation, data: ListingInput, today: date | None = None,
                 code: str | None = None, is_demo: bool = False) -> Project:
    """A member of a partner or authority organisation starts a listing for that organisation."""
    membership = next((m for m in actor.memberships if m.organisation_id == organisation.id), None) if actor else None
    if actor is not None and membership is None and not actor.is_admin:
        raise ForbiddenError(_("You can only list projects for your own organisations."))
    if not (organisation.is_partner or organisation.is_authority) or not organisation.is_active:
        raise ForbiddenError(_("This organisation cannot list projects."))
    values = _validated_values(data, today=today or date.today(), check_start=True)
    goals = values.pop("sdg_goals")
    project = Project(organisation_id=organisation.id, created_by_id=getattr(actor, "id", None), status="draft",
                      code=code, is_demo=is_demo, **values)
    db.session.add(project)
    db.session.flush()
    _set_sdgs(project, goals)
    db.session.flush()
    record("project.created", actor=actor, object_type="project", object_id=project.id, after=snapshot(project))
    return project


def update_listing(project: Project, *, actor, data: ListingInput, today: date | None = None) -> str:
    """Edit a listing. Returns what happened: 'saved', 'published_directly' or 'back_to_review'.

    Drafts and listings with changes requested are edited freely. On an approved or published listing a
    material change (amounts, terms, dates, risks, programme, bank) sends it back to review and flags
    investors for reconfirmation; other edits apply at once and are logged. Listings under review are
    locked so reviewers judge what was submitted.
    """
    if OWNER not in project_roles(actor, project):
        raise ForbiddenError(_("Only the owner organisation edits this listing."))
    if project.status not in EDITABLE_STATUSES | LIVE_STATUSES:
        raise DomainError(_("This listing cannot be edited while it is “%(status)s”.", status=project.status_label))
    today = today or date.today()
    before = snapshot(project)
    values = _validated_values(data, today=today,
                               check_start=project.status in EDITABLE_STATUSES
                               and data.campaign_starts_on != project.campaign_starts_on)
    goals = values.pop("sdg_goals")
    if project.pledged_minor and (values["currency"] != project.currency or values["instrument"] != project.instrument):
        raise DomainError(_("Investors have pledged to this project: its currency and instrument can no longer "
                            "change."), field="currency" if values["currency"] != project.currency else "instrument")
    if (values["oversubscription_cap_minor"] or values["target_minor"]) < project.pledged_minor:
        raise DomainError(_("Investors have already pledged %(amount)s: the target cannot go below that.",
                            amount=str(to_major(project.pledged_minor, project.currency))), field="target")
    material = [name for name in MATERIAL_FIELDS if values[name] != getattr(project, name)]
    for name, value in values.items():
        setattr(project, name, value)
    _set_sdgs(project, goals)
    try:
        db.session.flush()
    except IntegrityError:  # a pledge took the capacity between our check and this write
        db.session.rollback()
        raise ConflictError(_("Pledges arrived while you were editing; reload the listing and try again.")) from None
    after = snapshot(project)
    if before == after:
        return "saved"
    changed = {k: after[k] for k in after if after[k] != before.get(k)}
    record("project.edited", actor=actor, object_type="project", object_id=project.id,
           before={k: before.get(k) for k in changed}, after=changed,
           note="material" if material and project.status in LIVE_STATUSES else None)
    if project.status in LIVE_STATUSES and material:
        from marketplace.projects.lifecycle import transition
        from marketplace.projects.notify import recipients

        was_published = project.status in {"published", "suspended"}
        store_version(project, actor=actor, reason="material_edit")
        transition(project, "back_to_review", actor=None, note=", ".join(material), notify_users=recipients)
        if was_published:
            from marketplace.pledges.services import ask_reconfirmation

            project.needs_reconfirmation = True
            ask_reconfirmation(project)
        return "back_to_review"
    return "published_directly" if project.status in LIVE_STATUSES else "saved"


def store_version(project: Project, *, actor, reason: str) -> ProjectVersion:
    project.version_number += 1
    version = ProjectVersion(project_id=project.id, number=project.version_number, reason=reason,
                             snapshot=snapshot(project), created_by_id=getattr(actor, "id", None))
    db.session.add(version)
    db.session.flush()
    return version


def listing_problems(project: Project) -> list[str]:
    """What still keeps a draft from being submitted for vetting."""
    problems = []
    if project.partner_bank_id is None:
        problems.append(_("Name the partner bank that will carry out the due diligence."))
    if not project.risks:
        problems.append(_("Describe the risks investors take."))
    return problems


def versions_of(project: Project) -> list[ProjectVersion]:
    return list(db.session.scalars(
        select(ProjectVersion).where(ProjectVersion.project_id == project.id).order_by(ProjectVersion.number)
    ))


def compare_versions(old: dict, new: dict) -> list[tuple[str, object, object]]:
    """Fields that differ between two snapshots, in listing order."""
    names = [*LISTING_FIELDS, "sdg_goals"]
    return [(name, old.get(name), new.get(name)) for name in names if old.get(name) != new.get(name)]
