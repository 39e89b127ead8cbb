"""Matchfunding: decided with the pledge, within every cap, exhausted exactly, given back on revocation."""

import threading

import pytest

from tests.pledges.conftest import books, pledge_as


def open_pool(app, pledging, project_id, **amounts):
    from marketplace.accounts.models import User
    from marketplace.extensions import db
    from marketplace.organisations.models import Organisation
    from marketplace.pledges.matching import open_pool as open_
    from marketplace.projects.models import Project

    values = {"ratio_percent": 100, "cap_per_pledge_minor": 50_000, "cap_per_investor_minor": 80_000,
              "total_minor": 100_000, **amounts}
    with app.app_context():
        pool = open_(db.session.get(User, pledging.banker.id), organisation=db.session.get(Organisation,
                     pledging.bank.id), project=db.session.get(Project, project_id), name="Fonds de contrepartie",
                     **values)
        db.session.commit()
        return pool.id


def pool_state(app, pool_id):
    from sqlalchemy import func, select

    from marketplace.extensions import db
    from marketplace.pledges.models import ACTIVE_STATUSES, MatchPool, Pledge

    with app.app_context():
        pool = db.session.get(MatchPool, pool_id)
        matched = db.session.scalar(select(func.coalesce(func.sum(Pledge.matched_minor), 0)).where(
            Pledge.match_pool_id == pool_id, Pledge.status.in_(ACTIVE_STATUSES)))
        return pool.used_minor, matched


def matched_of(app, pledge_id):
    from marketplace.extensions import db
    from marketplace.pledges.models import Pledge

    with app.app_context():
        return db.session.get(Pledge, pledge_id).matched_minor


def test_each_cap_limits_the_match(app, pledging):
    project_id = pledging.project(target="100000", min_ticket="1")
    pool_id = open_pool(app, pledging, project_id, ratio_percent=50)
    alice, bob = pledging.investor("MA"), pledging.investor("MA")
    assert matched_of(app, pledge_as(app, alice.id, project_id, 40_000)) == 20_000  # ratio: half
    assert matched_of(app, pledge_as(app, alice.id, project_id, 200_000)) == 50_000  # capped per pledge
    assert matched_of(app, pledge_as(app, alice.id, project_id, 100_000)) == 10_000  # per investor: 80,000 in all
    assert matched_of(app, pledge_as(app, alice.id, project_id, 100_000)) == 0
    assert matched_of(app, pledge_as(app, bob.id, project_id, 100_000)) == 20_000  # what is left of the pool
    assert pool_state(app, pool_id) == (100_000, 100_000)
    assert matched_of(app, pledge_as(app, bob.id, project_id, 10_000)) == 0


def test_a_revoked_pledge_gives_its_match_back(app, pledging):
    from marketplace.accounts.models import User
    from marketplace.extensions import db
    from marketplace.pledges.models import Pledge
    from marketplace.pledges.services import revoke

    project_id = pledging.project(target="100000", min_ticket="1")
    pool_id = open_pool(app, pledging, project_id)
    investor = pledging.eu_investor()
    pledge_id = pledge_as(app, investor.id, project_id, 30_000, reflection_notice_seen=True)
    assert pool_state(app, pool_id) == (30_000, 30_000)
    with app.app_context(), app.test_request_context():
        revoke(db.session.get(User, investor.id), db.session.get(Pledge, pledge_id))
        db.session.commit()
    assert pool_state(app, pool_id) == (0, 0)
    # The investor's own allowance is back as well.
    assert matched_of(app, pledge_as(app, investor.id, project_id, 80_000, reflection_notice_seen=True)) == 50_000


def test_racing_pledges_exhaust_the_pool_exactly(app, pledging):
    postgres = app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    racers = 60 if postgres else 25
    project_id = pledging.project(target="1000000", min_ticket="1")
    pool_id = open_pool(app, pledging, project_id, total_minor=70_000, cap_per_pledge_minor=3_000)
    investors = [pledging.investor("MA").id for _ in range(racers)]
    barrier = threading.Barrier(racers)
    errors = []

    def one(investor_id):
        barrier.wait()
        try:
            pledge_as(app, investor_id, project_id, 5_000)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=one, args=(i,)) for i in investors]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert not errors, errors[:3]
    used, matched = pool_state(app, pool_id)
    expected = min(70_000, racers * 3_000)
    assert used == matched == expected
    assert books(app, project_id)["reserved"] == racers * 5_000


def test_only_members_of_a_partner_or_authority_open_a_pool(app, pledging, make):
    from marketplace.accounts.models import User
    from marketplace.errors import ForbiddenError
    from marketplace.extensions import db
    from marketplace.organisations.models import Organisation
    from marketplace.pledges.matching import open_pool as open_
    from marketplace.projects.models import Project

    project_id = pledging.project()
    outsider = make.user()
    with app.app_context(), app.test_request_context(), pytest.raises(ForbiddenError):
        open_(db.session.get(User, outsider.id), organisation=db.session.get(Organisation, pledging.bank.id),
              project=db.session.get(Project, project_id), name="x", ratio_percent=100, cap_per_pledge_minor=1,
              cap_per_investor_minor=1, total_minor=1)


def test_a_programme_pool_matches_pledges_on_each_project_of_the_programme(app, pledging, browserless, make):
    from sqlalchemy import select

    from marketplace.extensions import db
    from marketplace.programmes.models import Programme
    from marketplace.projects.models import Project

    with app.app_context():
        programme = Programme(code="3X1T", name_en="3x1 test", name_fr="3x1 test", name_ar="3x1")
        db.session.add(programme)
        db.session.commit()
        programme_id = programme.id
    first = pledging.project(target="100000", min_ticket="1")
    second = pledging.project(target="100000", min_ticket="1")
    outside = pledging.project(target="100000", min_ticket="1")
    with app.app_context():
        for project_id in (first, second):
            db.session.get(Project, project_id).programme_id = programme_id
        db.session.commit()
    from tests.factories import country_id

    ministry = make.organisation(type="ministry", country_id=country_id(app, "MA"))
    official = make.user(organisation=ministry)
    browserless.login(official.email, official.password)
    response = browserless.post_form(f"/projects/{first}/match-pools/new", {
        "organisation_id": ministry.id, "name": "Contrepartie régionale", "ratio_percent": "100",
        "cap_per_pledge": "100", "cap_per_investor": "1000", "total": "5000", "whole_programme": "y"})
    assert response.status_code == 302
    investor = pledging.investor("MA")
    assert matched_of(app, pledge_as(app, investor.id, second, 20_000)) == 10_000
    assert matched_of(app, pledge_as(app, investor.id, outside, 20_000)) == 0
    page = browserless.client.get(f"/projects/{second}").get_data(as_text=True)
    assert "for the whole programme" in page and "matched so far" in page
    with app.app_context():
        from marketplace.pledges.models import MatchPool

        pool = db.session.scalar(select(MatchPool))
        assert pool.project_id is None and pool.programme_id == programme_id
