"""The summary tables are maintained in the pledge's own transaction and always equal a rebuild from raw pledges."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from tests.dashboards.conftest import place


def facts(app) -> list[tuple]:
    from marketplace.dashboards.models import CapitalFact

    return rows_of(app, CapitalFact)


def rows_of(app, model) -> list[tuple]:
    with app.app_context():
        return [tuple(row) for row in db.session.execute(select(model.__table__).order_by(
            *model.__table__.primary_key.columns))]


def test_incremental_rows_equal_a_rebuild_after_random_pledges_and_steps(app, make):
    from marketplace.dashboards.maintenance import drift, rebuild
    from marketplace.errors import ConflictError
    from marketplace.pledges import lifecycle
    from marketplace.pledges.models import Pledge
    from tests.factories import PledgeFactories

    rng = random.Random(7)
    cast = PledgeFactories(app, make)
    projects = [cast.project(target="1000000", min_ticket="1", instrument=kind) for kind in ("equity", "donation")]
    investors = [cast.investor(rng.choice(["MA", "GB", "CA"])).id for _ in range(4)] + [cast.eu_investor().id]
    pledges = []
    for _ in range(160):
        if not pledges or rng.random() < 0.3:
            pledges.append(place(app, rng.choice(investors), rng.choice(projects), rng.randint(100, 90_000)))
            continue
        with app.app_context(), app.test_request_context():
            pledge = db.session.get(Pledge, rng.choice(pledges))
            possible = sorted(a for a, step in lifecycle.TRANSITIONS.items() if pledge.status in step.sources)
            if not possible:
                continue
            try:
                lifecycle.apply(pledge, rng.choice(possible))
                db.session.commit()
            except ConflictError:
                db.session.rollback()
    with app.app_context():
        states = {p.status for p in db.session.scalars(select(Pledge))}
        assert drift() == []
    assert {"offered", "committed", "paid"} <= states and len(states) >= 5
    from marketplace.dashboards.models import CapitalCell, CapitalProjectMonth

    incremental, incremental_cells = facts(app), rows_of(app, CapitalCell)
    months = rows_of(app, CapitalProjectMonth)
    assert incremental and incremental_cells
    # some cell holds several investors and some investor several pledges: the counts are really exercised
    assert any(row[3] > row[6] > 1 for row in incremental_cells)  # pledges > investors > 1
    with app.app_context():
        rebuild()
        db.session.commit()
    assert facts(app) == incremental
    assert rows_of(app, CapitalCell) == incremental_cells
    assert rows_of(app, CapitalProjectMonth) == months


def test_an_investor_who_moved_is_one_investor_of_the_project_month(app, make):
    """Pledges from two residences make two cells (two corridors) but one investor of the project's month,
    also once one of them lapses, and the tables still equal a rebuild."""
    from marketplace.accounts.models import User
    from marketplace.dashboards.maintenance import drift
    from marketplace.dashboards.models import CapitalCell, CapitalProjectMonth
    from tests.dashboards.conftest import step
    from tests.factories import PledgeFactories, country_id

    cast = PledgeFactories(app, make)
    project = cast.project(target="100000", min_ticket="1")
    investor = cast.investor("GB").id
    first = place(app, investor, project, 1_000)
    with app.app_context():
        db.session.get(User, investor).residence_country_id = country_id(app, "CA")
        db.session.commit()
    place(app, investor, project, 2_000)
    assert [row[6] for row in rows_of(app, CapitalCell)] == [1, 1]  # one investor in each residence's cell
    [month] = rows_of(app, CapitalProjectMonth)
    assert (month[0], month[2], month[5], month[8]) == (project, 2, 1, 3_000)  # 2 pledges, 1 investor
    step(app, first, "lapse")
    [month] = rows_of(app, CapitalProjectMonth)
    assert (month[2], month[5], month[8]) == (1, 1, 2_000)
    with app.app_context():
        assert drift() == []


def test_a_refused_pledge_leaves_no_trace_in_the_summary(app, make):
    from marketplace.errors import ConflictError
    from tests.factories import PledgeFactories

    cast = PledgeFactories(app, make)
    project = cast.project(target="100", min_ticket="1")
    place(app, cast.investor("MA").id, project, 9_000)
    with pytest.raises(ConflictError):
        place(app, cast.investor("MA").id, project, 5_000)  # over the target: refused, rolled back
    assert [row[-3] for row in facts(app)] == [9_000]


def test_rebuild_and_check_commands(app, make, runner):
    from tests.factories import PledgeFactories

    cast = PledgeFactories(app, make)
    place(app, cast.investor("MA").id, cast.project(target="1000", min_ticket="1"), 4_200)
    before = facts(app)
    with app.app_context():
        from marketplace.dashboards.models import CapitalFact

        db.session.execute(CapitalFact.__table__.update().values(pledged_minor=1, committed_minor=1))
        db.session.commit()
    assert runner.invoke(args=["dashboards", "check"]).exit_code == 1
    result = runner.invoke(args=["dashboards", "rebuild"])
    assert result.exit_code == 0 and "1 cells" in result.output
    assert facts(app) == before
    assert runner.invoke(args=["dashboards", "check"]).exit_code == 0


def test_the_last_two_pledges_of_a_row_can_go_at_the_same_moment(app, make):
    """Two lapses racing on one cell: one UPDATE and one DELETE, never a row at zero (on PostgreSQL the second
    waits for the first and re-checks its condition); the tables still equal a rebuild."""
    import threading
    import time

    from marketplace.dashboards.maintenance import drift
    from marketplace.pledges import lifecycle
    from marketplace.pledges.models import Pledge
    from tests.factories import PledgeFactories

    cast = PledgeFactories(app, make)
    project = cast.project(target="100000", min_ticket="1")
    pledges = [place(app, cast.investor("GB").id, project, 1_000) for _ in range(2)]
    holding = threading.Event()
    errors: list[BaseException] = []

    def lapse(pledge_id: int, first: bool) -> None:
        try:
            with app.app_context(), app.test_request_context():
                if not first:
                    holding.wait(5)
                lifecycle.apply(db.session.get(Pledge, pledge_id), "lapse")
                db.session.flush()
                if first:
                    holding.set()
                    time.sleep(0.3)  # keep the rows locked while the other one reaches them
                db.session.commit()
        except BaseException as error:  # reported below
            holding.set()
            errors.append(error)

    threads = [threading.Thread(target=lapse, args=(pledge_id, n == 0)) for n, pledge_id in enumerate(pledges)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    with app.app_context():
        assert drift() == []
    from marketplace.dashboards.models import CapitalCell, CorridorSums

    assert rows_of(app, CapitalCell) == [] and rows_of(app, CorridorSums) == []


def test_a_project_moved_to_another_region_takes_its_corridor_rows_along(app, make):
    from marketplace.dashboards.maintenance import drift
    from marketplace.dashboards.models import CorridorReach, CorridorSums
    from marketplace.projects.models import Project
    from marketplace.reference.models import Region
    from tests.factories import PledgeFactories

    cast = PledgeFactories(app, make)
    project = cast.project(target="100000", min_ticket="1")
    for _ in range(3):
        place(app, cast.investor("CA").id, project, 2_000)
    with app.app_context(), app.test_request_context():
        moved = db.session.get(Project, project)
        before = moved.region_id
        moved.region_id = db.session.scalar(select(Region.id).where(Region.country_id == moved.country_id,
                                                                    Region.id != before).limit(1))
        db.session.commit()  # the flush announces the move: no caller can forget it
        after = moved.region_id
        assert drift() == []
    assert {row[1] for row in rows_of(app, CorridorSums)} == {after}
    assert [row[4] for row in rows_of(app, CorridorReach)] == [3]  # three distinct investors, in the new region
