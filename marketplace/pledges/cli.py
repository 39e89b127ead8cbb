"""Scheduled work: `flask campaigns close-due`, `flask pledges commit-due`, `flask pledges lapse-due`.

Each is idempotent and safe to run twice at once; a scheduler (or the worker) runs them every few minutes.
"""

import click
from flask.cli import AppGroup

from marketplace.extensions import db

campaigns_cli = AppGroup("campaigns", help="Campaign closing.")
pledges_cli = AppGroup("pledges", help="Pledge deadlines.")


@campaigns_cli.command("close-due")
def close_due_command() -> None:
    """Decide every campaign whose last day has passed: funded (collect) or failed (release)."""
    from marketplace.pledges.campaigns import close_due

    report = close_due()
    click.echo(f"Funded: {', '.join(report.funded) or '-'}; not funded: {', '.join(report.failed) or '-'}; "
               f"waiting for revocation periods: {', '.join(report.waiting) or '-'}; "
               f"committed {report.committed}, lapsed {report.lapsed}, payments expired {report.payments_expired}, "
               f"card charges {len(report.charges)}.")


@pledges_cli.command("commit-due")
def commit_due_command() -> None:
    """Commit the offers whose revocation period has ended."""
    from marketplace.pledges.services import commit_due

    count = commit_due()
    db.session.commit()
    click.echo(f"Committed {count} pledge(s).")


@pledges_cli.command("lapse-due")
def lapse_due_command() -> None:
    """Lapse the pledges not reconfirmed in time after a material change."""
    from marketplace.pledges.services import lapse_due

    count = lapse_due()
    db.session.commit()
    click.echo(f"Lapsed {count} pledge(s).")
