"""Impact pages of a project: what it achieved, its results framework, and the values its partners report."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from marketplace.core.forms import apply_and_report, attach_error, commit_or_attach
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.impact import framework as frameworks
from marketplace.impact import queries, reporting
from marketplace.impact.catalogue import indicators
from marketplace.impact.forms import (
    ActionForm,
    FrameworkIndicatorForm,
    PeriodForm,
    ReturnForm,
    SharePreferenceForm,
    TargetForm,
    ValueForm,
)
from marketplace.impact.models import DIMENSIONS, Evidence, ProjectIndicator, ReportedValue
from marketplace.impact.numbers import shown
from marketplace.impact.preferences import set_investor_share_shown
from marketplace.projects.access import ADMIN, OWNER, PUBLIC_STATUSES, REVIEWER, can_view, project_roles
from marketplace.projects.queries import project_for_page

bp = Blueprint("impact", __name__)
ID = "<int(max=2147483647):project_id>"
ROW_ID = "<int(max=2147483647):row_id>"
VALUE_ID = "<int(max=2147483647):value_id>"
ACTION = "<any(submit, approve, verify):action>"


@bp.app_template_filter("impact_number")
def impact_number_filter(value) -> str:
    return shown(value)


# --- the public impact page -----------------------------------------------------------------------------------

@bp.get(f"/projects/{ID}/impact")
def show(project_id: int):
    """Baseline, targets, counted values and progress per indicator; pending values only to the project's parties."""
    project, roles, parties = _project(project_id)
    is_party = bool(roles) or reporting.reporting_organisation_id(current_user, parties) is not None
    if not (can_view(current_user, project) or is_party):
        abort(404)
    page = queries.impact_page(project, viewer=current_user, include_pending=is_party)
    return render_template("impact/show.html", project=project, page=page, is_party=is_party, roles=roles,
                           share_form=SharePreferenceForm(shown=page.shows_share))


@bp.post("/impact/investor-share")
@login_required
def investor_share_preference():
    """Show or hide "your share of the impact" everywhere, then go back to the page the person came from."""
    form = SharePreferenceForm()
    if form.validate_on_submit():
        set_investor_share_shown(current_user, form.shown.data)
        db.session.commit()
        flash(_("Your share of the impact is shown.") if form.shown.data else
              _("Your share of the impact is hidden."), "success")
    target = request.form.get("next", "")
    return redirect(target if target.startswith("/") and not target.startswith("//") else url_for("core.index"))


# --- the results framework ---------------------------------------------------------------------------------------

@bp.get(f"/projects/{ID}/impact/framework")
@login_required
def framework(project_id: int):
    """The owner sets up indicators, periods and targets; the authority reviewer confirms."""
    project, roles, _parties = _framework_project(project_id)
    return _framework_page(project, roles)


@bp.post(f"/projects/{ID}/impact/framework/indicators")
@login_required
def add_indicator(project_id: int):
    project, roles, _parties = _framework_project(project_id)
    form = _indicator_form()
    if form.validate_on_submit() and _applied(form, lambda: frameworks.add_indicator(
            current_user, project, form.indicator_id.data, baseline=form.baseline.data,
            baseline_on=form.baseline_on.data, baseline_note=form.baseline_note.data)):
        return redirect(url_for("impact.framework", project_id=project.id))
    return _framework_page(project, roles, indicator_form=form, status=422)


@bp.post(f"/projects/{ID}/impact/framework/periods")
@login_required
def add_period(project_id: int):
    project, roles, _parties = _framework_project(project_id)
    form = PeriodForm()
    if form.validate_on_submit() and _applied(form, lambda: frameworks.add_period(
            current_user, project, starts_on=form.starts_on.data, ends_on=form.ends_on.data)):
        return redirect(url_for("impact.framework", project_id=project.id))
    return _framework_page(project, roles, period_form=form, status=422)


