"""Home page, locale switcher, error pages, security headers and production settings."""

import pytest

from config import DEV_SECRET_KEY, ProductionConfig
from marketplace import create_app
from tests.factories import PASSWORD


def test_home_page_shows_live_figures(client, make):
    make.investor()
    make.investor()
    make.organisation(type="bank")
    make.organisation(type="ministry")
    html = client.get("/").get_data(as_text=True)
    assert "Invest where you come from" in html
    assert '<dd>2</dd>' in html  # two investors
    assert '<dd>12</dd>' in html  # Morocco's twelve regions


def test_locale_switcher_remembers_choice_and_sets_rtl(browserless):
    response = browserless.post_form("/locale", {"locale": "ar", "next": "/how-it-works"}, form_url="/")
    assert response.status_code == 302
    assert response.location == "/how-it-works"
    html = browserless.client.get("/how-it-works").get_data(as_text=True)
    assert 'lang="ar" dir="rtl"' in html
    assert "كيف تعمل" in html


def test_locale_switcher_refuses_off_site_next(browserless):
    response = browserless.post_form("/locale", {"locale": "fr", "next": "//evil.com"}, form_url="/")
    assert response.location == "/"


def test_french_page_is_translated(browserless):
    browserless.post_form("/locale", {"locale": "fr"}, form_url="/")
    html = browserless.client.get("/account/login").get_data(as_text=True)
    assert 'lang="fr" dir="ltr"' in html
    assert "Se connecter" in html
    assert "Adresse e-mail" in html


def test_logged_in_choice_is_saved_on_the_account(app, browserless, make):
    from marketplace.accounts.models import User
    from marketplace.extensions import db

    user = make.investor()
    browserless.login(user.email, PASSWORD)
    browserless.post_form("/locale", {"locale": "fr"}, form_url="/")
    with app.app_context():
        assert db.session.get(User, user.id).locale == "fr"


def test_error_pages_use_the_site_design(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Page not found" in html and "site-header" in html


def test_api_errors_are_json(client):
    missing = client.get("/api/v1/no-such-thing")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["status"] == 404
    bad = client.get("/api/v1/regions?country=Morocco")
    assert bad.status_code == 400
    assert "ISO 3166-1" in bad.get_json()["error"]["message"]


def test_api_lists_regions_with_three_languages(client):
    items = client.get("/api/v1/regions?country=MA").get_json()["items"]
    assert [r["code"] for r in items] == [f"MA-{n:02d}" for n in range(1, 13)]
    oriental = items[1]
    assert oriental["names"] == {"en": "Oriental (the East)", "fr": "L'Oriental", "ar": "الشرق"}


def test_unexpected_errors_render_500_page(app, client):
    @app.get("/boom")
    def boom():
        raise RuntimeError("kaboom")

    response = client.get("/boom")
    assert response.status_code == 500
    assert "Something went wrong" in response.get_data(as_text=True)


def test_security_headers_are_strict(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "'nonce-" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


@pytest.mark.parametrize("secret", ["", "short", DEV_SECRET_KEY, "a" * 64])
def test_production_refuses_weak_secret(monkeypatch, secret):
    config = ProductionConfig()
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", secret)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(config)


def test_production_refuses_debug(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "x7Gq2LmP9vR4tW8zK1nB5cD3fH6jY0sA")
    monkeypatch.setattr(ProductionConfig, "DEBUG", True)
    with pytest.raises(RuntimeError, match="debug"):
        create_app(ProductionConfig())


def test_production_starts_with_strong_secret_and_secure_cookies(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "x7Gq2LmP9vR4tW8zK1nB5cD3fH6jY0sA")
    app = create_app(ProductionConfig())
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-session"
