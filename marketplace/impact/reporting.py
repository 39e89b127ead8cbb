"""Reported values: entered by a partner, approved by the monitor or the owner's manager, verified by the authority.

draft → submitted → returned (with a note the reporter reads) → submitted → approved → verified. Each step is
a conditional UPDATE on the current status, so a double click or two reviewers at once cannot apply it twice,
and each is audited. Nobody approves or verifies a value they reported, and the verifier is not the approver.

What counts: "Only approved and verified values count in any total" (PRODUCT.md part 6). A value counts when it
was approved *and* then verified, that is in status `verified` with both signatures; an approved value still
waiting for the authority's counter-signature is pending like a submitted one. `counted()` is that rule, and
`verified_actuals` is the one read every total is built from.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, select, update

from marketplace.audit.services import record
from marketplace.errors import ConflictError, DomainError, ForbiddenError
from marketplace.extensions import db
from marketplace.impact import events
from marketplace.impact.framework import framework_of, row_by_id
from marketplace.impact.models import (
    ADDITIVE_MEASURES,
    CATEGORIES,
    DIMENSIONS,
    Evidence,
    Indicator,
    ProjectIndicator,
    ReportedValue,
    ReportingPeriod,
    ResultsFramework,
    ValuePart,
)
from marketplace.impact.numbers import parse_measure, parse_number
from marketplace.models_common import utcnow
from marketplace.projects.access import REVIEWER, project_roles

COUNTED_STATUSES = ("verified",)
PENDING_STATUSES = ("submitted", "approved")
EDITABLE_STATUSES = frozenset({"draft", "returned"})
# Values describe what a project achieved once it had its money.
REPORTING_PROJECT_STATUSES = frozenset({"funded", "in_implementation", "completed"})
# A partner whose role is merely proposed, or over, does not report.
ACTIVE_ROLE_STATUSES = ("agreed", "active")


@dataclass(frozen=True)
class Step:
    sources: frozenset[str]
    target: str


STEPS: dict[str, Step] = {
    "submit": Step(frozenset({"draft", "returned"}), "submitted"),
    "approve": Step(frozenset({"submitted"}), "approved"),
    "return": Step(frozenset({"submitted", "approved"}), "returned"),
    "verify": Step(frozenset({"approved"}), "verified"),
}


def counted():
    """The SQL condition of a value that counts: approved, then verified, with both signatures."""
    return and_(ReportedValue.status.in_(COUNTED_STATUSES), ReportedValue.approved_at.is_not(None),
                ReportedValue.verified_at.is_not(None))


# --- who may do what -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Parties:
    """The organisations that report on a project, and those among them that monitor it."""

    reporting_ids: frozenset[int]
    monitor_ids: frozenset[int]
    owner_id: int


def parties_of(project) -> Parties:
    """Owner, partner bank and organisations with an agreed or active partner role; one statement."""
    from marketplace.ppp.partner_models import PartnerRole

    rows = db.session.execute(select(PartnerRole.organisation_id, PartnerRole.functions).where(
        PartnerRole.project_id == project.id, PartnerRole.status.in_(ACTIVE_ROLE_STATUSES))).all()
    reporting = {project.organisation_id, *(row.organisation_id for row in rows)}
    if project.partner_bank_id:
        reporting.add(project.partner_bank_id)
    monitors = {row.organisation_id for row in rows if "monitor" in (row.functions or [])}
    return Parties(frozenset(reporting), frozenset(monitors), project.organisation_id)


def _memberships(actor) -> list:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return []
    return [m for m in actor.memberships if m.organisation.is_active]


def reporting_organisation_id(actor, parties: Parties) -> int | None:
    """The organisation the actor reports for: their own project's first, then any partner of it."""
    ids = [m.organisation_id for m in _memberships(actor) if m.organisation_id in parties.reporting_ids]
    if not ids:
        return None
    return parties.owner_id if parties.owner_id in ids else min(ids)


