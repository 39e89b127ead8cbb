"""ECSPR and Reg CF rules with their exact thresholds, each consent stored immutably."""

from datetime import UTC, datetime, timedelta

import pytest

from marketplace.errors import ConflictError, DomainError
from tests.pledges.conftest import books, pledge_as


def place(app, investor_id, project_id, amount_minor, *, now=None, **acks):
    from marketplace.accounts.models import User
    from marketplace.extensions import db
    from marketplace.pledges.services import PledgeRequest, place_pledge
    from marketplace.projects.models import Project

    with app.app_context(), app.test_request_context():
        project = db.session.get(Project, project_id)
        request = PledgeRequest(amount_minor=amount_minor, currency=project.currency, method="bank_transfer",
                                request_key=f"k{datetime.now().timestamp()}{amount_minor}", **acks)
        pledge = place_pledge(db.session.get(User, investor_id), project, request, now=now)
        db.session.commit()
        return pledge.id, pledge.revocable_until, pledge.status


def revoke_at(app, investor_id, pledge_id, now):
    from marketplace.accounts.models import User
    from marketplace.extensions import db
    from marketplace.pledges.models import Pledge
    from marketplace.pledges.services import revoke

    with app.app_context(), app.test_request_context():
        revoke(db.session.get(User, investor_id), db.session.get(Pledge, pledge_id), now=now)
        db.session.commit()


@pytest.mark.parametrize("offered_at", [datetime(2026, 3, 27, 12, 0, tzinfo=UTC),  # across the spring DST change
                                        datetime(2026, 10, 23, 12, 0, tzinfo=UTC)])  # and the autumn one
def test_revocation_is_free_until_96_hours_and_refused_after(app, pledging, offered_at):
    project_id = pledging.project(target="100000")
    investor = pledging.eu_investor()
    pledge_id, until, status = place(app, investor.id, project_id, 10_000, now=offered_at, reflection_notice_seen=True)
    assert status == "offered" and until == offered_at + timedelta(hours=96)
    with pytest.raises(ConflictError):
        revoke_at(app, investor.id, pledge_id, offered_at + timedelta(hours=96, minutes=1))
    revoke_at(app, investor.id, pledge_id, offered_at + timedelta(hours=95, minutes=59))
    assert books(app, project_id)["states"] == {"revoked": 1}


def test_no_pledge_without_a_current_knowledge_test_and_simulation(app, pledging):
    from marketplace.accounts.models import User
    from marketplace.extensions import db
    from marketplace.pledges import protection

    project_id = pledging.project()
    investor = pledging.investor("BE")
    with pytest.raises(DomainError, match="questionnaire"):
        place(app, investor.id, project_id, 10_000, reflection_notice_seen=True)
    with app.app_context(), app.test_request_context():
        user = db.session.get(User, investor.id)
        protection.record_knowledge_test(user, {str(i): q[2] for i, q in enumerate(protection.KNOWLEDGE_QUESTIONS)})
        db.session.commit()
    with pytest.raises(DomainError, match="questionnaire"):  # simulation still missing
        place(app, investor.id, project_id, 10_000, reflection_notice_seen=True)
    with app.app_context(), app.test_request_context():
        protection.record_loss_simulation(db.session.get(User, investor.id), income_minor=5_000_000,
                                          liquid_assets_minor=0, commitments_minor=0)
        db.session.commit()
    place(app, investor.id, project_id, 10_000, reflection_notice_seen=True)
    # A test older than two years no longer counts.
    with pytest.raises(DomainError, match="questionnaire"):
        place(app, investor.id, project_id, 10_000, reflection_notice_seen=True,
              now=datetime.now(UTC) + timedelta(days=731))


def test_a_failed_knowledge_test_requires_the_prescribed_risk_warning(app, pledging):
    project_id = pledging.project()
    investor = pledging.eu_investor(passed=False)
    with pytest.raises(DomainError, match="risk warning"):
        place(app, investor.id, project_id, 10_000, reflection_notice_seen=True)
    pledge_id, _until, _status = place(app, investor.id, project_id, 10_000, reflection_notice_seen=True,
                                       risk_warning_acknowledged=True)
    kinds = consent_kinds(app, pledge_id)
    assert "risk_warning" in kinds and "reflection_started" in kinds


