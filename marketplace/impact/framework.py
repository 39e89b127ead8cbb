"""A project's results framework: indicators with baselines, reporting periods and targets, and its confirmation.

The owner organisation sets the framework up while it shapes the listing (draft, changes requested), and
may also complete one that was never confirmed on a project already past review (projects listed before
this feature). An authority reviewer of the project's country confirms it; any later change reopens it,
since the reviewer confirmed something else. Services flush and never commit.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select, update

from marketplace.audit.services import record
from marketplace.errors import ConflictError, DomainError, ForbiddenError
from marketplace.extensions import db
from marketplace.impact import events
from marketplace.impact.models import (
    Indicator,
    ProjectIndicator,
    ReportedValue,
    ReportingPeriod,
    ResultsFramework,
    Target,
)
from marketplace.impact.numbers import parse_measure
from marketplace.models_common import utcnow
from marketplace.projects.access import OWNER, REVIEWER, project_roles

# The owner's editing statuses of the listing (projects/lifecycle.py): the framework is part of the listing.
EDITABLE_STATUSES = frozenset({"draft", "changes_requested"})
# Past review: a framework nobody confirmed yet may still be completed (and then confirmed).
LATE_SETUP_STATUSES = frozenset({"approved", "published", "funded", "in_implementation", "completed"})
CONFIRMABLE_STATUSES = frozenset({"submitted", "in_review"}) | LATE_SETUP_STATUSES


def framework_of(project) -> ResultsFramework | None:
    return db.session.scalar(select(ResultsFramework).where(ResultsFramework.project_id == project.id))


def may_edit(actor, project, framework: ResultsFramework | None) -> bool:
    """Members of the owner organisation, while the listing is theirs to shape or the framework is unconfirmed."""
    if actor is not None and OWNER not in project_roles(actor, project):
        return False
    if project.status in EDITABLE_STATUSES:
        return True
    return project.status in LATE_SETUP_STATUSES and (framework is None or not framework.is_confirmed)


def may_confirm(actor, project, framework: ResultsFramework | None) -> bool:
    return (framework is not None and not framework.is_confirmed and project.status in CONFIRMABLE_STATUSES
            and REVIEWER in project_roles(actor, project))


def add_indicator(actor, project, indicator_id, *, baseline, baseline_on: date | None,
                  baseline_note: str | None = None) -> ProjectIndicator:
    """Choose a catalogue indicator for the project, with its baseline value and date."""
    framework = _editable_framework(actor, project)
    indicator = _indicator(indicator_id)
    if db.session.scalar(select(ProjectIndicator.id).where(ProjectIndicator.framework_id == framework.id,
                                                           ProjectIndicator.indicator_id == indicator.id)):
        raise ConflictError(_("%(code)s is already in this framework.", code=indicator.code), field="indicator_id")
    value, text = parse_measure(indicator, baseline, field="baseline")
    if baseline_on is None:
        raise DomainError(_("Give the date the baseline was measured."), field="baseline_on")
    row = ProjectIndicator(framework_id=framework.id, indicator_id=indicator.id, baseline_value=value,
                           baseline_text=text, baseline_on=baseline_on,
                           baseline_note=(baseline_note or "").strip()[:500] or None)
    db.session.add(row)
    db.session.flush()
    record("impact.framework_indicator_added", actor=actor, object_type="project", object_id=project.id,
           after={"indicator": indicator.code, "baseline": str(value) if value is not None else text,
                  "baseline_on": baseline_on})
    return row


def remove_indicator(actor, project, project_indicator: ProjectIndicator) -> None:
    """Take an indicator out of the framework, with its targets, as long as nothing was reported on it."""
    framework = _editable_framework(actor, project)
    if project_indicator.framework_id != framework.id:
        raise DomainError(_("This indicator is not in this project's framework."))
    if db.session.scalar(select(ReportedValue.id).where(ReportedValue.project_indicator_id == project_indicator.id)
                         .limit(1)):
        raise ConflictError(_("Values were reported on this indicator; it stays in the framework."))
    db.session.execute(db.delete(Target).where(Target.project_indicator_id == project_indicator.id))
    code = project_indicator.indicator.code
    db.session.delete(project_indicator)
    db.session.flush()
    record("impact.framework_indicator_removed", actor=actor, object_type="project", object_id=project.id,
           before={"indicator": code})


def add_period(actor, project, *, starts_on: date | None, ends_on: date | None) -> ReportingPeriod:
    """Add a reporting period; periods of one framework never overlap, so each date belongs to one period."""
    framework = _editable_framework(actor, project)
    if starts_on is None:
        raise DomainError(_("Give the first day of the period."), field="starts_on")
    if ends_on is None:
        raise DomainError(_("Give the last day of the period."), field="ends_on")
    if ends_on < starts_on:
        raise DomainError(_("A period cannot end before it starts."), field="ends_on")
    overlapping = db.session.scalar(select(ReportingPeriod.id).where(
        ReportingPeriod.framework_id == framework.id, ReportingPeriod.starts_on <= ends_on,
        ReportingPeriod.ends_on >= starts_on).limit(1))
    if overlapping:
        raise ConflictError(_("This period overlaps another period of the framework."), field="starts_on")
    period = ReportingPeriod(framework_id=framework.id, starts_on=starts_on, ends_on=ends_on)
    db.session.add(period)
    db.session.flush()
    record("impact.framework_period_added", actor=actor, object_type="project", object_id=project.id,
           after={"starts_on": starts_on, "ends_on": ends_on})
    return period


def remove_period(actor, project, period: ReportingPeriod) -> None:
    framework = _editable_framework(actor, project)
    if period.framework_id != framework.id:
        raise DomainError(_("This period is not in this project's framework."))
    if db.session.scalar(select(ReportedValue.id).where(ReportedValue.period_id == period.id).limit(1)):
        raise ConflictError(_("Values were reported for this period; it stays in the framework."))
    db.session.execute(db.delete(Target).where(Target.period_id == period.id))
    before = {"starts_on": period.starts_on, "ends_on": period.ends_on}
    db.session.delete(period)
    db.session.flush()
    record("impact.framework_period_removed", actor=actor, object_type="project", object_id=project.id,
           before=before)


def set_target(actor, project, project_indicator_id, period_id, raw_value) -> Target:
    """Set (or replace) the target of one indicator for one period of the framework."""
    framework = _editable_framework(actor, project)
    project_indicator = _member(ProjectIndicator, project_indicator_id, framework, "project_indicator_id",
                                _("Choose an indicator of this framework."))
    period = _member(ReportingPeriod, period_id, framework, "period_id", _("Choose a period of this framework."))
    value, text = parse_measure(project_indicator.indicator, raw_value, field="value")
    target = db.session.scalar(select(Target).where(Target.project_indicator_id == project_indicator.id,
                                                    Target.period_id == period.id))
    before = None
    if target is None:
        target = Target(project_indicator_id=project_indicator.id, period_id=period.id)
        db.session.add(target)
    else:
        before = {"value": str(target.value) if target.value is not None else target.text}
    target.value, target.text = value, text
    db.session.flush()
    record("impact.framework_target_set", actor=actor, object_type="project", object_id=project.id, before=before,
           after={"indicator": project_indicator.indicator.code, "period_starts_on": period.starts_on,
                  "value": str(value) if value is not None else text})
    return target


def confirm(actor, project) -> ResultsFramework:
    """The authority reviewer confirms the framework: every indicator needs a target in every period."""
    framework = framework_of(project)
    if REVIEWER not in project_roles(actor, project):
        raise ForbiddenError(_("Only an authority reviewer of the project's country confirms its results "
                               "framework."))
    if framework is None or project.status not in CONFIRMABLE_STATUSES:
        raise ConflictError(_("There is no framework to confirm at this stage of the project."))
    indicator_count, period_count, target_count = _sizes(framework)
    if not indicator_count or not period_count:
        raise ConflictError(_("The framework needs at least one indicator and one period."))
    if target_count < indicator_count * period_count:
        raise ConflictError(_("Every indicator needs a target in every period before confirmation."))
    now = utcnow()
    changed = db.session.execute(
        update(ResultsFramework).where(ResultsFramework.id == framework.id, ResultsFramework.confirmed_at.is_(None))
        .values(confirmed_at=now, confirmed_by_id=actor.id).execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        raise ConflictError(_("This framework was confirmed at the same moment; reload the page."))
    db.session.refresh(framework)
    events.announce(framework.id)
    record("impact.framework_confirmed", actor=actor, object_type="project", object_id=project.id,
           after={"framework_id": framework.id, "indicators": indicator_count, "periods": period_count})
    return framework


def _sizes(framework: ResultsFramework) -> tuple[int, int, int]:
    """Indicators, periods and targets of the framework, in one statement."""
    indicators = select(db.func.count(ProjectIndicator.id)).where(ProjectIndicator.framework_id == framework.id)
    periods = select(db.func.count(ReportingPeriod.id)).where(ReportingPeriod.framework_id == framework.id)
    targets = (select(db.func.count(Target.id))
               .join(ProjectIndicator, Target.project_indicator_id == ProjectIndicator.id)
               .where(ProjectIndicator.framework_id == framework.id))
    row = db.session.execute(select(indicators.scalar_subquery(), periods.scalar_subquery(),
                                    targets.scalar_subquery())).one()
    return int(row[0]), int(row[1]), int(row[2])


def _editable_framework(actor, project) -> ResultsFramework:
    """The project's framework (created on first use) if the actor may change it; a confirmed one reopens."""
    framework = framework_of(project)
    if not may_edit(actor, project, framework):
        if actor is not None and OWNER not in project_roles(actor, project):
            raise ForbiddenError(_("Only the project's organisation sets up its results framework."))
        raise ConflictError(_("The results framework can no longer change at this stage of the project."))
    if framework is None:
        framework = ResultsFramework(project_id=project.id)
        db.session.add(framework)
        db.session.flush()
        record("impact.framework_created", actor=actor, object_type="project", object_id=project.id,
               after={"framework_id": framework.id})
    elif framework.is_confirmed:
        record("impact.framework_reopened", actor=actor, object_type="project", object_id=project.id,
               before={"confirmed_at": framework.confirmed_at, "confirmed_by_id": framework.confirmed_by_id})
        framework.confirmed_at = None
        framework.confirmed_by_id = None
        db.session.flush()
        events.announce(framework.id)
    return framework


def _indicator(indicator_id) -> Indicator:
    indicator = row_by_id(Indicator, indicator_id)
    if indicator is None or not indicator.is_active:
        raise DomainError(_("Choose an indicator of the catalogue."), field="indicator_id")
    return indicator


def _member(model, row_id, framework: ResultsFramework, field: str, message: str):
    row = row_by_id(model, row_id)
    if row is None or row.framework_id != framework.id:
        raise DomainError(message, field=field)
    return row


def row_by_id(model, row_id):
    """A row by an id that may come from a form (string, None, garbage): None when it is not a real id."""
    if isinstance(row_id, model):
        return row_id
    try:
        number = int(row_id)
    except (TypeError, ValueError):
        return None
    return db.session.get(model, number) if 0 < number <= 2_147_483_647 else None
