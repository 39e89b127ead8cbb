"""Dashboard pages and their CSV files: thin routes over `queries`, so page, CSV and totals agree."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from flask import Blueprint, abort, current_app, redirect, render_template, request, send_from_directory, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from config import BASE_DIR
from marketplace.dashboards import queries
from marketplace.dashboards.forms import filter_options, parse_filters
from marketplace.money import exponent

bp = Blueprint("dashboards", __name__, url_prefix="/dashboards")
CHART_JS = BASE_DIR / "node_modules" / "chart.js" / "dist"


def _viewer_scope() -> queries.Scope:
    scope = queries.scope_for(current_user)
    if scope.is_empty:
        abort(403)
    return scope


@bp.get("/")
@login_required
def index():
    """The dashboards start with capital."""
    return redirect(url_for("dashboards.capital"))


@bp.get("/capital")
@login_required
def capital():
    """Capital pledged, committed and collected, broken down by one of corridor, sector, region, programme,
    instrument or month (`by`): one table per request keeps each request to a few statements."""
    scope = _viewer_scope()
    options = filter_options(scope)
    filters, errors = parse_filters(request.args, options)
    by = request.args.get("by") or "corridor"
    if by not in queries.DIMENSIONS:
        errors = [*errors, _("Unknown breakdown: choose one of the tabs.")]
        filters = None
    table = queries.capital_table(by, scope, filters) if filters is not None else None
    return render_template("dashboards/capital.html", table=table, by=by, dimensions=queries.DIMENSIONS,
                           breakdown_tabs=list(queries.TABS.items()),
                           options=options, errors=errors, args=request.args,
                           filter_args=filters.as_args() if filters else {},
                           chart_data=chart_series(table) if table else None,
                           charts_available=(CHART_JS / "chart.umd.js").is_file()), 400 if errors else 200


@bp.get("/capital/<dimension>.csv")
@login_required
def capital_csv(dimension: str):
    """One table of the capital dashboard as CSV, from the same query function as the page."""
    if dimension not in queries.DIMENSIONS:
        abort(404)
    scope = _viewer_scope()
    filters, errors = parse_filters(request.args, filter_options(scope))
    if filters is None:
        return refused_csv(errors)
    return csv_response(table_csv(queries.capital_table(dimension, scope, filters)), f"capital-{dimension}.csv")


def refused_csv(errors: list[str]):
    """The answer of every dashboard CSV whose filters were refused: the messages, as plain text, with a 400."""
    return current_app.response_class(" ".join(errors) + "\n", status=400, mimetype="text/plain")


def csv_response(text: str, filename: str):
    """A dashboard table as a CSV download."""
    return current_app.response_class(text, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/vendor/chart.umd.js")
def chart_js():
    """Chart.js as installed from npm by `make assets`; absent, the pages keep their tables."""
    if not (CHART_JS / "chart.umd.js").is_file():
        abort(404)
    return send_from_directory(CHART_JS, "chart.umd.js", mimetype="text/javascript", max_age=3600)


def major(minor: int | None, currency: str) -> str:
    """Minor units as an exact decimal string in major units (1234.56), empty when hidden."""
    if minor is None:
        return ""
    digits = exponent(currency)
    return f"{Decimal(minor).scaleb(-digits):.{digits}f}"


def table_csv(table: queries.CapitalTable) -> str:
    """The table as CSV: the same rows, the same hidden figures and reasons as the page."""
    out = io.StringIO()
    writer = csv.writer(out)
    currency = table.currency
    writer.writerow([table.title, _("Pledges"), _("Investors"), _("Pledged (%(currency)s)", currency=currency),
                     _("Investors committed"), _("Committed (%(currency)s)", currency=currency),
                     _("Investors paid"), _("Collected (%(currency)s)", currency=currency), _("Note")])
    for row in [*table.rows, table.total]:
        reasons = dict.fromkeys(row.figure(m).hidden for m in queries.MEASURES if row.figure(m).hidden)
        writer.writerow([row.label, _blank(row.shown_pledges), _blank(row.pledged.shown_investors),
                         major(row.pledged.shown_minor, currency), _blank(row.committed.shown_investors),
                         major(row.committed.shown_minor, currency), _blank(row.collected.shown_investors),
                         major(row.collected.shown_minor, currency), " ".join(reasons)])
    for used in table.rates:
        writer.writerow([_("Rate used: 1 %(base)s = %(rate)s %(quote)s (%(as_of)s, %(source)s)", base=used.currency,
                               rate=used.rate.normalize(), quote=currency, as_of=used.as_of, source=used.source)])
    for missing in table.missing_rates:
        writer.writerow([_("No exchange rate from %(currency)s: its amounts are left out.", currency=missing)])
    return out.getvalue()


def _blank(value) -> str:
    return "" if value is None else str(value)


def chart_series(table: queries.CapitalTable) -> dict:
    """Labels and amounts (major units, hidden as null) for the chart drawn beside the table."""
    def series(measure):
        return [None if (m := row.figure(measure).shown_minor) is None else major(m, table.currency)
                for row in table.rows]

    return {"labels": [row.label for row in table.rows], "currency": table.currency,
            "datasets": [{"label": label, "data": series(measure)} for measure, label in (
                ("pledged", _("Pledged")), ("committed", _("Committed")), ("collected", _("Collected")))]}
