"""Projects as IATI 2.03 activities (`iati-activities` XML), built with lxml and checked by the official XSD.

Choices, where the standard leaves room (codes are those of the 2.03 codelists shipped with the schemas):
- iati-identifier: `IATI_REPORTING_ORG_REF` (config; placeholder `XI-PASSERELLE`) then the project's id.
- title and description: the original text and every translation, each narrative with its `xml:lang`; the
  description is the listing's summary (plain text; the Markdown description is not published).
- participating-org: the partner roles agreed, active or ended, with their IATI role (1–4) and type codes; the
  listing organisation is added as Implementing (4) when it holds no role, since the schema needs at least one.
- activity-status from the project status; activity-date: planned start (1) = the campaign's last day, when the
  money is in and the work can begin; actual start (2) = the move into implementation (else the first
  disbursement); planned end (3) = the end of the last reporting period; actual end (4) = completion.
- recipient-country (ISO 3166-1, e.g. MA). IATI's recipient-region codes are supranational (OECD DAC), so the
  project's ISO 3166-2 region is written as a `location` (ref = the code, names in three languages) instead.
- sector: vocabulary 99 (reporting organisation) with our sector code and its names, because our sectors
  (agriculture, tourism…) do not map one-to-one onto DAC 5-digit purpose codes; SDG goals as vocabulary 7.
- budget: the financing plan's total cost, over the activity's life (from the earliest of the planned start,
  the first disbursement and the first reporting period, to the end of the last period, or one year).
- transaction: paid pledges as Incoming Funds (1), summed per month, with no investor identity ever; PPP
  disbursements as Incoming Funds (1) with the paying partner as provider-org (the activity receives them).
- result: one per indicator (type from its level: output 1, outcome 2, impact 3); indicator measure 1 for units
  and currency amounts, 2 for percentages, 5 for qualitative ones; the catalogue code as a reference in
  vocabulary 99 (IndicatorVocabulary has no IRIS+ entry) with the IRIS+ definition as indicator-uri; baseline;
  periods with target and the verified actual, plus one actual per part with its `dimension`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from marketplace.extensions import db
from marketplace.i18n import current_language
from marketplace.impact.exports import ProjectResults, iati_identifier, load_results
from marketplace.impact.reporting import plain_number
from marketplace.models_common import utcnow
from marketplace.money import to_major
from marketplace.ppp.ledger_models import Disbursement
from marketplace.ppp.models import FinancingComponent, FinancingPlan
from marketplace.ppp.partner_models import PartnerRole

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
LANGUAGES = ("en", "fr", "ar")
EXPORTED_ROLE_STATUSES = ("agreed", "active", "ended")
ACTIVITY_STATUS = {
    "draft": "1", "submitted": "1", "in_review": "1", "changes_requested": "1", "approved": "1", "published": "1",
    "funded": "2", "in_implementation": "2", "completed": "3",
    "rejected": "5", "cancelled": "5", "failed": "5", "suspended": "6",
}
COMMITTED_BUDGET_STATUSES = frozenset({"funded", "in_implementation", "completed"})
MEASURE = {"unit": "1", "percentage": "2", "currency": "1", "qualitative": "5"}
RESULT_TYPE = {"output": "1", "outcome": "2", "impact": "3"}
# Our organisation types to IATI OrganisationType, for organisations that hold no partner role on the project.
ORGANISATION_TYPE = {
    "bank": "70", "microfinance": "70", "company": "70", "ngo": "22", "diaspora_association": "22",
    "implementing_agency": "15", "donor": "90", "incubator": "90", "ministry": "10", "regional_council": "11",
    "commune": "11", "investment_centre": "15", "programme_fund": "15", "platform_operator": "90",
}
INCOMING_FUNDS = "1"
URI = re.compile(r"https?://\S+")


@dataclass
class Activity:
    """A project's results plus what IATI adds: partners, plan, money received and the implementation dates."""

    results: ProjectResults
    roles: list[PartnerRole] = field(default_factory=list)
    plan: FinancingPlan | None = None
    pledges_by_month: list[tuple[date, str, int, int]] = field(default_factory=list)  # (date, currency, minor, n)
    disbursements: list[Disbursement] = field(default_factory=list)
    reached: dict[str, datetime] = field(default_factory=dict)  # status → when the project first reached it


