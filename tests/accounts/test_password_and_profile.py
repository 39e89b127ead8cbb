"""Password change ends other sessions; profile edits are validated and audited."""

from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.audit.models import AuditEvent
from marketplace.extensions import db
from tests.conftest import Browserless
from tests.factories import PASSWORD

NEW_PASSWORD = "a completely new passphrase 77"


def test_password_change_signs_out_other_sessions_but_keeps_this_one(app, make):
    user = make.investor()
    laptop, phone = Browserless(app.test_client()), Browserless(app.test_client())
    laptop.login(user.email, PASSWORD)
    phone.login(user.email, PASSWORD, remember="y")
    response = laptop.post_form("/account/password", {
        "current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert laptop.client.get("/account/profile").status_code == 200
    # The phone's session cookie and its remember-me cookie are both void now.
    assert phone.client.get("/account/profile").status_code == 302
    phone.client.delete_cookie("session")
    assert phone.client.get("/account/profile").status_code == 302
    assert laptop.logout().status_code == 302
    assert laptop.login(user.email, PASSWORD).status_code == 401
    assert laptop.login(user.email, NEW_PASSWORD).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account.password_changed"))


def test_password_change_refuses_wrong_current_password(app, browserless, make):
    user = make.investor()
    browserless.login(user.email, PASSWORD)
    with app.app_context():
        hash_before = db.session.get(User, user.id).password_hash
    response = browserless.post_form("/account/password", {
        "current_password": "not my password", "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 422
    assert "Your current password is not correct." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, user.id).password_hash == hash_before


def test_password_change_refuses_weak_new_password(browserless, make):
    user = make.investor()
    browserless.login(user.email, PASSWORD)
    response = browserless.post_form("/account/password", {
        "current_password": PASSWORD, "new_password": "qwerty", "confirm": "qwerty"})
    assert response.status_code == 422
    assert "Use at least 10 characters." in response.get_data(as_text=True)


def test_sign_out_other_devices(app, make):
    user = make.investor()
    first, second = Browserless(app.test_client()), Browserless(app.test_client())
    first.login(user.email, PASSWORD)
    second.login(user.email, PASSWORD)
    assert first.post_form("/account/sessions/revoke", {}, form_url="/account/profile").status_code == 302
    assert first.client.get("/account/profile").status_code == 200
    assert second.client.get("/account/profile").status_code == 302


def test_profile_update_is_saved_and_audited(app, browserless, make):
    user = make.investor()
    browserless.login(user.email, PASSWORD)
    with app.app_context():
        from marketplace.reference.models import Country, Region

        belgium = db.session.scalar(select(Country.id).where(Country.iso2 == "BE"))
        rif = db.session.scalar(select(Region.id).where(Region.iso_code == "MA-01"))
    response = browserless.post_form("/account/profile", {
        "display_name": "Yasmine E.", "locale": "fr", "residence_country_id": str(belgium),
        "residence_city": "Bruxelles", "origin_region_id": str(rif)})
    assert response.status_code == 302
    with app.app_context():
        saved = db.session.get(User, user.id)
        assert (saved.display_name, saved.locale, saved.residence_city) == ("Yasmine E.", "fr", "Bruxelles")
        entry = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account.profile_updated"))
        assert entry.before["residence_country_id"] is None
        assert entry.after["residence_country_id"] == belgium


def test_profile_refuses_unknown_choices_and_changes_nothing(app, browserless, make):
    user = make.investor()
    browserless.login(user.email, PASSWORD)
    response = browserless.post_form("/account/profile", {
        "display_name": "", "locale": "xx", "residence_country_id": "0", "origin_region_id": "999999"})
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(User, user.id).locale == "en"
