"""Log-in, log-out, wrong passwords, rate limits, remember-me and the safe `next=`."""

import pytest

from tests.factories import PASSWORD


def test_login_with_correct_password_opens_session(browserless, make):
    user = make.investor()
    response = browserless.login(user.email, PASSWORD)
    assert response.status_code == 302
    assert browserless.client.get("/account/profile").status_code == 200


def test_login_with_wrong_password_is_refused_with_generic_message(browserless, make):
    user = make.investor()
    response = browserless.login(user.email, "wrong password entirely")
    html = response.get_data(as_text=True)
    assert response.status_code == 401
    assert "The e-mail address or password is not correct." in html
    assert f'value="{user.email}"' in html
    assert "wrong password entirely" not in html
    assert browserless.client.get("/account/profile").status_code == 302


def test_login_with_unknown_email_gets_the_same_message(browserless):
    response = browserless.login("nobody@example.org", "whatever it is 123")
    assert response.status_code == 401
    assert "The e-mail address or password is not correct." in response.get_data(as_text=True)


def test_suspended_account_cannot_log_in(app, browserless, make):
    from marketplace.accounts.models import User
    from marketplace.extensions import db

    user = make.investor()
    with app.app_context():
        db.session.get(User, user.id).is_active_account = False
        db.session.commit()
    assert browserless.login(user.email, PASSWORD).status_code == 401


def test_logout_ends_the_session(browserless, make):
    user = make.investor()
    browserless.login(user.email, PASSWORD)
    assert browserless.logout().status_code == 302
    assert browserless.client.get("/account/profile").status_code == 302


def test_logout_by_get_is_not_possible(browserless, make):
    user = make.investor()
    browserless.login(user.email, PASSWORD)
    assert browserless.client.get("/account/logout").status_code == 405
    assert browserless.client.get("/account/profile").status_code == 200


@pytest.mark.parametrize(
    "app_overrides", [{"LOGIN_LIMIT_PER_ADDRESS": "3 per minute", "LOGIN_LIMIT_PER_ACCOUNT": "100 per hour"}]
)
def test_login_attempts_are_limited_per_address(browserless, make):
    user = make.investor()
    statuses = [browserless.login(f"probe{i}@example.org", "bad password 000").status_code for i in range(3)]
    assert statuses == [401, 401, 401]
    blocked = browserless.login(user.email, PASSWORD)
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.get_data(as_text=True)
    assert blocked.headers.get("Retry-After")
    assert browserless.client.get("/account/profile").status_code == 302


@pytest.mark.parametrize(
    "app_overrides", [{"LOGIN_LIMIT_PER_ADDRESS": "100 per minute", "LOGIN_LIMIT_PER_ACCOUNT": "3 per hour"}]
)
def test_failed_logins_are_limited_per_account_across_addresses(app, make):
    from tests.conftest import Browserless

    user = make.investor()
    other = make.investor()
    for i in range(3):
        client = Browserless(app.test_client())
        client.client.environ_base["REMOTE_ADDR"] = f"203.0.113.{i + 1}"
        assert client.login(user.email, "not the password 1").status_code == 401
    fresh = Browserless(app.test_client())
    fresh.client.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert fresh.login(user.email, PASSWORD).status_code == 429
    assert fresh.login(other.email, PASSWORD).status_code == 302


@pytest.mark.parametrize(
    "app_overrides", [{"LOGIN_LIMIT_PER_ADDRESS": "100 per minute", "LOGIN_LIMIT_PER_ACCOUNT": "3 per hour"}]
)
def test_successful_logins_do_not_count_against_the_account(browserless, make):
    user = make.investor()
    for _ in range(5):
        assert browserless.login(user.email, PASSWORD).status_code == 302
        browserless.logout()


OPEN_REDIRECT_PAYLOADS = [
    "//evil.com", "///evil.com", "////evil.com", "/\\evil.com", "\\\\evil.com", "https:evil.com",
    "http://evil.com", "https://evil.com/account", "javascript:alert(1)", "data:text/html,<script>x</script>",
    "/%2F%2Fevil.com", "%2F%2Fevil.com", "\t//evil.com", "\n//evil.com", "/%09/evil.com", "@evil.com",
    "https://app.example.org.evil.com", "/%5cevil.com", " //evil.com", "evil.com", "//evil.com/%2F..",
    "/\t/evil.com", "https:/evil.com", "ftp://evil.com", "//%65vil.com",
]


@pytest.mark.parametrize("target", OPEN_REDIRECT_PAYLOADS)
def test_login_never_redirects_off_site(browserless, make, target):
    user = make.investor()
    response = browserless.login(user.email, PASSWORD, next=target)
    assert response.status_code == 302
    assert response.location == "/projects/"  # the investor landing page


def test_login_keeps_a_local_next_path(browserless, make):
    user = make.investor()
    response = browserless.login(user.email, PASSWORD, next="/account/password?tab=1")
    assert response.location == "/account/password?tab=1"


def test_protected_page_sends_to_login_with_next(client):
    response = client.get("/account/profile")
    assert response.status_code == 302
    assert response.location.startswith("/account/login?next=")


def test_remember_me_cookie_is_http_only_lax_and_short_lived(browserless, make):
    user = make.investor()
    response = browserless.login(user.email, PASSWORD, remember="y")
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Max-Age=1209600" in cookie or "Expires=" in cookie


def test_remember_me_is_refused_to_authority_reviewers(browserless, make):
    ministry = make.organisation(type="ministry")
    reviewer = make.user(organisation=ministry)
    response = browserless.login(reviewer.email, PASSWORD, remember="y")
    assert response.status_code == 302
    assert not any(h.startswith("remember_token=") for h in response.headers.getlist("Set-Cookie"))