def load_activities(project_ids: Iterable[int]) -> list[Activity]:
    """Everything the XML needs for these projects in a fixed number of statements (`load_results` plus five)."""
    from marketplace.pledges.models import Pledge
    from marketplace.projects.models import ProjectTransition

    results = load_results(project_ids)
    ids = [item.project.id for item in results]
    if not ids:
        return []
    activities = {item.project.id: Activity(results=item) for item in results}
    for role in db.session.scalars(
            select(PartnerRole).where(PartnerRole.project_id.in_(ids), PartnerRole.status.in_(EXPORTED_ROLE_STATUSES))
            .options(joinedload(PartnerRole.organisation)).order_by(PartnerRole.iati_role, PartnerRole.id)):
        activities[role.project_id].roles.append(role)
    for plan in db.session.scalars(select(FinancingPlan).where(FinancingPlan.project_id.in_(ids))):
        activities[plan.project_id].plan = plan
    # Amounts and dates only: no investor column is even read.
    months: dict[tuple, list] = defaultdict(lambda: [None, 0, 0])
    for project_id, currency, amount, settled_at, updated_at in db.session.execute(
            select(Pledge.project_id, Pledge.currency, Pledge.amount_minor, Pledge.settled_at, Pledge.updated_at)
            .where(Pledge.project_id.in_(ids), Pledge.status == "paid")):
        day = (settled_at or updated_at).date()
        bucket = months[(project_id, currency, day.year, day.month)]
        bucket[0] = max(bucket[0] or day, day)
        bucket[1] += amount
        bucket[2] += 1
    for (project_id, currency, _year, _month), (day, amount, count) in sorted(months.items()):
        activities[project_id].pledges_by_month.append((day, currency, amount, count))
    for entry in db.session.scalars(
            select(Disbursement).where(Disbursement.project_id.in_(ids))
            .options(joinedload(Disbursement.component).joinedload(FinancingComponent.provider_organisation))
            .order_by(Disbursement.disbursed_on, Disbursement.id)):
        activities[entry.project_id].disbursements.append(entry)
    for project_id, status, first in db.session.execute(
            select(ProjectTransition.project_id, ProjectTransition.to_status, func.min(ProjectTransition.created_at))
            .where(ProjectTransition.project_id.in_(ids),
                   ProjectTransition.to_status.in_(("in_implementation", "completed")))
            .group_by(ProjectTransition.project_id, ProjectTransition.to_status)):
        activities[project_id].reached[status] = first
    return [activities[project_id] for project_id in ids]


# --- the document ---------------------------------------------------------------------------------------------

def activities_xml(activities: Iterable[Activity], *, generated_at: datetime | None = None) -> bytes:
    """The `iati-activities` document (version 2.03) as UTF-8 bytes with an XML declaration."""
    root = etree.Element("iati-activities", {"version": "2.03",
                                             "generated-datetime": _datetime(generated_at or utcnow())})
    for activity in activities:
        root.append(_activity(activity))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _activity(activity: Activity) -> etree._Element:
    project = activity.results.project
    element = etree.Element("iati-activity", {"last-updated-datetime": _datetime(project.updated_at),
                                              XML_LANG: project.language, "default-currency": project.currency})
    _sub(element, "iati-identifier").text = iati_identifier(project)
    config = current_app.config
    reporting = _sub(element, "reporting-org", ref=config["IATI_REPORTING_ORG_REF"],
                     type=config["IATI_REPORTING_ORG_TYPE"])
    _narratives(reporting, [(None, config["IATI_REPORTING_ORG_NAME"])])
    _narratives(_sub(element, "title"), _translations(project, "title"))
    summary = [(language, text) for language, text in _translations(project, "summary") if text.strip()]
    _narratives(_sub(element, "description", type="1"), summary or _translations(project, "title"))
    _participating_orgs(element, activity)
    _sub(element, "activity-status", code=ACTIVITY_STATUS.get(project.status, "1"))
    _activity_dates(element, activity)
    _sub(element, "recipient-country", code=project.country.iso2, percentage="100")
    location = _sub(element, "location", ref=project.region.iso_code)
    _sub(location, "location-reach", code="1")  # where the activity happens
    _narratives(_sub(location, "name"), [(language, getattr(project.region, f"name_{language}"))
                                         for language in LANGUAGES])
    _sub(location, "exactness", code="2")  # a whole region: approximate
    sector = _sub(element, "sector", vocabulary="99", code=project.sector.code, percentage="100")
    _narratives(sector, [(language, getattr(project.sector, f"name_{language}")) for language in LANGUAGES])
    for goal in project.sdg_goals:
        _sub(element, "sector", vocabulary="7", code=str(goal))
    _budget(element, activity)
    _transactions(element, activity)
    for result in activity.results.indicators:
        _result(element, result)
    return element


