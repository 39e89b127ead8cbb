"""`flask reference load`: insert the countries, regions and sectors the platform ships with."""

import click
from flask.cli import AppGroup

from marketplace.extensions import db
from marketplace.reference.services import load_reference_data

reference_cli = AppGroup("reference", help="Reference data: countries, regions, sectors.")


@reference_cli.command("load")
def load_command() -> None:
    """Idempotent: only what is missing is inserted."""
    created = load_reference_data()
    db.session.commit()
    click.echo("Reference data loaded: " + ", ".join(f"{n} {kind}" for kind, n in created.items()) + " new.")