def consent_kinds(app, pledge_id):
    from sqlalchemy import select

    from marketplace.extensions import db
    from marketplace.pledges.models import PledgeConsent

    with app.app_context():
        consents = db.session.scalars(select(PledgeConsent).where(PledgeConsent.pledge_id == pledge_id))
        return {c.kind: c for c in consents}


@pytest.mark.parametrize(("net_worth_minor", "threshold_minor"), [
    (1_000_000, 100_000),      # 5 % of €10,000 is €500: the €1,000 floor applies
    (2_000_000, 100_000),      # 5 % of €20,000 is exactly €1,000
    (10_000_000, 500_000),     # 5 % of €100,000 is €5,000
])
def test_the_high_amount_gate_sits_at_the_larger_of_1000_euros_and_5_percent(app, pledging, net_worth_minor,
                                                                              threshold_minor):
    project_id = pledging.project(target="1000000", min_ticket="1")
    investor = pledging.eu_investor(net_worth_minor=net_worth_minor)
    at_threshold, _u, _s = place(app, investor.id, project_id, threshold_minor, reflection_notice_seen=True)
    assert "high_amount_consent" not in consent_kinds(app, at_threshold)
    with pytest.raises(DomainError, match="explicit consent"):
        place(app, investor.id, project_id, threshold_minor + 1, reflection_notice_seen=True)
    with pytest.raises(DomainError, match="not yet clear"):
        place(app, investor.id, project_id, threshold_minor + 1, reflection_notice_seen=True, high_amount_consent=True,
              understanding_answer=0)
    above, _u, _s = place(app, investor.id, project_id, threshold_minor + 1, reflection_notice_seen=True,
                          high_amount_consent=True, understanding_answer=2)
    kinds = consent_kinds(app, above)
    assert {"high_amount_consent", "understanding_check", "reflection_notice"} <= set(kinds)
    assert kinds["high_amount_consent"].text_version == "ha-v1" and len(kinds["high_amount_consent"].text_sha256) == 64


def test_the_high_amount_gate_converts_other_currencies_at_the_reference_rate(app, pledging):
    project_id = pledging.project(target="1000000", min_ticket="1", currency="MAD")
    investor = pledging.eu_investor(net_worth_minor=1_000_000)  # threshold €1,000 = 10,800 MAD at 10.8
    place(app, investor.id, project_id, 1_080_000, reflection_notice_seen=True)
    with pytest.raises(DomainError, match="explicit consent"):
        place(app, investor.id, project_id, 1_080_001, reflection_notice_seen=True)


def test_consents_and_assessments_cannot_be_changed_or_deleted(app, pledging):
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError

    project_id = pledging.project()
    investor = pledging.eu_investor()
    place(app, investor.id, project_id, 10_000, reflection_notice_seen=True)
    from marketplace.extensions import db

    with app.app_context():
        for statement in ("UPDATE pledge_consents SET kind = 'revocation'", "DELETE FROM pledge_consents",
                          "UPDATE investor_assessments SET passed = true", "DELETE FROM investor_assessments"):
            with pytest.raises(DatabaseError):
                db.session.execute(text(statement))
            db.session.rollback()


REGCF_CASES = [
    # (income $, net worth $, accredited, 12-month limit $)
    (30_000, 50_000, False, 2_500), (50_000, 40_000, False, 2_500), (60_000, 60_000, False, 3_000),
    (100_000, 20_000, False, 5_000), (123_999, 10_000, False, 6_199.95), (200_000, 100_000, False, 10_000),
    (124_000, 124_000, False, 12_400), (150_000, 200_000, False, 20_000), (500_000, 300_000, False, 50_000),
    (2_000_000, 1_240_000, False, 124_000), (1_240_000, 5_000_000, False, 124_000), (0, 0, False, 2_500),
    (49_999, 49_999, False, 2_500), (50_001, 10_000, False, 2_500.05), (124_000, 100_000, False, 6_200),
    (90_000, 130_000, False, 6_500), (130_000, 130_000, False, 13_000), (1_000_000, 124_000, False, 100_000),
    (240_000, 1_000_000, False, 100_000),
]


