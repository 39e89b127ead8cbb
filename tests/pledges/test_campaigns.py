"""Closing campaigns: funded or failed by the rule, nothing charged early, transfers confirmed by the bank."""

import threading
from datetime import UTC, date, datetime, timedelta

import pytest

from marketplace.errors import DomainError, ForbiddenError
from tests.pledges.conftest import books, pledge_as


def close(app, *, now=None):
    from marketplace.pledges.campaigns import close_due

    with app.app_context():
        return close_due(now=now)


def end_campaign(app, project_id, days_ago=1):
    from marketplace.extensions import db
    from marketplace.projects.models import Project

    with app.app_context():
        db.session.get(Project, project_id).campaign_ends_on = date.today() - timedelta(days=days_ago)
        db.session.commit()


def test_an_all_or_nothing_campaign_that_reached_its_target_is_funded_and_collects(app, pledging, runner):
    project_id = pledging.project(target="1000", min_ticket="100")
    a, b = pledging.investor("MA"), pledging.investor("MA")
    pledge_as(app, a.id, project_id, 60_000)
    pledge_as(app, b.id, project_id, 40_000)
    end_campaign(app, project_id)
    result = runner.invoke(args=["campaigns", "close-due"])
    assert result.exit_code == 0, result.output
    assert "Funded: T" in result.output
    state = books(app, project_id)
    assert state["status"] == "funded" and state["states"] == {"collecting": 2}
    again = runner.invoke(args=["campaigns", "close-due"])
    assert "Funded: -" in again.output
    assert books(app, project_id) == state
    with app.app_context():
        from sqlalchemy import select

        from marketplace.extensions import db
        from marketplace.notifications.models import OutboxEmail

        bodies = [e.body_text for e in db.session.scalars(select(OutboxEmail))]
    assert sum("transfer the amount of pledge PSL-" in body for body in bodies) == 2
    assert any("reached its goal" in body for body in bodies)  # the owner is told too


def test_a_failed_campaign_releases_every_pledge_and_charges_nobody(app, pledging):
    project_id = pledging.project(target="1000", min_ticket="100")
    pledge_as(app, pledging.investor("MA").id, project_id, 60_000)
    end_campaign(app, project_id)
    report = close(app)
    assert report.failed == [f"T{project_id:04d}"] and report.charges == []
    state = books(app, project_id)
    assert state["status"] == "failed" and state["states"] == {"released": 1} and state["reserved"] == 0


def test_a_flexible_campaign_is_funded_below_its_target(app, pledging):
    project_id = pledging.project(target="1000", min_ticket="100", funding_rule="flexible")
    pledge_as(app, pledging.investor("MA").id, project_id, 10_000)
    end_campaign(app, project_id)
    assert close(app).funded == [f"T{project_id:04d}"]


def test_a_campaign_waits_for_open_revocation_periods_and_never_counts_revocable_offers(app, pledging):
    project_id = pledging.project(target="1000", min_ticket="100")
    investor = pledging.eu_investor()
    pledge_as(app, investor.id, project_id, 100_000, reflection_notice_seen=True)
    end_campaign(app, project_id)
    report = close(app)
    assert report.waiting == [f"T{project_id:04d}"]
    assert books(app, project_id)["states"] == {"offered": 1}
    later = datetime.now(UTC) + timedelta(hours=97)
    report = close(app, now=later)
    assert report.committed == 1 and report.funded == [f"T{project_id:04d}"]
    assert books(app, project_id)["states"] == {"collecting": 1}


def test_two_closers_at_once_decide_once(app, pledging):
    project_id = pledging.project(target="1000", min_ticket="100")
    pledge_as(app, pledging.investor("MA").id, project_id, 100_000)
    end_campaign(app, project_id)
    barrier = threading.Barrier(2)
    reports, errors = [], []

    def run():
        barrier.wait()
        try:
            reports.append(close(app))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert not errors, errors
    assert sum(len(r.funded) for r in reports) == 1
    assert books(app, project_id)["states"] == {"collecting": 1}


