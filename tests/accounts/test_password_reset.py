"""Password reset: one answer for every address, a link that works once within the hour."""

import re

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.notifications.models import OutboxEmail
from tests.factories import PASSWORD

NEW_PASSWORD = "lanterns over the harbour 58"


def outbox(app):
    with app.app_context():
        return [(m.recipient, m.body_text) for m in db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id))]


def reset_link(app) -> str:
    body = outbox(app)[-1][1]
    return re.search(r"http://localhost(/account/password/reset/\S+)", body).group(1)


def test_reset_request_sends_a_link_and_the_link_sets_a_new_password(app, browserless, make):
    user = make.investor()
    response = browserless.post_form("/account/password/forgot", {"email": user.email})
    assert response.status_code == 302
    assert outbox(app)[-1][0] == user.email
    link = reset_link(app)
    assert browserless.client.get(link).status_code == 200
    done = browserless.post_form(link, {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert browserless.login(user.email, PASSWORD).status_code == 401
    assert browserless.login(user.email, NEW_PASSWORD).status_code == 302


def test_reset_link_works_only_once(app, browserless, make):
    user = make.investor()
    browserless.post_form("/account/password/forgot", {"email": user.email})
    link = reset_link(app)
    browserless.post_form(link, {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    again = browserless.client.get(link)
    assert again.status_code == 302
    assert again.location.endswith("/account/password/forgot")


def test_unknown_address_gets_the_same_answer_and_no_mail(app, browserless):
    response = browserless.post_form("/account/password/forgot", {"email": "ghost@example.org"})
    assert response.status_code == 302
    assert "If an account uses this address" in browserless.client.get("/account/login").get_data(as_text=True)
    assert outbox(app) == []


def test_expired_or_forged_token_is_refused(app, make):
    from marketplace.accounts.models import User
    from marketplace.accounts.reset import make_token, user_for_token

    user = make.investor()
    with app.app_context():
        token = make_token(db.session.get(User, user.id))
        assert user_for_token(token).id == user.id
        assert user_for_token(token, max_age=-1) is None
        assert user_for_token(token[:-3] + "abc") is None


def test_reset_refuses_a_weak_password(app, browserless, make):
    user = make.investor()
    browserless.post_form("/account/password/forgot", {"email": user.email})
    response = browserless.post_form(reset_link(app), {"new_password": "password", "confirm": "password"})
    assert response.status_code == 422
    assert browserless.login(user.email, PASSWORD).status_code == 302


def test_reset_ends_every_session(app, make):
    from tests.conftest import Browserless

    user = make.investor()
    logged_in = Browserless(app.test_client())
    logged_in.login(user.email, PASSWORD)
    other = Browserless(app.test_client())
    other.post_form("/account/password/forgot", {"email": user.email})
    other.post_form(reset_link(app), {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert logged_in.client.get("/account/profile").status_code == 302