def _participating_orgs(element, activity: Activity) -> None:
    project = activity.results.project
    for role in activity.roles:
        org = _sub(element, "participating-org", role=str(role.iati_role), type=role.iati_org_type)
        _narratives(org, [(None, role.organisation.name)])
    if not any(role.organisation_id == project.organisation_id for role in activity.roles):
        org = _sub(element, "participating-org", role="4",
                   type=ORGANISATION_TYPE.get(project.organisation.type, "90"))
        _narratives(org, [(None, project.organisation.name)])


def _activity_dates(element, activity: Activity) -> None:
    project = activity.results.project
    _sub(element, "activity-date", type="1", **{"iso-date": project.campaign_ends_on.isoformat()})
    started = activity.reached.get("in_implementation")
    if started is None and project.status in ("in_implementation", "completed") and activity.disbursements:
        started = activity.disbursements[0].disbursed_on
    if started is not None:
        _sub(element, "activity-date", type="2", **{"iso-date": _date(started)})
    planned_end = _planned_end(activity)
    if planned_end is not None:
        _sub(element, "activity-date", type="3", **{"iso-date": planned_end.isoformat()})
    if project.status == "completed" and "completed" in activity.reached:
        _sub(element, "activity-date", type="4", **{"iso-date": _date(activity.reached["completed"])})


def _planned_end(activity: Activity) -> date | None:
    periods = activity.results.periods
    return max(period.ends_on for period in periods) if periods else None


def _budget(element, activity: Activity) -> None:
    plan = activity.plan
    if plan is None:
        return
    project = activity.results.project
    periods = activity.results.periods
    starts = min([project.campaign_ends_on, *(p.starts_on for p in periods[:1]),
                  *(e.disbursed_on for e in activity.disbursements[:1])])
    ends = _planned_end(activity)
    if ends is None or ends <= starts:
        ends = starts + timedelta(days=364)
    budget = _sub(element, "budget", type="1",
                  status="2" if project.status in COMMITTED_BUDGET_STATUSES else "1")
    _sub(budget, "period-start", **{"iso-date": starts.isoformat()})
    _sub(budget, "period-end", **{"iso-date": ends.isoformat()})
    _money(budget, plan.total_cost_minor, plan.currency, starts)


def _transactions(element, activity: Activity) -> None:
    for day, currency, amount, count in activity.pledges_by_month:
        transaction = _transaction(element, day, amount, currency)
        _narratives(_sub(transaction, "description"), [(current_language(), ngettext(
            "%(num)d paid pledge of diaspora investors in %(month)s", "%(num)d paid pledges of diaspora investors "
            "in %(month)s", count, month=day.strftime("%Y-%m")))])
        _narratives(_sub(transaction, "provider-org"), [(current_language(), _("Diaspora investors"))])
    roles = {role.organisation_id: role for role in activity.roles}
    for entry in activity.disbursements:
        component = entry.component
        transaction = _transaction(element, entry.disbursed_on, entry.amount_minor, entry.currency)
        _narratives(_sub(transaction, "description"), [(current_language(), component.kind_label)])
        provider = component.provider_organisation
        if provider is None:
            provider = activity.results.project.organisation  # the promoter's own funds
        role = roles.get(provider.id)
        org = _sub(transaction, "provider-org",
                   type=role.iati_org_type if role else ORGANISATION_TYPE.get(provider.type, "90"))
        _narratives(org, [(None, provider.name)])


def _transaction(element, day: date, amount_minor: int, currency: str):
    transaction = _sub(element, "transaction")
    _sub(transaction, "transaction-type", code=INCOMING_FUNDS)
    _sub(transaction, "transaction-date", **{"iso-date": day.isoformat()})
    _money(transaction, amount_minor, currency, day)
    return transaction