def collecting_transfer(app, pledging, amount_minor=100_000):
    project_id = pledging.project(target="1000", min_ticket="100")
    investor = pledging.investor("MA")
    pledge_id = pledge_as(app, investor.id, project_id, amount_minor)
    end_campaign(app, project_id)
    close(app)
    return project_id, pledge_id, investor


def test_the_partner_bank_confirms_a_transfer_from_its_queue(app, pledging, browserless):
    project_id, pledge_id, _investor = collecting_transfer(app, pledging)
    browserless.login(pledging.banker.email, pledging.banker.password)
    queue = browserless.client.get("/bank/transfers").get_data(as_text=True)
    assert "PSL-" in queue and "1,000" in queue
    response = browserless.post_form(f"/bank/transfers/{pledge_id}",
                                     {"amount": "1000", "received_on": date.today().isoformat()},
                                     form_url="/bank/transfers")
    assert response.status_code == 302
    state = books(app, project_id)
    assert state["states"] == {"paid": 1} and state["reserved"] == 100_000
    assert "No transfer is awaited" in browserless.client.get("/bank/transfers").get_data(as_text=True)


def test_a_mismatching_transfer_is_flagged_not_accepted(app, pledging):
    from marketplace.accounts.models import User
    from marketplace.extensions import db
    from marketplace.pledges.models import Pledge
    from marketplace.pledges.transfers import confirm_receipt

    _project_id, pledge_id, _investor = collecting_transfer(app, pledging)
    with app.app_context(), app.test_request_context():
        banker = db.session.get(User, pledging.banker.id)
        confirm_receipt(banker, db.session.get(Pledge, pledge_id), amount_minor=90_000, received_on=date.today())
        db.session.commit()
        pledge = db.session.get(Pledge, pledge_id)
        assert pledge.status == "collecting" and pledge.transfer_mismatch and pledge.received_minor == 90_000
        confirm_receipt(banker, pledge, amount_minor=10_000, received_on=date.today())
        db.session.commit()
        pledge = db.session.get(Pledge, pledge_id)
        assert pledge.status == "paid" and not pledge.transfer_mismatch and len(pledge.receipts) == 2


def test_only_the_partner_bank_confirms_and_dates_are_checked(app, pledging, make):
    from marketplace.accounts.models import User
    from marketplace.extensions import db
    from marketplace.pledges.models import Pledge
    from marketplace.pledges.transfers import confirm_receipt

    _project_id, pledge_id, investor = collecting_transfer(app, pledging)
    other_bank = make.organisation(type="bank")
    other_banker = make.user(organisation=other_bank)
    with app.app_context(), app.test_request_context():
        pledge = db.session.get(Pledge, pledge_id)
        for user_id in (other_banker.id, investor.id, pledging.owner.id):
            with pytest.raises(ForbiddenError):
                confirm_receipt(db.session.get(User, user_id), pledge, amount_minor=100_000, received_on=date.today())
        with pytest.raises(DomainError, match="future"):
            confirm_receipt(db.session.get(User, pledging.banker.id), pledge, amount_minor=100_000,
                            received_on=date.today() + timedelta(days=1))
        db.session.rollback()
        assert db.session.get(Pledge, pledge_id).receipts == []


def test_unpaid_transfers_fail_after_the_payment_window(app, pledging):
    project_id, _pledge_id, _investor = collecting_transfer(app, pledging)
    report = close(app, now=datetime.now(UTC) + timedelta(days=8))
    assert report.payments_expired == 1
    assert books(app, project_id)["states"] == {"payment_failed": 1}
    assert books(app, project_id)["reserved"] == 0


def test_cancelling_a_funded_project_refunds_transfers_already_paid(app, pledging):
    from marketplace.accounts.models import User
    from marketplace.extensions import db
    from marketplace.pledges.models import Pledge
    from marketplace.pledges.transfers import confirm_receipt
    from marketplace.projects.lifecycle import transition
    from marketplace.projects.models import Project

    project_id, pledge_id, _investor = collecting_transfer(app, pledging)
    with app.app_context(), app.test_request_context():
        confirm_receipt(db.session.get(User, pledging.banker.id), db.session.get(Pledge, pledge_id),
                        amount_minor=100_000, received_on=date.today())
        db.session.commit()
        transition(db.session.get(Project, project_id), "cancel", actor=db.session.get(User, pledging.owner.id),
                   note="Terrain perdu")
        db.session.commit()
        pledge = db.session.get(Pledge, pledge_id)
        assert pledge.status == "refunded" and pledge.refunded_minor == 100_000
    assert books(app, project_id)["reserved"] == 0