@bp.post(f"/projects/{ID}/impact/framework/targets")
@login_required
def set_target(project_id: int):
    project, roles, _parties = _framework_project(project_id)
    form = TargetForm()
    if form.validate_on_submit() and _applied(form, lambda: frameworks.set_target(
            current_user, project, form.project_indicator_id.data, form.period_id.data, form.value.data)):
        return redirect(url_for("impact.framework", project_id=project.id))
    return _framework_page(project, roles, target_form=form, status=422)


@bp.post(f"/projects/{ID}/impact/framework/indicators/{ROW_ID}/remove")
@login_required
def remove_indicator(project_id: int, row_id: int):
    project, _roles, _parties = _framework_project(project_id)
    row = db.session.get(ProjectIndicator, row_id) or abort(404)
    if ActionForm().validate_on_submit():
        apply_and_report(lambda: frameworks.remove_indicator(current_user, project, row),
                         _("The indicator is removed from the framework."))
    return redirect(url_for("impact.framework", project_id=project.id))


@bp.post(f"/projects/{ID}/impact/framework/periods/{ROW_ID}/remove")
@login_required
def remove_period(project_id: int, row_id: int):
    from marketplace.impact.models import ReportingPeriod

    project, _roles, _parties = _framework_project(project_id)
    period = db.session.get(ReportingPeriod, row_id) or abort(404)
    if ActionForm().validate_on_submit():
        apply_and_report(lambda: frameworks.remove_period(current_user, project, period),
                         _("The period is removed from the framework."))
    return redirect(url_for("impact.framework", project_id=project.id))


@bp.post(f"/projects/{ID}/impact/framework/confirm")
@login_required
def confirm(project_id: int):
    project, _roles, _parties = _framework_project(project_id)
    if ActionForm().validate_on_submit():
        apply_and_report(lambda: frameworks.confirm(current_user, project),
                         _("The results framework is confirmed: partners can report values."))
    return redirect(url_for("impact.framework", project_id=project.id))


# --- reported values ----------------------------------------------------------------------------------------------

@bp.get(f"/projects/{ID}/impact/values")
@login_required
def values(project_id: int):
    """Every value reported on the project, with links to report a new one and to review pending ones."""
    project, _roles, parties = _party_project(project_id)
    framework = frameworks.framework_of(project)
    return render_template(
        "impact/values.html", project=project, framework=framework,
        rows=queries.values_of(framework) if framework else [],
        project_indicators=queries.framework_indicators(framework) if framework else [],
        may_report=reporting.reporting_organisation_id(current_user, parties) is not None)


@bp.route(f"/projects/{ID}/impact/values/new", methods=["GET", "POST"])
@login_required
def report(project_id: int):
    """A partner enters a value of one indicator (chosen by the `indicator` argument) for a period."""
    project, _roles, _parties = _party_project(project_id)
    framework = frameworks.framework_of(project)
    project_indicator = frameworks.row_by_id(ProjectIndicator, request.args.get("indicator"))
    if framework is None or project_indicator is None or project_indicator.framework_id != framework.id:
        abort(404)
    form = _value_form(framework)
    if form.validate_on_submit():
        try:
            row = reporting.report_value(
                current_user, project, project_indicator_id=project_indicator.id, period_id=form.period_id.data,
                value=form.value.data, parts=_parts_entered(project_indicator), comment=form.comment.data,
                evidence=_files(form))
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Your value is saved as a draft. Submit it when it is complete."), "success")
            return redirect(url_for("impact.value", project_id=project.id, value_id=row.id))
    return render_template("impact/report.html", project=project, form=form, project_indicator=project_indicator,
                           row=None, dimensions=_dimensions(project, project_indicator), entered=request.form,
                           ), 422 if request.method == "POST" else 200


