"""The organisation-scope permission check: members see, managers manage, strangers get 404."""

import pytest
from sqlalchemy import func, select

from marketplace.audit.models import AuditEvent
from marketplace.extensions import db
from marketplace.organisations.models import Membership
from tests.factories import PASSWORD


@pytest.fixture
def two_banks(make):
    bank_a, bank_b = make.organisation(name="Bank A"), make.organisation(name="Bank B")
    return {
        "bank_a": bank_a,
        "bank_b": bank_b,
        "manager_a": make.user(organisation=bank_a, role="manager"),
        "member_a": make.user(organisation=bank_a, role="member"),
        "manager_b": make.user(organisation=bank_b, role="manager"),
        "outsider": make.investor(),
    }


def members_of(app, organisation_id):
    with app.app_context():
        return db.session.scalar(select(func.count(Membership.id)).where(Membership.organisation_id == organisation_id))


def test_manager_cannot_see_another_banks_organisation(browserless, two_banks):
    browserless.login(two_banks["manager_a"].email, PASSWORD)
    assert browserless.client.get(f"/organisations/{two_banks['bank_b'].id}").status_code == 404
    assert browserless.client.get(f"/organisations/{two_banks['bank_a'].id}").status_code == 200


def test_manager_cannot_add_members_to_another_bank(app, browserless, two_banks, make):
    newcomer = make.user()
    browserless.login(two_banks["manager_a"].email, PASSWORD)
    before = members_of(app, two_banks["bank_b"].id)
    response = browserless.post_form(
        f"/organisations/{two_banks['bank_b'].id}/members", {"email": newcomer.email, "role": "manager"},
        form_url=f"/organisations/{two_banks['bank_a'].id}")
    assert response.status_code == 404
    assert members_of(app, two_banks["bank_b"].id) == before


def test_plain_member_sees_but_cannot_manage(app, browserless, two_banks, make):
    newcomer = make.user()
    browserless.login(two_banks["member_a"].email, PASSWORD)
    page = browserless.client.get(f"/organisations/{two_banks['bank_a'].id}").get_data(as_text=True)
    assert "Add a member" not in page
    response = browserless.post_form(
        f"/organisations/{two_banks['bank_a'].id}/members", {"email": newcomer.email, "role": "member"},
        form_url=f"/organisations/{two_banks['bank_a'].id}")
    assert response.status_code == 403
    assert members_of(app, two_banks["bank_a"].id) == 2


def test_investor_without_membership_gets_404(browserless, two_banks):
    browserless.login(two_banks["outsider"].email, PASSWORD)
    assert browserless.client.get(f"/organisations/{two_banks['bank_a'].id}").status_code == 404


def test_manager_adds_a_member_and_it_is_audited(app, browserless, two_banks, make):
    newcomer = make.user()
    url = f"/organisations/{two_banks['bank_a'].id}"
    browserless.login(two_banks["manager_a"].email, PASSWORD)
    response = browserless.post_form(f"{url}/members", {"email": newcomer.email, "role": "member"}, form_url=url)
    assert response.status_code == 302
    assert members_of(app, two_banks["bank_a"].id) == 3
    with app.app_context():
        entry = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "membership.added")
                                  .order_by(AuditEvent.seq.desc()))
        assert entry.after == {"user_id": newcomer.id, "organisation_id": two_banks["bank_a"].id, "role": "member"}
        assert entry.actor_id == two_banks["manager_a"].id


def test_adding_unknown_or_duplicate_member_shows_error_and_changes_nothing(app, browserless, two_banks):
    url = f"/organisations/{two_banks['bank_a'].id}"
    browserless.login(two_banks["manager_a"].email, PASSWORD)
    unknown = browserless.post_form(f"{url}/members", {"email": "ghost@example.org", "role": "member"}, form_url=url)
    assert unknown.status_code == 422
    assert "No account uses this e-mail address" in unknown.get_data(as_text=True)
    duplicate = browserless.post_form(
        f"{url}/members", {"email": two_banks["member_a"].email, "role": "member"}, form_url=url)
    assert duplicate.status_code == 422
    assert "already a member" in duplicate.get_data(as_text=True)
    assert members_of(app, two_banks["bank_a"].id) == 2


def test_last_manager_cannot_be_demoted_or_removed(app, browserless, two_banks):
    url = f"/organisations/{two_banks['bank_a'].id}"
    with app.app_context():
        manager_membership = db.session.scalar(select(Membership.id).where(
            Membership.user_id == two_banks["manager_a"].id))
    browserless.login(two_banks["manager_a"].email, PASSWORD)
    browserless.post_form(f"{url}/members/{manager_membership}/role", {"role": "member"}, form_url=url)
    browserless.post_form(f"{url}/members/{manager_membership}/remove", {}, form_url=url)
    with app.app_context():
        assert db.session.get(Membership, manager_membership).role == "manager"
    page = browserless.client.get(url).get_data(as_text=True)
    assert "An organisation needs at least one manager." in page


def test_manager_cannot_touch_a_membership_of_another_organisation_through_own_url(app, browserless, two_banks):
    with app.app_context():
        foreign = db.session.scalar(select(Membership.id).where(Membership.user_id == two_banks["manager_b"].id))
    url = f"/organisations/{two_banks['bank_a'].id}"
    browserless.login(two_banks["manager_a"].email, PASSWORD)
    response = browserless.post_form(f"{url}/members/{foreign}/remove", {}, form_url=url)
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(Membership, foreign) is not None


def test_roles_follow_from_memberships(app, make):
    from marketplace.accounts.models import User

    ministry, bank, operator = (make.organisation(type=t) for t in ("ministry", "bank", "platform_operator"))
    reviewer = make.user(organisation=ministry)
    officer = make.user(organisation=bank)
    admin = make.user(organisation=operator)
    investor = make.investor()
    with app.app_context():
        assert db.session.get(User, reviewer.id).roles == {"authority_reviewer"}
        assert db.session.get(User, officer.id).roles == {"partner_member"}
        assert db.session.get(User, admin.id).roles == {"admin"}
        assert db.session.get(User, investor.id).roles == {"investor"}
