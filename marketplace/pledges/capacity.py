"""The reserved total of a project, moved only by conditional UPDATEs.

`UPDATE … SET pledged = pledged + :x WHERE id = :id AND status = 'published' AND pledged + :x <= capacity`
is atomic on PostgreSQL (a concurrent UPDATE waits, then re-checks its WHERE against the new row) and
on SQLite (one writer at a time). The CHECK constraint `pledged_within_capacity` is the backstop.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import exists, func, update

from marketplace.extensions import db
from marketplace.projects.models import Project


def reserve(project_id: int, amount_minor: int) -> bool:
    """Reserve capacity on a published project; False when it would exceed the capacity."""
    capacity = func.coalesce(Project.oversubscription_cap_minor, Project.target_minor)
    changed = db.session.execute(
        update(Project)
        .where(Project.id == project_id, Project.status == "published", Project.campaign_ends_on >= date.today(),
               Project.pledged_minor + amount_minor <= capacity)
        .values(pledged_minor=Project.pledged_minor + amount_minor)
        .execution_options(synchronize_session=False)
    ).rowcount
    return changed == 1


def release(project_id: int, amount_minor: int) -> None:
    """Give capacity back; the guard makes a double release fail loudly instead of going negative."""
    changed = db.session.execute(
        update(Project)
        .where(Project.id == project_id, Project.pledged_minor >= amount_minor)
        .values(pledged_minor=Project.pledged_minor - amount_minor)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise RuntimeError(f"release of {amount_minor} on project {project_id} would make the reserved total negative")


def count_investor(project_id: int, investor_id: int, pledge_id: int, delta: int) -> None:
    """Add (+1) or remove (-1) the investor from the project's count when this pledge is their only active one.

    Runs after `reserve`/`release` in the same transaction: the project row is locked by then, so this
    statement's snapshot already holds every concurrent pledge that committed before ours.
    """
    from marketplace.pledges.models import ACTIVE_STATUSES, Pledge

    others = exists().where(Pledge.project_id == project_id, Pledge.investor_id == investor_id,
                            Pledge.status.in_(ACTIVE_STATUSES), Pledge.id != pledge_id)
    db.session.execute(update(Project).where(Project.id == project_id, ~others)
                       .values(investor_count=Project.investor_count + delta)
                       .execution_options(synchronize_session=False))
