"""`flask dashboards rebuild` recomputes the summary tables from raw pledges; `check` compares without writing."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from marketplace.extensions import db

dashboards_cli = AppGroup("dashboards", help="Dashboard summary tables.")


@dashboards_cli.command("rebuild")
def rebuild_command() -> None:
    """Recompute the capital summary tables from the pledges (after a bulk load, or to repair)."""
    from marketplace.dashboards.maintenance import rebuild

    rows = rebuild()
    db.session.commit()
    click.echo(f"dashboard_capital_facts and dashboard_capital_cells rebuilt: {rows} cells.")


@dashboards_cli.command("check")
def check_command() -> None:
    """Exit 1 when a summary table differs from what the pledges and the reported values say."""
    from marketplace.dashboards import impact_maintenance
    from marketplace.dashboards.maintenance import drift

    differences = drift()
    differences += [("dashboard_impact_facts", *row) for row in impact_maintenance.drift()]
    for table, key, stored, expected in differences:
        click.echo(f"{table} {key}: stored {stored}, expected {expected}")
    if differences:
        raise SystemExit(1)
    click.echo("The summary tables are in step with the pledges and the reported values.")
