"""Registration: an investor account is created, logged in and audited; bad input changes nothing."""

from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.audit.models import AuditEvent
from marketplace.extensions import db


def count_users(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(User.id)))


def valid_form(**overrides):
    return {
        "display_name": "Yasmine El Amrani",
        "email": "Yasmine@Example.org",
        "password": "olive press in berkane 2026",
        "confirm": "olive press in berkane 2026",
        "residence_country_id": "0",
        **overrides,
    }


def test_registration_creates_logged_in_investor_and_audits_it(app, browserless):
    response = browserless.post_form("/account/register", valid_form())
    assert response.status_code == 302
    assert response.location == "/account/profile"
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "yasmine@example.org"))
        assert user is not None and user.is_investor
        assert user.password_hash.startswith("$argon2id$")
        assert "olive" not in user.password_hash
        entry = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account.created"))
        assert entry.object_id == str(user.id)
        assert "password" not in (entry.after or {})
    profile = browserless.client.get("/account/profile")
    assert profile.status_code == 200
    assert "Yasmine El Amrani" in profile.get_data(as_text=True)


def test_registration_refuses_duplicate_email_and_keeps_typed_values(app, browserless, make):
    make.investor(email="taken@example.org")
    before = count_users(app)
    response = browserless.post_form("/account/register", valid_form(email="TAKEN@example.org"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "An account with this e-mail address already exists." in html
    assert 'value="Yasmine El Amrani"' in html
    assert "olive press in berkane" not in html
    assert count_users(app) == before


def test_registration_refuses_weak_password(app, browserless):
    before = count_users(app)
    response = browserless.post_form("/account/register", valid_form(password="password123", confirm="password123"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Use at least 10 characters." in html or "too easy to guess" in html
    assert count_users(app) == before


def test_registration_refuses_common_long_password(app, browserless):
    response = browserless.post_form("/account/register", valid_form(password="password1234", confirm="password1234"))
    assert response.status_code == 422
    assert "too easy to guess" in response.get_data(as_text=True)
    assert count_users(app) == 0


def test_registration_refuses_mismatched_confirmation_and_bad_email(app, browserless):
    response = browserless.post_form("/account/register", valid_form(email="not-an-email", confirm="something else"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The passwords differ." in html
    assert "Enter a valid e-mail address." in html or "Invalid email address." in html
    assert count_users(app) == 0


def test_registration_without_csrf_token_is_refused_and_changes_nothing(app, client):
    response = client.post("/account/register", data=valid_form())
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert count_users(app) == 0


def test_registration_with_forged_csrf_token_is_refused(app, client):
    client.get("/account/register")
    response = client.post("/account/register", data={**valid_form(), "csrf_token": "forged.token.value"})
    assert response.status_code == 400
    assert count_users(app) == 0
