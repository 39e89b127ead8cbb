"""`flask projects publish-due`: publish approved projects whose campaign start has arrived."""

from datetime import date

import click
from flask.cli import AppGroup
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.projects.lifecycle import transition
from marketplace.projects.models import Project
from marketplace.projects.notify import recipients

projects_cli = AppGroup("projects", help="Project listings.")


@projects_cli.command("publish-due")
def publish_due_command() -> None:
    """Idempotent: each due project is published once; run it daily from a scheduler."""
    today = date.today()
    due = db.session.scalars(
        select(Project.id).where(Project.status == "approved", Project.campaign_starts_on <= today)
    ).all()
    published = 0
    for project_id in due:
        project = db.session.get(Project, project_id)
        if project.status != "approved":
            continue
        transition(project, "publish", actor=None, today=today, notify_users=recipients)
        db.session.commit()
        published += 1
    click.echo(f"Published {published} project(s).")