@bp.route(f"/projects/{ID}/impact/values/{VALUE_ID}", methods=["GET", "POST"])
@login_required
def value(project_id: int, value_id: int):
    """One value: its history and evidence, the reporter's corrections and the reviewers' buttons."""
    project, _roles, parties = _party_project(project_id)
    row = _value_of(project, value_id)
    form = _value_form(row.project_indicator.framework, obj=row)
    editable = row.reported_by_id == current_user.id and row.status in reporting.EDITABLE_STATUSES
    if request.method == "POST":
        if not editable:
            abort(403)
        if form.validate_on_submit():
            try:
                reporting.update_value(current_user, row, value=form.value.data,
                                       parts=_parts_entered(row.project_indicator), comment=form.comment.data,
                                       evidence=_files(form))
            except DomainError as error:
                db.session.rollback()
                attach_error(form, error)
            else:
                db.session.commit()
                flash(_("Your changes are saved."), "success")
                return redirect(url_for("impact.value", project_id=project.id, value_id=row.id))
    return render_template(
        "impact/value.html", project=project, row=row, form=form, editable=editable,
        entered=request.form if request.method == "POST" else _parts_stored(row),
        dimensions=_dimensions(project, row.project_indicator),
        actions=reporting.allowed_actions(current_user, row, project, parties),
        may_return=row.status in reporting.STEPS["return"].sources
        and reporting.may_take(current_user, row, project, parties, "return"),
        action_form=ActionForm(), return_form=ReturnForm()), 422 if request.method == "POST" else 200


@bp.post(f"/projects/{ID}/impact/values/{VALUE_ID}/{ACTION}")
@login_required
def change_status(project_id: int, value_id: int, action: str):
    """Submit, approve or verify, from a button on the value's page."""
    project, _roles, _parties = _party_project(project_id)
    row = _value_of(project, value_id)
    if ActionForm().validate_on_submit():
        messages = {"submit": _("The value is submitted for review."), "approve": _("The value is approved."),
                    "verify": _("The value is verified: it now counts in every total.")}
        apply_and_report(lambda: reporting.change_status(current_user, row, action), messages[action])
    return redirect(url_for("impact.value", project_id=project.id, value_id=row.id))


@bp.post(f"/projects/{ID}/impact/values/{VALUE_ID}/return")
@login_required
def return_value(project_id: int, value_id: int):
    """Send the value back to its reporter with a note saying what to correct."""
    project, _roles, _parties = _party_project(project_id)
    row = _value_of(project, value_id)
    form = ReturnForm()
    if form.validate_on_submit():
        apply_and_report(lambda: reporting.change_status(current_user, row, "return", note=form.note.data),
                         _("The value is returned to its reporter."))
    return redirect(url_for("impact.value", project_id=project.id, value_id=row.id))


@bp.get(f"/projects/{ID}/impact/evidence/<int(max=2147483647):evidence_id>")
@login_required
def evidence(project_id: int, evidence_id: int):
    """An evidence file, to the project's parties only."""
    from marketplace.projects.uploads import upload_dir

    project, _roles, _parties = _party_project(project_id)
    item = db.session.get(Evidence, evidence_id)
    if item is None:
        abort(404)
    _value_of(project, item.reported_value_id)
    mimetype = "application/pdf" if item.kind == "pdf" else "image/jpeg"
    return send_file(upload_dir("impact") / item.storage_name, mimetype=mimetype, download_name=item.original_name,
                     as_attachment=item.kind == "pdf")


# --- helpers --------------------------------------------------------------------------------------------------

def _project(project_id: int):
    project = project_for_page(project_id)
    if project is None:
        abort(404)
    return project, project_roles(current_user, project), reporting.parties_of(project)


def _framework_project(project_id: int):
    """Owner, reviewing authority and admins see the framework page; others get 404 (403 on public projects)."""
    project, roles, parties = _project(project_id)
    if not roles & {OWNER, REVIEWER, ADMIN}:
        abort(403 if project.status in PUBLIC_STATUSES else 404)
    return project, roles, parties


