"""Without Stripe keys (the default) card payment does not exist: no pages, no webhook, no CSP opening."""

import pytest

from marketplace.payments import gateway
from tests.conftest import Browserless


@pytest.fixture
def app_overrides():
    return {}


def test_no_keys_means_card_payments_are_off(app):
    with app.app_context():
        assert gateway.is_configured() is False


def test_no_keys_means_no_card_pages_and_no_webhook(app, client, make):
    investor = make.investor()
    Browserless(client).login(investor.email, investor.password)
    assert client.get("/pledges/1/card").status_code == 404
    assert client.post("/webhooks/stripe", data="{}", content_type="application/json").status_code == 404


def test_no_keys_means_the_policy_names_no_stripe_origin(client):
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "stripe" not in policy and "frame-src" not in policy


def test_a_card_pledge_is_refused_without_keys(app):
    from marketplace.errors import DomainError
    from tests.factories import Factories, PledgeFactories
    from tests.pledges.conftest import pledge_as

    pledging = PledgeFactories(app, Factories(app))
    with pytest.raises(DomainError):
        pledge_as(app, pledging.investor().id, pledging.project(), 10_000, method="card")