def _result(element, result) -> None:
    indicator, project_indicator = result.indicator, result.project_indicator
    node = _sub(element, "result", type=RESULT_TYPE.get(indicator.level, "2"))
    names = [(language, getattr(indicator, f"name_{language}")) for language in LANGUAGES]
    _narratives(_sub(node, "title"), names)
    measure = _sub(node, "indicator", measure=MEASURE.get(indicator.measure, "1"),
                   ascending="1" if indicator.is_ascending else "0")
    _narratives(_sub(measure, "title"), names)
    _narratives(_sub(measure, "description"), [(current_language(), _(
        "Unit: %(unit)s. Periods combine as: %(aggregation)s.", unit=indicator.unit,
        aggregation=indicator.aggregation_label))])
    reference = {"vocabulary": "99", "code": indicator.code}
    if indicator.definition_url and URI.fullmatch(indicator.definition_url):
        reference["indicator-uri"] = indicator.definition_url
    _sub(measure, "reference", **reference)
    baseline = _sub(measure, "baseline", year=str(project_indicator.baseline_on.year),
                    **{"iso-date": project_indicator.baseline_on.isoformat()})
    if project_indicator.baseline_value is not None:
        baseline.set("value", plain_number(project_indicator.baseline_value))
    _comment(baseline, " — ".join(text for text in (project_indicator.baseline_text, project_indicator.baseline_note)
                                  if text))
    for row in result.periods:
        period = _sub(measure, "period")
        _sub(period, "period-start", **{"iso-date": row.period.starts_on.isoformat()})
        _sub(period, "period-end", **{"iso-date": row.period.ends_on.isoformat()})
        if row.target is not None:
            target = _sub(period, "target")
            if row.target.value is not None:
                target.set("value", plain_number(row.target.value))
            _comment(target, row.target.text)
        if row.is_verified:
            actual = _sub(period, "actual")
            if row.actual is not None:
                actual.set("value", plain_number(row.actual))
            _comment(actual, row.narrative)
            for dimension, category, value in row.parts:
                part = _sub(period, "actual", value=plain_number(value))
                _sub(part, "dimension", name=dimension, value=category)


# --- helpers --------------------------------------------------------------------------------------------------

def _sub(parent, tag: str, **attributes) -> etree._Element:
    return etree.SubElement(parent, tag, {name: value for name, value in attributes.items() if value is not None})


def _narratives(parent, texts: list[tuple[str | None, str | None]]) -> None:
    """One `narrative` per non-empty text; a language of None inherits the activity's default language."""
    for language, text in texts:
        if text and text.strip():
            narrative = _sub(parent, "narrative", **({XML_LANG: language} if language else {}))
            narrative.text = _xml_text(text.strip())


def _comment(parent, text: str | None) -> None:
    if text:
        _narratives(_sub(parent, "comment"), [(None, text)])


def _translations(project, field_name: str) -> list[tuple[str, str]]:
    """The original text in the listing's language, then each translation in its own."""
    texts = [(project.language, getattr(project, field_name))]
    for language, values in sorted((project.translations or {}).items()):
        if language != project.language and isinstance(values, dict) and values.get(field_name):
            texts.append((language, values[field_name]))
    return texts


def _money(parent, amount_minor: int, currency: str, value_date: date) -> None:
    value = _sub(parent, "value", currency=currency, **{"value-date": value_date.isoformat()})
    value.text = format(to_major(amount_minor, currency), "f")


def _datetime(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _date(moment: date | datetime) -> str:
    return (moment.date() if isinstance(moment, datetime) else moment).isoformat()


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _xml_text(text: str) -> str:
    """XML 1.0 forbids most control characters; people's text may still contain them."""
    return _CONTROL.sub("", text)


# --- validation -----------------------------------------------------------------------------------------------

class SchemaMissingError(RuntimeError):
    """The official schemas are not where the configuration says: run `make iati-schemas`."""


def validate_activities(document: bytes, schema_dir: str | Path) -> list[str]:
    """Errors of the document against the official `iati-activities-schema.xsd` (an empty list when valid)."""
    schema = _schema(str(Path(schema_dir) / "schemas" / "iati-activities-schema.xsd"))
    parsed = etree.fromstring(document, etree.XMLParser(resolve_entities=False, no_network=True))
    if schema.validate(parsed):
        return []
    return [f"line {error.line}: {error.message}" for error in schema.error_log]


@lru_cache(maxsize=4)
def _schema(path: str) -> etree.XMLSchema:
    if not Path(path).is_file():
        raise SchemaMissingError(f"{path} is missing: `make iati-schemas` fetches the official IATI 2.03 schemas.")
    return etree.XMLSchema(etree.parse(path))
