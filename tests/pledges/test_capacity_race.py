"""Racing pledges for the last 10 % of a target: exactly the capacity is accepted and nothing is lost."""

import random
import threading

import pytest

from marketplace.errors import ConflictError
from tests.pledges.conftest import books, pledge_as


def race(app, investor_ids, project_id, amount_minor, *, seed: int):
    rng = random.Random(seed)
    order = list(investor_ids)
    rng.shuffle(order)
    barrier = threading.Barrier(len(order))
    outcomes: dict[str, int] = {"accepted": 0, "refused": 0}
    errors: list[BaseException] = []
    lock = threading.Lock()

    def one(investor_id):
        barrier.wait()
        try:
            pledge_as(app, investor_id, project_id, amount_minor)
            key = "accepted"
        except ConflictError:
            key = "refused"
        except BaseException as error:
            errors.append(error)
            return
        with lock:
            outcomes[key] += 1

    threads = [threading.Thread(target=one, args=(i,)) for i in order]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[:3]
    return outcomes


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_racing_pledges_accept_exactly_the_remaining_capacity(app, pledging, seed):
    postgres = app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    racers = 200 if postgres else 50
    # Target 20,000.00 EUR with 18,000.00 reserved: room for exactly 20 pledges of 100.00.
    project_id = pledging.project(target="20000", pledged_minor=1_800_000)
    investors = [pledging.investor().id for _ in range(racers)]
    outcomes = race(app, investors, project_id, 10_000, seed=seed)
    state = books(app, project_id)
    assert outcomes == {"accepted": 20, "refused": racers - 20}
    assert state["reserved"] == 2_000_000
    # The 18,000.00 reserved up front has no pledge rows: the 20 accepted ones make up the rest exactly.
    assert state["active"] == 200_000
    assert state["investors"] == 20


def test_a_pledge_past_the_capacity_is_refused_and_changes_nothing(app, pledging):
    project_id = pledging.project(target="1000", pledged_minor=90_000)
    investor = pledging.investor()
    with pytest.raises(ConflictError, match="can still be pledged"):
        pledge_as(app, investor.id, project_id, 20_000)
    assert books(app, project_id) == {"reserved": 90_000, "active": 0, "states": {}, "investors": 0,
                                      "status": "published"}
    pledge_as(app, investor.id, project_id, 10_000)
    assert books(app, project_id)["reserved"] == 100_000


def test_the_database_refuses_a_reserved_total_above_the_capacity(app, pledging):
    from sqlalchemy import update
    from sqlalchemy.exc import IntegrityError

    from marketplace.extensions import db
    from marketplace.projects.models import Project

    project_id = pledging.project(target="1000")
    with app.app_context():
        with pytest.raises(IntegrityError):
            db.session.execute(update(Project).where(Project.id == project_id).values(pledged_minor=100_001))
            db.session.flush()
        db.session.rollback()


def test_a_flexible_campaign_accepts_pledges_up_to_its_oversubscription_cap(app, pledging):
    project_id = pledging.project(target="1000", funding_rule="flexible", oversubscription_cap_minor=150_000,
                                  pledged_minor=90_000)
    investor = pledging.investor()
    pledge_as(app, investor.id, project_id, 50_000)
    assert books(app, project_id)["reserved"] == 140_000
    with pytest.raises(ConflictError):
        pledge_as(app, investor.id, project_id, 20_000)
    pledge_as(app, investor.id, project_id, 10_000)
    assert books(app, project_id)["reserved"] == 150_000


def test_the_naive_read_then_write_does_over_fund(app, pledging):
    """The canary: without the conditional UPDATE the same race over-funds, so the harness really races."""
    import time

    from marketplace.extensions import db
    from marketplace.projects.models import Project

    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("SQLite serialises writers; the lost update needs concurrent transactions")
    project_id = pledging.project(target="20000", pledged_minor=1_800_000)
    barrier = threading.Barrier(40)

    def naive():
        with app.app_context():
            barrier.wait()
            project = db.session.get(Project, project_id)
            if project.pledged_minor + 10_000 <= project.target_minor:
                time.sleep(0.01)
                project.pledged_minor = project.pledged_minor + 10_000
                db.session.commit()
            db.session.remove()

    threads = [threading.Thread(target=naive) for _ in range(40)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    # 40 "accepted" writes but the total moved by far less than 40 × 100.00: updates were lost.
    with app.app_context():
        assert db.session.get(Project, project_id).pledged_minor < 1_800_000 + 40 * 10_000