@pytest.mark.parametrize(("income", "worth", "accredited", "limit"), REGCF_CASES)
def test_reg_cf_limits_follow_227_100(app, income, worth, accredited, limit):
    from decimal import Decimal

    from marketplace.pledges import protection
    from marketplace.pledges.models import ProtectionRule

    with app.app_context():
        from sqlalchemy import select

        from marketplace.extensions import db

        params = db.session.scalar(select(ProtectionRule).where(ProtectionRule.code == "us_regcf")).params
        assert not accredited  # accredited investors have no limit: see the US pledge test
        got = protection.regcf_limit(income * 100, worth * 100, params)
        assert got == int(Decimal(str(limit)) * 100)


def test_a_us_investor_cannot_exceed_the_12_month_limit_and_is_locked_48_hours_before_the_deadline(app, pledging):
    from marketplace.accounts.models import User
    from marketplace.extensions import db
    from marketplace.pledges import protection

    project_id = pledging.project(target="100000", currency="USD", min_ticket="100", ends_in_days=30)
    investor = pledging.investor("US")
    with app.app_context(), app.test_request_context():
        protection.record_regcf_financials(db.session.get(User, investor.id), income_minor=6_000_000,
                                           net_worth_minor=6_000_000, accredited=False)  # limit $3,000
        db.session.commit()
    _first, until, status = place(app, investor.id, project_id, 200_000)
    assert status == "offered"
    assert until.date() == (datetime.now(UTC) + timedelta(days=31) - timedelta(hours=48)).date()
    with pytest.raises(DomainError, match="12 months"):
        place(app, investor.id, project_id, 100_001)
    place(app, investor.id, project_id, 100_000)
    # Inside the final 48 hours a new pledge is committed at once: no cancellation right is left.
    late_project = pledging.project(target="100000", currency="USD", min_ticket="1", ends_in_days=0)
    with app.app_context(), app.test_request_context():
        protection.record_regcf_financials(db.session.get(User, investor.id), income_minor=6_000_000,
                                           net_worth_minor=6_000_000, accredited=True)
        db.session.commit()
    _id, _until, status = place(app, investor.id, late_project, 100)
    assert status == "committed"


def test_material_change_asks_for_reconfirmation_and_lapses_after_five_business_days(app, pledging):
    from marketplace.extensions import db
    from marketplace.pledges.models import Pledge
    from marketplace.pledges.services import ask_reconfirmation, lapse_due
    from marketplace.projects.models import Project

    project_id = pledging.project(target="100000")
    kept = pledging.investor("MA")
    dropped = pledging.investor("MA")
    keep_id = pledge_as(app, kept.id, project_id, 10_000)
    drop_id = pledge_as(app, dropped.id, project_id, 20_000)
    friday = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
    with app.app_context(), app.test_request_context():
        ask_reconfirmation(db.session.get(Project, project_id), now=friday)
        db.session.commit()
        deadline = db.session.get(Pledge, keep_id).reconfirm_by
        assert deadline == datetime(2026, 12, 11, 10, 0, tzinfo=UTC)  # five business days, weekend skipped
        from marketplace.accounts.models import User
        from marketplace.pledges.services import reconfirm

        reconfirm(db.session.get(User, kept.id), db.session.get(Pledge, keep_id), now=friday + timedelta(days=1))
        db.session.commit()
        assert lapse_due(now=deadline + timedelta(seconds=1)) == 1
        db.session.commit()
    assert books(app, project_id)["states"] == {"committed": 1, "lapsed": 1}
    assert books(app, project_id)["reserved"] == 10_000
    assert drop_id
