"""The PPP dashboard page and its CSV files: thin routes over `ppp_queries`, so page and CSV agree to the cent."""

from __future__ import annotations

import csv
import io

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_login import login_required

from marketplace.dashboards import ppp_queries
from marketplace.dashboards.forms import FilterOptions, filter_options, parse_filters
from marketplace.dashboards.queries import CapitalFilters
from marketplace.dashboards.tables import DAY, MONEY, Cell, Column, FigureTable
from marketplace.dashboards.views import CHART_JS, _viewer_scope, bp, csv_response, major, refused_csv
from marketplace.errors import DomainError


def read_filters(args, options: FilterOptions) -> tuple[CapitalFilters | None, list[str]]:
    """The capital dashboard's filters, plus the check that its months exist on the calendar."""
    filters, errors = parse_filters(args, options)
    if filters is not None:
        try:
            ppp_queries.period_of(filters)
        except DomainError as error:
            return None, [str(error)]
    return filters, errors


@bp.get("/ppp")
@login_required
def ppp():
    """Contributions by partner, IATI role and function; matching pools; tranches and overdue milestones."""
    scope = _viewer_scope()
    options = filter_options(scope)
    filters, errors = read_filters(request.args, options)
    tables = ppp_queries.ppp_report(scope, filters) if filters is not None else {}
    return render_template("dashboards/ppp.html", tables=tables, options=options, errors=errors, args=request.args,
                           filter_args=filters.as_args() if filters else {},
                           chart_data={name: chart_series(table) for name, table in tables.items() if table.chart},
                           charts_available=(CHART_JS / "chart.umd.js").is_file()), 400 if errors else 200


@bp.get("/ppp/<table>.csv")
@login_required
def ppp_csv(table: str):
    """One table of the PPP dashboard as CSV, from the same query function as the page."""
    if table not in ppp_queries.TABLES:
        abort(404)
    scope = _viewer_scope()
    filters, errors = read_filters(request.args, filter_options(scope))
    if filters is None:
        return refused_csv(errors)
    return csv_response(table_csv(ppp_queries.ppp_table(table, scope, filters)), f"ppp-{table}.csv")


def cell_text(cell: Cell, column: Column, currency: str) -> str:
    """A cell as the CSV writes it: exact major units for money, ISO dates, empty when hidden or not applicable."""
    value = cell.shown
    if value is None:
        return ""
    if column.kind == MONEY:
        return major(value, currency)
    if column.kind == DAY:
        return value.isoformat()
    return str(value)


def table_csv(table: FigureTable) -> str:
    """The table as CSV: the same rows, totals, hidden figures and reasons as the page."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([table.heading, *(_("%(label)s (%(currency)s)", label=column.label, currency=table.currency)
                                      if column.kind == MONEY else column.label
                                      for column in table.columns), _("Note")])
    for row in [*table.rows, *table.totals]:
        reasons = dict.fromkeys(cell.hidden for cell in row.cells.values() if cell.hidden)
        writer.writerow([row.label, *(cell_text(row.cells[column.key], column, table.currency)
                                      for column in table.columns), " ".join(reasons)])
    for used in table.rates:
        writer.writerow([_("Rate used: 1 %(base)s = %(rate)s %(quote)s (%(as_of)s, %(source)s)", base=used.currency,
                           rate=used.rate.normalize(), quote=table.currency, as_of=used.as_of, source=used.source)])
    for missing in table.missing_rates:
        writer.writerow([_("No exchange rate from %(currency)s: its amounts are left out.", currency=missing)])
    if table.note:
        writer.writerow([table.note])
    return out.getvalue()


def chart_series(table: FigureTable) -> dict:
    """Labels and amounts (major units, hidden as null) for the chart beside the table; in-kind rows are left out."""
    rows = [row for row in table.rows if row.group != ppp_queries.NON_CASH]
    columns = {column.key: column.label for column in table.columns}

    def label(row) -> str:
        kind = row.cells.get("kind")
        return f"{row.label} · {kind.value}" if kind is not None and kind.value else row.label

    return {"labels": [label(row) for row in rows], "currency": table.currency,
            "datasets": [{"label": columns[key],
                          "data": [None if (v := row.shown(key)) is None else major(v, table.currency)
                                   for row in rows]} for key in table.chart]}
