"""`flask dashboards rebuild` recomputes the summary table from raw pledges; `check` compares without writing."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from marketplace.extensions import db

dashboards_cli = AppGroup("dashboards", help="Dashboard summary tables.")


@dashboards_cli.command("rebuild")
def rebuild_command() -> None:
    """Recompute dashboard_capital_facts from the pledges (after a bulk load, or to repair)."""
    from marketplace.dashboards.maintenance import rebuild

    rows = rebuild()
    db.session.commit()
    click.echo(f"dashboard_capital_facts rebuilt: {rows} rows.")


@dashboards_cli.command("check")
def check_command() -> None:
    """Exit 1 when the summary table differs from what the pledges say."""
    from marketplace.dashboards.maintenance import drift

    differences = drift()
    for key, stored, expected in differences:
        click.echo(f"{key}: stored {stored}, expected {expected}")
    if differences:
        raise SystemExit(1)
    click.echo("dashboard_capital_facts is in step with the pledges.")
