"""`flask payments reconcile` and `flask payments refund-due`: the jobs that settle card money with Stripe."""

from collections import Counter

import click
from flask.cli import AppGroup

from marketplace.payments import gateway, services

payments_cli = AppGroup("payments", help="Card payments through Stripe.")


def _summary(outcomes: dict[int, str]) -> str:
    counts = Counter(outcomes.values())
    return ", ".join(f"{name}: {count}" for name, count in sorted(counts.items())) or "nothing to do"


@payments_cli.command("reconcile")
def reconcile_command() -> None:
    """Settle charges whose outcome is unknown or unfinished; run it every few minutes, any number of times."""
    if not gateway.is_configured():
        click.echo("Card payments are not configured.")
        return
    click.echo(f"Reconciled: {_summary(services.reconcile())}")


@payments_cli.command("refund-due")
def refund_due_command() -> None:
    """Refund card pledges of cancelled projects (and late payments of ended pledges); safe to re-run."""
    if not gateway.is_configured():
        click.echo("Card payments are not configured.")
        return
    click.echo(f"Refunds: {_summary(services.refund_due())}")