def test_early_close_needs_21_days_open_notice_and_the_target(app, pledging):
    from marketplace.accounts.models import User
    from marketplace.extensions import db
    from marketplace.pledges.campaigns import schedule_early_close
    from marketplace.projects.models import Project

    project_id = pledging.project(target="1000", min_ticket="100", ends_in_days=40)
    pledge_as(app, pledging.investor("MA").id, project_id, 100_000)
    monday = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    with app.app_context(), app.test_request_context():
        project = db.session.get(Project, project_id)
        owner = db.session.get(User, pledging.owner.id)
        project.published_at = monday - timedelta(days=20)
        with pytest.raises(DomainError, match="21 days"):
            schedule_early_close(project, date(2026, 12, 20), actor=owner, now=monday)
        project.published_at = monday - timedelta(days=21)
        with pytest.raises(DomainError, match="2026-12-14"):
            schedule_early_close(project, date(2026, 12, 11), actor=owner, now=monday)
        project.campaign_ends_on = date(2027, 1, 15)
        schedule_early_close(project, date(2026, 12, 14), actor=owner, now=monday)
        db.session.commit()
        assert db.session.get(Project, project_id).campaign_ends_on == date(2026, 12, 14)


def test_the_owner_sets_an_oversubscription_cap_on_flexible_campaigns_only(app, pledging):
    from marketplace.accounts.models import User
    from marketplace.extensions import db
    from marketplace.projects.models import Project
    from marketplace.projects.services import update_listing
    from tests.factories import listing_input

    project_id = pledging.project(target="1000", min_ticket="100", funding_rule="flexible", status="draft")
    with app.app_context(), app.test_request_context():
        owner = db.session.get(User, pledging.owner.id)
        project = db.session.get(Project, project_id)
        base = {"target": "1000", "min_ticket": "100", "currency": "EUR", "partner_bank_id": pledging.bank.id,
                "campaign_starts_on": project.campaign_starts_on, "campaign_ends_on": project.campaign_ends_on}
        with pytest.raises(DomainError, match="Only a flexible campaign"):
            update_listing(project, actor=owner, data=listing_input(app, **base, funding_rule="all_or_nothing",
                                                                    oversubscription_cap="1500"))
        with pytest.raises(DomainError, match="at least the funding target"):
            update_listing(project, actor=owner, data=listing_input(app, **base, funding_rule="flexible",
                                                                    oversubscription_cap="900"))
        update_listing(project, actor=owner, data=listing_input(app, **base, funding_rule="flexible",
                                                                oversubscription_cap="1500"))
        db.session.commit()
        assert db.session.get(Project, project_id).capacity_minor == 150_000


def test_a_target_cannot_drop_below_what_is_already_pledged(app, pledging):
    from marketplace.accounts.models import User
    from marketplace.extensions import db
    from marketplace.projects.models import Project
    from marketplace.projects.services import update_listing
    from tests.factories import listing_input

    project_id = pledging.project(target="1000", min_ticket="100")
    pledge_as(app, pledging.investor("MA").id, project_id, 80_000)
    with app.app_context(), app.test_request_context():
        project = db.session.get(Project, project_id)
        data = listing_input(app, target="700", min_ticket="100", currency="EUR", partner_bank_id=pledging.bank.id,
                             campaign_starts_on=project.campaign_starts_on, campaign_ends_on=project.campaign_ends_on)
        with pytest.raises(DomainError, match="already pledged"):
            update_listing(project, actor=db.session.get(User, pledging.owner.id), data=data)
        db.session.rollback()
    assert books(app, project_id)["reserved"] == 80_000
