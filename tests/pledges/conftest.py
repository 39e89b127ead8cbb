import uuid

import pytest

from tests.factories import PledgeFactories


@pytest.fixture
def pledging(app, make) -> PledgeFactories:
    return PledgeFactories(app, make)


def pledge_as(app, investor_id: int, project_id: int, amount_minor: int, *, method="bank_transfer",
              currency=None, key=None, **acks):
    """Place one pledge through the service in its own request context and transaction."""
    from marketplace.accounts.models import User
    from marketplace.extensions import db
    from marketplace.pledges.services import PledgeRequest, place_pledge
    from marketplace.projects.models import Project

    with app.app_context(), app.test_request_context():
        project = db.session.get(Project, project_id)
        request = PledgeRequest(amount_minor=amount_minor, currency=currency or project.currency, method=method,
                                request_key=key or uuid.uuid4().hex, **acks)
        try:
            pledge = place_pledge(db.session.get(User, investor_id), project, request)
            db.session.commit()
            return pledge.id
        finally:
            db.session.remove()


def books(app, project_id: int) -> dict:
    """The reserved total next to the sum of active pledges, and the states."""
    from sqlalchemy import func, select

    from marketplace.extensions import db
    from marketplace.pledges.models import ACTIVE_STATUSES, Pledge
    from marketplace.projects.models import Project

    with app.app_context():
        project = db.session.get(Project, project_id)
        active = db.session.scalar(select(func.coalesce(func.sum(Pledge.amount_minor), 0)).where(
            Pledge.project_id == project_id, Pledge.status.in_(ACTIVE_STATUSES)))
        states = dict(db.session.execute(select(Pledge.status, func.count()).where(
            Pledge.project_id == project_id).group_by(Pledge.status)).all())
        return {"reserved": project.pledged_minor, "active": active, "states": states,
                "investors": project.investor_count, "status": project.status}
