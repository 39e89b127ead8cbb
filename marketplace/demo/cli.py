"""`flask seed-demo`: load the demo organisations and users (idempotent)."""

import click
from flask.cli import with_appcontext

from marketplace.demo.data import DEMO_PASSWORD
from marketplace.demo.services import seed_demo
from marketplace.extensions import db


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Insert missing demo data; a second run changes nothing."""
    created = seed_demo()
    db.session.commit()
    click.echo("Demo data: " + ", ".join(f"{n} {kind}" for kind, n in created.items()) + " new. "
               f"Demo password for every demo account: {DEMO_PASSWORD}")