def _party_project(project_id: int):
    """The project's parties (its roles, or members of a reporting partner) see its reported values."""
    project, roles, parties = _project(project_id)
    if not roles and reporting.reporting_organisation_id(current_user, parties) is None:
        abort(403 if project.status in PUBLIC_STATUSES else 404)
    return project, roles, parties


def _value_of(project, value_id: int) -> ReportedValue:
    from marketplace.impact.models import ResultsFramework

    row = db.session.scalar(
        select(ReportedValue).join(ProjectIndicator, ReportedValue.project_indicator_id == ProjectIndicator.id)
        .join(ResultsFramework, ProjectIndicator.framework_id == ResultsFramework.id)
        .where(ReportedValue.id == value_id, ResultsFramework.project_id == project.id))
    if row is None:
        abort(404)
    return row


def _applied(form, action) -> bool:
    """Run one framework service for a form: commit and say so, or roll back and show the refusal on the form."""
    if not commit_or_attach(form, action):
        return False
    flash(_("The results framework is updated."), "success")
    return True


def _indicator_form(form=None) -> FrameworkIndicatorForm:
    form = form or FrameworkIndicatorForm()
    form.indicator_id.choices = [("", "—"), *((str(i.id), f"{i.code} · {i.name}")
                                             for i in indicators(active_only=True))]
    return form


def _framework_page(project, roles, *, indicator_form=None, period_form=None, target_form=None, status=200):
    framework = frameworks.framework_of(project)
    project_indicators = queries.framework_indicators(framework) if framework else []
    periods = queries.framework_periods(framework) if framework else []
    target_form = target_form or TargetForm()
    target_form.project_indicator_id.choices = [("", "—"), *((str(p.id), p.indicator.code)
                                                            for p in project_indicators)]
    target_form.period_id.choices = [("", "—"), *((str(p.id), f"{p.starts_on} – {p.ends_on}") for p in periods)]
    page = queries.impact_page(project, viewer=None, include_pending=False) if framework else None
    return render_template(
        "impact/framework.html", project=project, framework=framework, page=page, periods=periods,
        may_edit=frameworks.may_edit(current_user, project, framework),
        may_confirm=frameworks.may_confirm(current_user, project, framework),
        indicator_form=_indicator_form(indicator_form), period_form=period_form or PeriodForm(),
        target_form=target_form, action_form=ActionForm()), status


def _value_form(framework, obj=None) -> ValueForm:
    form = ValueForm(obj=obj) if request.method == "GET" else ValueForm()
    if obj is not None and request.method == "GET":
        form.value.data = shown_plain(obj)
        form.period_id.data = str(obj.period_id)
    form.period_id.choices = [("", "—"), *((str(p.id), f"{p.starts_on} – {p.ends_on}")
                                          for p in queries.framework_periods(framework))]
    return form


def shown_plain(row: ReportedValue) -> str:
    return reporting.plain_number(row.value) if row.value is not None else (row.narrative or "")


def _dimensions(project, project_indicator) -> list[tuple[str, str, dict[str, str]]]:
    """(dimension, label, categories) of the indicator, for the part inputs."""
    return [(name, str(DIMENSIONS[name]), reporting.categories_for(name, project))
            for name in project_indicator.indicator.disaggregations or []]


def _parts_entered(project_indicator) -> dict[str, dict[str, str]]:
    """The part inputs of the form (part-<dimension>-<category>), grouped by dimension."""
    parts: dict[str, dict[str, str]] = {}
    for key, raw in request.form.items():
        if key.startswith("part-") and key.count("-") >= 2:
            _prefix, dimension, category = key.split("-", 2)
            parts.setdefault(dimension, {})[category] = raw
    return parts


def _parts_stored(row: ReportedValue) -> dict[str, str]:
    return {f"part-{p.dimension}-{p.category}": reporting.plain_number(p.value) for p in row.parts}


def _files(form) -> list[tuple[str, bytes]]:
    return [(f.filename or "evidence", f.read()) for f in (form.evidence.data or []) if f and f.filename]
