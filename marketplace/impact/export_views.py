"""Downloads of verified impact results: one project's (CSV, IATI XML) and a filtered set of public projects'.

Who may download: anyone, for a public project (its verified results are on its public impact page anyway);
for a private one, only its parties, like the impact page. The set exports cover public projects only.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user

from marketplace.core.spreadsheets import csv_text
from marketplace.i18n import current_language
from marketplace.impact import exports, iati, reporting
from marketplace.impact.exports import EXPORT_STATUSES, ExportFilters
from marketplace.projects.access import PUBLIC_STATUSES, can_view
from marketplace.projects.models import INSTRUMENTS, STATUSES
from marketplace.projects.queries import project_for_page
from marketplace.reference.queries import catalogue_filter_options

bp = Blueprint("impact_exports", __name__)
ID = "<int(max=2147483647):project_id>"


@bp.get(f"/projects/{ID}/impact/results.csv")
def project_csv(project_id: int):
    """One project's verified results as CSV."""
    project = _exportable_project(project_id)
    text = csv_text(exports.results_rows(exports.load_results([project.id])))
    return _download(text, "text/csv", f"impact-{project.id}.csv", public=_is_public(project))


@bp.get(f"/projects/{ID}/impact/iati.xml")
def project_iati(project_id: int):
    """One project as an IATI 2.03 activity."""
    project = _exportable_project(project_id)
    document = iati.activities_xml(iati.load_activities([project.id]))
    return _download(document, "application/xml", f"iati-activity-{project.id}.xml", public=_is_public(project))


@bp.get("/impact/export")
def export_page():
    """The filter form of the set export, with how many public projects match and the download links."""
    return _page(*_selection())


@bp.get("/impact/export/results.csv")
def set_csv():
    """The verified results of every public project matching the filters, as CSV (or the form and why not)."""
    filters, project_ids, problems = _selection()
    if problems:
        return _page(filters, project_ids, problems)
    text = csv_text(exports.results_rows(exports.load_results(project_ids)))
    return _download(text, "text/csv", "impact-results.csv", public=True)


@bp.get("/impact/export/iati.xml")
def set_iati():
    """Every public project matching the filters as IATI 2.03 activities (or the form and why not)."""
    filters, project_ids, problems = _selection()
    if problems:
        return _page(filters, project_ids, problems)
    document = iati.activities_xml(iati.load_activities(project_ids))
    return _download(document, "application/xml", "iati-activities.xml", public=True)


# --- helpers --------------------------------------------------------------------------------------------------

def _exportable_project(project_id: int):
    """The project if the visitor may read its impact page: public projects to all, others to their parties."""
    project = project_for_page(project_id)
    if project is None:
        abort(404)
    if not can_view(current_user, project) and \
            reporting.reporting_organisation_id(current_user, reporting.parties_of(project)) is None:
        abort(404)
    return project


def _is_public(project) -> bool:
    return project.status in PUBLIC_STATUSES


def _selection() -> tuple[ExportFilters, list[int], list[str]]:
    """The filters, the matching public projects' ids, and why they cannot be exported (unknown values, too many)."""
    filters = ExportFilters.from_args(request.args)
    project_ids = exports.select_project_ids(filters)
    too_many = exports.too_many_message(len(project_ids))
    return filters, project_ids, [*filters.problems, *([too_many] if too_many else [])]


def _page(filters: ExportFilters, project_ids: list[int], problems: list[str]):
    """The form; 400 when the filters cannot be exported, so a script that asked for a file sees the refusal."""
    return render_template("impact/export.html", filters=filters, count=len(project_ids), problems=problems,
                           options=catalogue_filter_options(current_language()),
                           instrument_choices=[(k, str(v)) for k, v in INSTRUMENTS.items()],
                           status_choices=[(s, str(STATUSES[s])) for s in EXPORT_STATUSES]), 400 if problems else 200


def _download(body, mimetype: str, filename: str, *, public: bool) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-cache" if public else "private, no-store"
    return response
