"""`flask audit verify`: walk the hash chain and name the first broken entry."""

import click
from flask.cli import AppGroup

from marketplace.audit.services import verify_chain

audit_cli = AppGroup("audit", help="Inspect the tamper-evident audit log.")


@audit_cli.command("verify")
def verify_command() -> None:
    """Exit 0 when every entry chains to the previous one, 1 with the first broken entry otherwise."""
    result = verify_chain()
    if result.ok:
        click.echo(f"Audit log intact: {result.checked} entries verified.")
        return
    click.echo(f"Audit log BROKEN at entry #{result.broken_seq}: {result.reason}.", err=True)
    raise SystemExit(1)
