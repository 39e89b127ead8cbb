"""The impact dashboard page and its CSV files, on the dashboards blueprint: thin routes over `impact_queries`,
so the page and every CSV come from the same report and agree figure for figure."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import click
from flask import abort, render_template, request, url_for
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_login import login_required

from marketplace.dashboards import impact_queries as iq
from marketplace.dashboards.impact_forms import impact_filter_options, parse_impact_filters
from marketplace.dashboards.views import CHART_JS, _viewer_scope, bp, csv_response, refused_csv
from marketplace.i18n import format_percent
from marketplace.impact.models import AGGREGATIONS
from marketplace.impact.reporting import plain_number


def register() -> None:
    """Keep the summary in step with the impact services, and offer `flask dashboards rebuild-impact`."""
    from marketplace.dashboards.cli import dashboards_cli
    from marketplace.dashboards.impact_maintenance import on_results_change
    from marketplace.impact import events

    events.observe(on_results_change)
    if "rebuild-impact" not in dashboards_cli.commands:
        dashboards_cli.add_command(rebuild_impact_command)


@bp.app_template_filter("impact_percent")
def impact_percent_filter(value) -> str:
    """A percentage (37, or 37.5) in the reader's locale, with the locale's own sign and its place."""
    if value is None:
        return "—"
    return format_percent(Decimal(value) / 100, "#,##0.#%")


@bp.get("/impact")
@login_required
def impact():
    """Verified actuals against the targets due, by indicator, region, sector and programme; jobs; projects behind."""
    scope = _viewer_scope()
    options = impact_filter_options(scope)
    filters, errors = parse_impact_filters(request.args, options)
    report = iq.impact_report(scope, filters, indicators=options.catalogue, labels=options.labels()) \
        if filters is not None else None
    return render_template("dashboards/impact.html", report=report, options=options, errors=errors,
                           args=request.args, filter_args=filters.as_args() if filters else {},
                           chart_data=chart_data(report) if report else {},
                           charts_available=(CHART_JS / "chart.umd.js").is_file()), 400 if errors else 200


@bp.get("/impact/<table>.csv")
@login_required
def impact_csv(table: str):
    """One table of the impact dashboard as CSV, from the same report as the page."""
    if table not in iq.TABLES:
        abort(404)
    scope = _viewer_scope()
    options = impact_filter_options(scope)
    filters, errors = parse_impact_filters(request.args, options)
    if filters is None:
        return refused_csv(errors)
    report = iq.impact_report(scope, filters, indicators=options.catalogue, labels=options.labels())
    out = io.StringIO()
    csv.writer(out).writerows(table_lines(report, table))
    return csv_response(out.getvalue(), f"impact-{table}.csv")


# --- what the CSV files hold ----------------------------------------------------------------------------------

def number(value: Decimal | None) -> str:
    """An exact decimal without trailing zeros (12.5), empty for nothing: the CSV keeps the stored precision."""
    return "" if value is None else plain_number(value)


def _blank(value) -> str:
    return "" if value is None else str(value)


def table_titles() -> dict[str, str]:
    return {"indicators": _("By indicator"), "region": _("By region"), "sector": _("By sector"),
            "programme": _("By programme"), "jobs": _("Jobs created"), "behind": _("Projects behind target")}


def table_lines(report: iq.ImpactReport, table: str) -> list[list[str]]:
    """Header and rows of one table, as the page shows them (numbers unformatted)."""
    figures = [_("Projects"), _("Actual (verified)"), _("Target due"), _("Percent of target"),
               _("Projects behind target")]

    def cells(row: iq.ImpactRow) -> list[str]:
        return [str(row.projects), number(row.actual), number(row.target), _blank(row.percent), str(row.behind)]

    if table == "indicators":
        lines = [[_("Indicator"), _("Unit"), _("Rule"), *figures]]
        lines += [[row.label, row.indicator.unit, str(AGGREGATIONS.get(row.indicator.aggregation, "")), *cells(row)]
                  for row in report.indicators]
    elif table in iq.DIMENSIONS:
        lines = [[str(iq.DIMENSIONS[table]), _("Indicator"), _("Unit"), *figures]]
        lines += [[row.label, row.indicator.label, row.indicator.unit, *cells(row)] for row in report.by[table]]
    elif table == "jobs":
        lines = [[_("Region"), _("Jobs created (verified)"), _("Target due"), _("Women (percent)"),
                  _("Youth aged 15 to 24 (percent)"), _("Jobs split by sex (percent)"),
                  _("Jobs split by age band (percent)")]]
        rows = [*report.jobs, report.jobs_total] if report.jobs_total else []
        lines += [[row.label or _("Total"), number(row.jobs), number(row.target), _blank(row.women_share),
                   _blank(row.youth_share), _blank(row.sex_coverage), _blank(row.age_coverage)] for row in rows]
    else:
        lines = [[_("Project"), _("Region"), _("Indicator"), _("Actual (verified)"), _("Target due"),
                  _("Percent of target"), _("Link")]]
        lines += [[row.title, row.region, row.indicator.label, number(row.actual), number(row.target),
                   _blank(row.percent), url_for("impact.show", project_id=row.project_id, _external=True)]
                  for row in report.behind]
        if report.behind_count > len(report.behind):
            lines.append([_("%(shown)s of %(count)s projects behind target are listed.", shown=len(report.behind),
                            count=report.behind_count)])
    return lines


# --- charts -------------------------------------------------------------------------------------------------

def chart_data(report: iq.ImpactReport) -> dict[str, dict]:
    """Percent of target per indicator and per group, and jobs per region, for the charts beside the tables."""
    percent = _("percent of target")
    charts = {"indicators": {"labels": [row.indicator.code for row in report.indicators], "currency": percent,
                             "datasets": [{"label": _("Percent of target"),
                                           "data": [row.percent for row in report.indicators]}]}}
    for name, rows in report.by.items():
        labels = sorted({row.label for row in rows})
        codes = sorted({row.indicator.code for row in rows})
        found = {(row.label, row.indicator.code): row.percent for row in rows}
        charts[name] = {"labels": labels, "currency": percent,
                        "datasets": [{"label": code, "data": [found.get((label, code)) for label in labels]}
                                     for code in codes]}
    if report.jobs:
        unit = report.jobs_total and next(iter(r.indicator.unit for r in report.indicators
                                               if r.indicator.code == iq.JOBS_INDICATOR), "")
        charts["jobs"] = {"labels": [row.label for row in report.jobs], "currency": unit or "",
                          "datasets": [{"label": _("Jobs created (verified)"),
                                        "data": [number(row.jobs) or None for row in report.jobs]},
                                       {"label": _("Target due"),
                                        "data": [number(row.target) or None for row in report.jobs]}]}
    return charts


@click.command("rebuild-impact")
@with_appcontext
def rebuild_impact_command() -> None:
    """Recompute dashboard_impact_facts from the impact tables (after a bulk load, or to repair)."""
    from marketplace.dashboards.impact_maintenance import rebuild
    from marketplace.extensions import db

    rows = rebuild()
    db.session.commit()
    click.echo(f"dashboard_impact_facts rebuilt: {rows} rows.")
