"""Edge cases an independent review found: each one once lost track of money or let a rule be bypassed."""

import contextlib
import threading
from datetime import date, timedelta

import pytest

from marketplace.errors import ConflictError, DomainError, ForbiddenError
from tests.pledges.conftest import books, pledge_as


def end_campaign(app, project_id, days_ago=1):
    from marketplace.extensions import db
    from marketplace.projects.models import Project

    with app.app_context():
        db.session.get(Project, project_id).campaign_ends_on = date.today() - timedelta(days=days_ago)
        db.session.commit()


def run_threads(*functions):
    errors = []

    def wrap(function):
        try:
            function()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=wrap, args=(f,)) for f in functions]
    [t.start() for t in threads]
    [t.join(30) for t in threads]
    return errors


def postgres_only(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("needs concurrent writers (PostgreSQL)")


def test_a_pledge_awaiting_reconfirmation_is_never_collected(app, pledging):
    from marketplace.extensions import db
    from marketplace.pledges.campaigns import close_due
    from marketplace.pledges.services import ask_reconfirmation
    from marketplace.projects.models import Project

    project_id = pledging.project(target="1000", min_ticket="100")
    pledge_as(app, pledging.investor("MA").id, project_id, 100_000)
    with app.app_context(), app.test_request_context():
        ask_reconfirmation(db.session.get(Project, project_id))
        db.session.commit()
    end_campaign(app, project_id)
    with app.app_context():
        report = close_due()
    assert report.waiting == [f"T{project_id:04d}"]
    assert books(app, project_id)["states"] == {"committed": 1}


def test_no_pledge_outside_the_campaign_dates(app, pledging):
    project_id = pledging.project(target="1000", min_ticket="100")
    end_campaign(app, project_id, days_ago=1)
    with pytest.raises(ConflictError, match="not running"):
        pledge_as(app, pledging.investor("MA").id, project_id, 10_000)
    assert books(app, project_id)["states"] == {}


def test_the_high_amount_gate_counts_the_investors_earlier_pledges_on_the_same_offer(app, pledging):
    project_id = pledging.project(target="100000", min_ticket="100")
    investor = pledging.eu_investor(net_worth_minor=1_000_000)  # threshold €1,000
    pledge_as(app, investor.id, project_id, 90_000, reflection_notice_seen=True)
    with pytest.raises(DomainError, match="explicit consent"):
        pledge_as(app, investor.id, project_id, 90_000, reflection_notice_seen=True)


def test_two_racing_pledges_cannot_both_fit_under_the_reg_cf_limit(app, pledging, monkeypatch):
    from marketplace.accounts.models import User
    from marketplace.extensions import db
    from marketplace.pledges import protection

    postgres_only(app)
    first = pledging.project(target="100000", currency="USD", min_ticket="100")
    second = pledging.project(target="100000", currency="USD", min_ticket="100")
    investor = pledging.investor("US")
    with app.app_context(), app.test_request_context():
        protection.record_regcf_financials(db.session.get(User, investor.id), income_minor=6_000_000,
                                           net_worth_minor=6_000_000, accredited=False)  # limit $3,000
        db.session.commit()
    errors = run_threads(lambda: pledge_as(app, investor.id, first, 200_000),
                         lambda: pledge_as(app, investor.id, second, 200_000))
    assert len(errors) == 1 and "12 months" in str(errors[0])
    assert books(app, first)["active"] + books(app, second)["active"] == 200_000


def programme_pool(app, pledging, make):
    """Two projects of one programme, a whole-programme pool funded by the country's authority."""
    from marketplace.accounts.models import User
    from marketplace.extensions import db
    from marketplace.organisations.models import Organisation
    from marketplace.pledges import matching
    from marketplace.programmes.models import Programme
    from marketplace.projects.models import Project
    from tests.factories import country_id

    ministry = make.organisation(type="ministry", country_id=country_id(app, "MA"))
    official = make.user(organisation=ministry)
    first = pledging.project(target="100000", min_ticket="100")
    second = pledging.project(target="100000", min_ticket="100")
    with app.app_context(), app.test_request_context():
        programme = Programme(code=f"P{first}", name_en="x", name_fr="x", name_ar="x")
        db.session.add(programme)
        db.session.flush()
        for project_id in (first, second):
            db.session.get(Project, project_id).programme_id = programme.id
        db.session.flush()
        matching.open_pool(db.session.get(User, official.id), organisation=db.session.get(Organisation, ministry.id),
                           project=db.session.get(Project, first), name="Contrepartie", ratio_percent=100,
                           cap_per_pledge_minor=10_000, cap_per_investor_minor=100_000, total_minor=1_000_000,
                           whole_programme=True)
        db.session.commit()
    return first, second


def test_a_pledge_and_a_revocation_on_two_projects_of_one_pool_do_not_deadlock(app, pledging, make):
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from marketplace.accounts.models import User
    from marketplace.extensions import db
    from marketplace.pledges.models import Pledge
    from marketplace.pledges.services import revoke

    postgres_only(app)
    first, second = programme_pool(app, pledging, make)
    investor = pledging.eu_investor()
    on_second = pledge_as(app, investor.id, second, 10_000, reflection_notice_seen=True)
    barrier = threading.Barrier(2)
    roles = {}

    locks_taken: dict[int, int] = {}

    def pause(conn, cursor, statement, *args):
        """Stop each side just before its second lock, when it already holds its first."""
        text = " ".join(statement.split())
        me = threading.get_ident()
        role = roles.get(me)
        second_lock = False
        if role == "pledge" and "FOR UPDATE" in text and ("match_pools" in text or "match_allocations" in text):
            locks_taken[me] = locks_taken.get(me, 0) + 1
            second_lock = locks_taken[me] == 2
        elif role == "revoke" and text.startswith("UPDATE match_allocations"):
            second_lock = True
        if second_lock:  # a broken barrier: the other side is (correctly) blocked behind our first lock
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(3)

    def place():
        roles[threading.get_ident()] = "pledge"
        pledge_as(app, investor.id, first, 10_000, reflection_notice_seen=True)

    def withdraw():
        roles[threading.get_ident()] = "revoke"
        with app.app_context(), app.test_request_context():
            revoke(db.session.get(User, investor.id), db.session.get(Pledge, on_second))
            db.session.commit()
            db.session.remove()

    event.listen(Engine, "before_cursor_execute", pause)
    try:
        errors = run_threads(place, withdraw)
    finally:
        event.remove(Engine, "before_cursor_execute", pause)
    assert not errors, errors
    assert books(app, first)["states"] == {"offered": 1} and books(app, second)["states"] == {"revoked": 1}


def collecting_transfer(app, pledging, amount_minor=100_000):
    from marketplace.pledges.campaigns import close_due

    project_id = pledging.project(target="1000", min_ticket="100")
    pledge_id = pledge_as(app, pledging.investor("MA").id, project_id, amount_minor)
    end_campaign(app, project_id)
    with app.app_context():
        close_due()
    return project_id, pledge_id


def receive(app, pledging, pledge_id, amount_minor):
    from marketplace.accounts.models import User
    from marketplace.extensions import db
    from marketplace.pledges.models import Pledge
    from marketplace.pledges.transfers import confirm_receipt

    with app.app_context(), app.test_request_context():
        confirm_receipt(db.session.get(User, pledging.banker.id), db.session.get(Pledge, pledge_id),
                        amount_minor=amount_minor, received_on=date.today())
        db.session.commit()
        db.session.remove()


def pledge_row(app, pledge_id):
    from marketplace.extensions import db
    from marketplace.pledges.models import Pledge

    with app.app_context():
        pledge = db.session.get(Pledge, pledge_id)
        return pledge.status, pledge.received_minor, pledge.refunded_minor


def test_two_receipts_recorded_at_once_both_count(app, pledging):
    postgres_only(app)
    _project_id, pledge_id = collecting_transfer(app, pledging)
    errors = run_threads(lambda: receive(app, pledging, pledge_id, 50_000),
                         lambda: receive(app, pledging, pledge_id, 50_000))
    assert not errors, errors
    assert pledge_row(app, pledge_id) == ("paid", 100_000, 0)


def test_an_overpaid_transfer_is_paid_and_the_excess_returned(app, pledging):
    _project_id, pledge_id = collecting_transfer(app, pledging)
    receive(app, pledging, pledge_id, 120_000)
    assert pledge_row(app, pledge_id) == ("paid", 120_000, 20_000)


def test_a_partial_transfer_is_returned_when_the_project_is_cancelled(app, pledging):
    from marketplace.accounts.models import User
    from marketplace.extensions import db
    from marketplace.projects.lifecycle import transition
    from marketplace.projects.models import Project

    project_id, pledge_id = collecting_transfer(app, pledging)
    receive(app, pledging, pledge_id, 40_000)
    with app.app_context(), app.test_request_context():
        transition(db.session.get(Project, project_id), "cancel", actor=db.session.get(User, pledging.owner.id),
                   note="Projet abandonné")
        db.session.commit()
    assert pledge_row(app, pledge_id) == ("released", 40_000, 40_000)
    assert books(app, project_id)["reserved"] == 0


def test_an_underpaid_transfer_fails_after_the_window_and_is_returned(app, pledging):
    from datetime import UTC, datetime

    from marketplace.pledges.campaigns import close_due

    _project_id, pledge_id = collecting_transfer(app, pledging)
    receive(app, pledging, pledge_id, 40_000)
    with app.app_context():
        close_due(now=datetime.now(UTC) + timedelta(days=8))
    assert pledge_row(app, pledge_id) == ("payment_failed", 40_000, 40_000)


def test_only_the_bank_the_programme_owner_or_an_authority_fund_a_pool(app, pledging, make):
    from marketplace.accounts.models import User
    from marketplace.extensions import db
    from marketplace.organisations.models import Organisation
    from marketplace.pledges.matching import open_pool
    from marketplace.projects.models import Project

    project_id = pledging.project()
    stranger_ngo = make.organisation(type="ngo")
    stranger = make.user(organisation=stranger_ngo)
    values = {"name": "x", "ratio_percent": 1000, "cap_per_pledge_minor": 1, "cap_per_investor_minor": 1,
              "total_minor": 1}
    with app.app_context(), app.test_request_context():
        project = db.session.get(Project, project_id)
        with pytest.raises(ForbiddenError, match="own organisation"):
            open_pool(db.session.get(User, pledging.owner.id),
                      organisation=db.session.get(Organisation, pledging.owner_org.id), project=project, **values)
        with pytest.raises(ForbiddenError, match="partner bank"):
            open_pool(db.session.get(User, stranger.id), organisation=db.session.get(Organisation, stranger_ngo.id),
                      project=project, **values)
        with pytest.raises(ForbiddenError, match="whole programme"):
            open_pool(db.session.get(User, pledging.banker.id),
                      organisation=db.session.get(Organisation, pledging.bank.id), project=project,
                      whole_programme=True, **values)


def test_currency_and_instrument_are_frozen_once_pledged_and_suspended_edits_go_back_to_review(app, pledging):
    from marketplace.accounts.models import User
    from marketplace.extensions import db
    from marketplace.pledges.models import Pledge
    from marketplace.projects.models import Project
    from marketplace.projects.services import update_listing
    from tests.factories import listing_input

    project_id = pledging.project(target="1000", min_ticket="100")
    pledge_id = pledge_as(app, pledging.investor("MA").id, project_id, 80_000)
    with app.app_context(), app.test_request_context():
        project = db.session.get(Project, project_id)
        owner = db.session.get(User, pledging.owner.id)
        base = {"min_ticket": "100", "partner_bank_id": pledging.bank.id,
                "campaign_starts_on": project.campaign_starts_on, "campaign_ends_on": project.campaign_ends_on}
        with pytest.raises(DomainError, match="currency and instrument"):
            update_listing(project, actor=owner, data=listing_input(app, target="1000", currency="XOF", **base))
        db.session.rollback()
        project = db.session.get(Project, project_id)
        project.status = "suspended"
        db.session.commit()
        outcome = update_listing(project, actor=owner, data=listing_input(app, target="2000", currency="EUR", **base))
        db.session.commit()
        assert outcome == "back_to_review"
        assert db.session.get(Project, project_id).status == "in_review"
        assert db.session.get(Pledge, pledge_id).reconfirm_by is not None


def test_an_investor_with_no_income_can_complete_the_simulation(app, browserless, pledging):
    investor = pledging.investor("BE")
    browserless.login(investor.email, investor.password)
    response = browserless.post_form("/investor/questionnaire", {
        "part": "simulation", "annual_income": "0", "liquid_assets": "12000", "commitments": "0"})
    assert response.status_code == 302
    assert "net worth €12,000" in browserless.client.get("/investor/questionnaire").get_data(as_text=True)