def may_approve(actor, parties: Parties) -> bool:
    """A member of the monitoring partner, or a manager of the owner organisation."""
    return any(m.organisation_id in parties.monitor_ids
               or (m.organisation_id == parties.owner_id and m.role == "manager") for m in _memberships(actor))


def may_verify(actor, project) -> bool:
    """An authority reviewer of the project's country, and only them: the counter-signature is the state's."""
    return REVIEWER in project_roles(actor, project)


def allowed_actions(actor, value: ReportedValue, project, parties: Parties) -> list[str]:
    """The steps the actor could take on the value now, in the order of STEPS (for the buttons)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return []
    return [name for name, step in STEPS.items()
            if value.status in step.sources and _refusal(actor, value, project, parties, name) is None]


# --- entering values -----------------------------------------------------------------------------------------

def report_value(actor, project, *, project_indicator_id, period_id, value, parts: dict | None = None,
                 comment: str = "", evidence: Iterable[tuple[str, bytes]] = ()) -> ReportedValue:
    """A partner enters a value for one indicator and period of the confirmed framework; it starts as a draft."""
    parties = parties_of(project)
    organisation_id = reporting_organisation_id(actor, parties)
    if organisation_id is None:
        raise ForbiddenError(_("Only members of the project's partner organisations report its results."))
    framework = framework_of(project)
    if framework is None or not framework.is_confirmed:
        raise ConflictError(_("Values are reported once an authority reviewer has confirmed the results framework."))
    if project.status not in REPORTING_PROJECT_STATUSES:
        raise ConflictError(_("Results are reported once the project is funded."))
    project_indicator = _in_framework(ProjectIndicator, project_indicator_id, framework, "project_indicator_id",
                                      _("Choose an indicator of this project's results framework."))
    period = _in_framework(ReportingPeriod, period_id, framework, "period_id",
                           _("Choose one of the periods of this project's results framework."))
    if db.session.scalar(select(ReportedValue.id).where(ReportedValue.project_indicator_id == project_indicator.id,
                                                        ReportedValue.period_id == period.id)):
        raise ConflictError(_("A value is already reported for this indicator and period; open it to change it."),
                            field="period_id")
    number, text = parse_measure(project_indicator.indicator, value, field="value")
    checked_parts = _checked_parts(project_indicator.indicator, number, parts or {}, project)
    row = ReportedValue(project_indicator_id=project_indicator.id, period_id=period.id, value=number, narrative=text,
                        comment=(comment or "").strip()[:4000], status="draft", reported_by_id=actor.id,
                        reporting_organisation_id=organisation_id)
    row.parts = [ValuePart(dimension=d, category=c, value=v) for d, c, v in checked_parts]
    db.session.add(row)
    db.session.flush()
    for filename, data in evidence:
        add_evidence(actor, row, filename=filename, data=data, audit=False)
    record("impact.value_reported", actor=actor, object_type="impact_value", object_id=row.id,
           after=value_snapshot(row))
    return row


def update_value(actor, row: ReportedValue, *, value, parts: dict | None = None, comment: str = "",
                 evidence: Iterable[tuple[str, bytes]] = ()) -> ReportedValue:
    """The reporter corrects a draft or a returned value (parts are replaced whole, evidence is added)."""
    if actor is None or actor.id != row.reported_by_id:
        raise ForbiddenError(_("Only the person who reported this value changes it."))
    if row.status not in EDITABLE_STATUSES:
        raise ConflictError(_("A value that is “%(status)s” can no longer be changed.", status=row.status_label))
    project = row.project_indicator.framework.project
    before = value_snapshot(row)
    number, text = parse_measure(row.project_indicator.indicator, value, field="value")
    checked_parts = _checked_parts(row.project_indicator.indicator, number, parts or {}, project)
    row.value, row.narrative, row.comment = number, text, (comment or "").strip()[:4000]
    row.parts = []
    db.session.flush()  # the old parts go first: the unit of work would insert the new ones before deleting
    row.parts = [ValuePart(dimension=d, category=c, value=v) for d, c, v in checked_parts]
    db.session.flush()
    for filename, data in evidence:
        add_evidence(actor, row, filename=filename, data=data, audit=False)
    record("impact.value_updated", actor=actor, object_type="impact_value", object_id=row.id, before=before,
           after=value_snapshot(row))
    return row


def add_evidence(actor, row: ReportedValue, *, filename: str, data: bytes, audit: bool = True) -> Evidence:
    """A PDF or a photo, checked by its content with the listing's own checks, stored under a random name."""
    from marketplace.projects.uploads import pdf_page_count, reencode_photo, upload_dir

    if actor is None or actor.id != row.reported_by_id:
        raise ForbiddenError(_("Only the person who reported this value adds evidence to it."))
    if row.status not in EDITABLE_STATUSES:
        raise ConflictError(_("Evidence is added while the value is a draft or returned."))
    try:
        if data.startswith(b"%PDF-"):
            limit = current_app.config["MAX_DOCUMENT_BYTES"]
            if len(data) > limit:
                raise DomainError(_("Documents may be at most %(mb)d MB.", mb=limit // 2**20))
            kind, stored, pages, suffix = "pdf", data, pdf_page_count(data), "pdf"
        else:
            limit = current_app.config["MAX_PHOTO_BYTES"]
            if len(data) > limit:
                raise DomainError(_("Photos may be at most %(mb)d MB.", mb=limit // 2**20))
            kind, (stored, _width, _height), pages, suffix = "photo", reencode_photo(data), None, "jpg"
    except DomainError as error:
        raise DomainError(_("Evidence must be a PDF document or a photo (JPEG, PNG or WebP): %(reason)s",
                            reason=error.message), field="evidence") from None
    storage_name = f"{secrets.token_hex(16)}.{suffix}"
    (upload_dir("impact") / storage_name).write_bytes(stored)
    evidence = Evidence(reported_value_id=row.id, kind=kind, storage_name=storage_name,
                        original_name=(filename or f"evidence.{suffix}")[-255:], size_bytes=len(stored),
                        page_count=pages, uploaded_by_id=actor.id)
    db.session.add(evidence)
    db.session.flush()
    if audit:
        record("impact.evidence_added", actor=actor, object_type="impact_value", object_id=row.id,
               after={"evidence_id": evidence.id, "kind": kind})
    return evidence


# --- the workflow -------------------------------------------------------------------------------------------

def change_status(actor, row: ReportedValue, action: str, *, note: str | None = None) -> ReportedValue:
    """Move the value one step, or raise and change nothing."""
    step = STEPS.get(action)
    if step is None:
        raise DomainError(_("Unknown action."))
    project = row.project_indicator.framework.project
    refusal = _refusal(actor, row, project, parties_of(project), action)
    if refusal is not None:
        raise ForbiddenError(refusal)
    if row.status not in step.sources:
        raise ConflictError(_("A value that is “%(status)s” cannot be changed that way.", status=row.status_label))
    note = (note or "").strip()[:1000] or None
    if action == "return" and not note:
        raise DomainError(_("Tell the reporter what to correct."), field="note")
    now = utcnow()
    values: dict = {"status": step.target, "updated_at": now}
    if action == "submit":
        values |= {"submitted_at": now, "approved_at": None, "approved_by_id": None}
    elif action == "approve":
        values |= {"approved_at": now, "approved_by_id": actor.id}
    elif action == "return":
        values |= {"returned_at": now, "returned_by_id": actor.id, "return_note": note, "approved_at": None,
                   "approved_by_id": None}
    elif action == "verify":
        values |= {"verified_at": now, "verified_by_id": actor.id}
    source = row.status
    changed = db.session.execute(
        update(ReportedValue).where(ReportedValue.id == row.id, ReportedValue.status == source).values(**values)
        .execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        raise ConflictError(_("This value changed at the same moment; reload the page."))
    db.session.refresh(row)
    events.announce(row.project_indicator.framework_id, row.project_indicator_id)  # dashboards follow
    shown_value = plain_number(row.value) if row.value is not None else row.narrative
    record(f"impact.value_{action}", actor=actor, object_type="impact_value", object_id=row.id,
           before={"status": source}, after={"status": step.target, "project_id": project.id, "value": shown_value},
           note=note)
    return row


def may_take(actor, row: ReportedValue, project, parties: Parties, action: str) -> bool:
    return _refusal(actor, row, project, parties, action) is None


def _refusal(actor, row: ReportedValue, project, parties: Parties, action: str) -> str | None:
    """Why the actor may not take this step on this value, or None when they may."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return _("Log in first.")
    is_reporter = actor.id == row.reported_by_id
    if action == "submit":
        return None if is_reporter else _("Only the person who reported this value submits it.")
    if is_reporter:
        return _("You reported this value: someone else must review it.")
    if action == "approve" or (action == "return" and row.status == "submitted"):
        return None if may_approve(actor, parties) else _(
            "Only the project's monitoring partner or a manager of its organisation reviews reported values.")
    if not may_verify(actor, project):
        return _("Only an authority reviewer of the project's country verifies reported values.")
    if row.approved_by_id == actor.id:
        return _("You approved this value: another person counter-signs it.")
    return None


# --- what counts ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Actual:
    """One counted value: which project, indicator and period, and the number."""

    project_id: int
    indicator_code: str
    aggregation: str
    measure: str
    period_id: int
    starts_on: date
    ends_on: date
    value: Decimal | None


def verified_actuals(project_ids: Iterable[int], period: tuple[date, date] | None = None) -> list[Actual]:
    """Every counted value of the projects, in one statement; `period` keeps those whose period ends within it.

    A value belongs to the window its reporting period ends in, so a value is never counted in two windows.
    """
    ids = sorted(set(project_ids))
    if not ids:
        return []
    query = (
        select(ResultsFramework.project_id, Indicator.code, Indicator.aggregation, Indicator.measure,
               ReportingPeriod.id, ReportingPeriod.starts_on, ReportingPeriod.ends_on, ReportedValue.value)
        .select_from(ReportedValue)
        .join(ProjectIndicator, ReportedValue.project_indicator_id == ProjectIndicator.id)
        .join(Indicator, ProjectIndicator.indicator_id == Indicator.id)
        .join(ReportingPeriod, ReportedValue.period_id == ReportingPeriod.id)
        .join(ResultsFramework, ProjectIndicator.framework_id == ResultsFramework.id)
        .where(counted(), ResultsFramework.project_id.in_(ids))
        .order_by(ResultsFramework.project_id, Indicator.code, ReportingPeriod.ends_on)
    )
    if period is not None:
        query = query.where(ReportingPeriod.ends_on >= period[0], ReportingPeriod.ends_on <= period[1])
    return [Actual(*row) for row in db.session.execute(query)]


def aggregate(values: list[tuple[date, Decimal]], aggregation: str) -> Decimal | None:
    """Combine an indicator's counted period values as its catalogue entry says (sum, average, latest, maximum)."""
    numbers = [(ends_on, value) for ends_on, value in values if value is not None]
    if not numbers:
        return None
    if aggregation == "sum":
        return sum((value for _day, value in numbers), Decimal(0))
    if aggregation == "average":
        return (sum((value for _day, value in numbers), Decimal(0)) / len(numbers)).quantize(Decimal("0.0001"))
    if aggregation == "maximum":
        return max(value for _day, value in numbers)
    return max(numbers, key=lambda pair: pair[0])[1]  # latest


def indicator_totals(project_ids: Iterable[int], period: tuple[date, date] | None = None
                     ) -> dict[tuple[int, str], Decimal]:
    """Each project's total per indicator code, from counted values only: what every page and export shows."""
    grouped: dict[tuple[int, str], list] = defaultdict(list)
    aggregation: dict[tuple[int, str], str] = {}
    for actual in verified_actuals(project_ids, period):
        key = (actual.project_id, actual.indicator_code)
        grouped[key].append((actual.ends_on, actual.value))
        aggregation[key] = actual.aggregation
    totals = {key: aggregate(values, aggregation[key]) for key, values in grouped.items()}
    return {key: total for key, total in totals.items() if total is not None}


def indicator_verified_for_period(project_id: int, indicator_code: str, on_date: date) -> bool:
    """Whether the project has a counted value of the indicator for the framework period containing `on_date`.

    The PPP tranche release asks this before paying a tranche tied to a result.
    """
    return db.session.scalar(
        select(ReportedValue.id)
        .join(ProjectIndicator, ReportedValue.project_indicator_id == ProjectIndicator.id)
        .join(Indicator, ProjectIndicator.indicator_id == Indicator.id)
        .join(ReportingPeriod, ReportedValue.period_id == ReportingPeriod.id)
        .join(ResultsFramework, ProjectIndicator.framework_id == ResultsFramework.id)
        .where(counted(), ResultsFramework.project_id == project_id, Indicator.code == indicator_code,
               ReportingPeriod.starts_on <= on_date, ReportingPeriod.ends_on >= on_date)
        .limit(1)) is not None


# --- helpers ----------------------------------------------------------------------------------------------------

def categories_for(dimension: str, project) -> dict[str, str]:
    """The categories of a dimension: fixed ones, or the ISO 3166-2 regions of the project's country."""
    if dimension == "region":
        from marketplace.reference.queries import regions_of

        return {region.iso_code: region.name for region in regions_of(project.country.iso2)}
    return {code: str(label) for code, label in CATEGORIES[dimension].items()}


def _checked_parts(indicator: Indicator, total: Decimal | None, parts: dict, project) -> list[tuple[str, str, Decimal]]:
    """The parts as (dimension, category, value); each dimension given must add up exactly to the total."""
    given = {dimension: {category: raw for category, raw in (categories or {}).items() if str(raw or "").strip()}
             for dimension, categories in parts.items()}
    given = {dimension: categories for dimension, categories in given.items() if categories}
    if not given:
        return []
    if indicator.measure not in ADDITIVE_MEASURES or total is None:
        raise DomainError(_("This indicator is not split into parts."), field="parts")
    checked = []
    for dimension, categories in given.items():
        if dimension not in indicator.disaggregations or dimension not in DIMENSIONS:
            raise DomainError(_("%(code)s is not split by %(dimension)s.", code=indicator.code,
                                dimension=str(DIMENSIONS.get(dimension, dimension)).lower()),
                              field="parts")
        known = categories_for(dimension, project)
        subtotal = Decimal(0)
        for category, raw in categories.items():
            if category not in known:
                raise DomainError(_("“%(category)s” is not a category of %(dimension)s.", category=category,
                                    dimension=str(DIMENSIONS[dimension]).lower()), field="parts")
            number = parse_number(raw, field="parts", measure=indicator.measure)
            subtotal += number
            checked.append((dimension, category, number))
        if subtotal != total:
            raise DomainError(_("The parts by %(dimension)s add up to %(parts)s, not to the total of %(total)s.",
                                dimension=str(DIMENSIONS[dimension]).lower(), parts=plain_number(subtotal),
                                total=plain_number(total)), field="parts")
    return checked


def plain_number(value: Decimal) -> str:
    """A decimal without trailing zeros, for messages and the audit log (12.5000 → 12.5)."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def value_snapshot(row: ReportedValue) -> dict:
    return {"project_indicator_id": row.project_indicator_id, "period_id": row.period_id,
            "value": plain_number(row.value) if row.value is not None else None, "narrative": row.narrative,
            "parts": [[p.dimension, p.category, plain_number(p.value)] for p in row.parts], "status": row.status,
            "reporting_organisation_id": row.reporting_organisation_id}


def _in_framework(model, row_id, framework: ResultsFramework, field: str, message: str):
    row = row_by_id(model, row_id)
    if row is None or row.framework_id != framework.id:
        raise DomainError(message, field=field)
    return row
