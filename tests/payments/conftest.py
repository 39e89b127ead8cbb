"""Card payments against localstripe (a stateful fake Stripe on loopback) through a recording transport.

localstripe starts once per session on a free 127.0.0.1 port. Every Stripe call of the app goes through
`FakeTransport`, which records method, path and Idempotency-Key, replays a repeated key the way Stripe
does (localstripe ignores keys) and injects faults: 500s, and timeouts before or after the call went through.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
import stripe

from tests.factories import PledgeFactories
from tests.pledges.conftest import pledge_as

WEBHOOK_SECRET = "whsec_test_passerelle_0123456789"
SERVER = Path(__file__).with_name("localstripe_server.py")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def localstripe(tmp_path_factory):
    """The base URL of a localstripe server private to this test session."""
    port = _free_port()
    log = (tmp_path_factory.mktemp("localstripe") / "server.log").open("w")
    process = subprocess.Popen([sys.executable, str(SERVER), str(port)], stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(f"{base}/js.stripe.com/v3/", timeout=1) as answer:  # noqa: S310 - loopback
                if answer.status == 200:
                    break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("localstripe did not start") from None
            time.sleep(0.1)
    yield base
    process.terminate()
    process.wait(timeout=10)
    log.close()


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    idempotency_key: str | None


class FakeTransport(stripe.HTTPClient):
    """Forwards to localstripe with a fresh connection per call; records calls; injects queued faults."""

    name = "fake"

    def __init__(self):
        super().__init__()
        self.calls: list[Call] = []
        self.faults: list[tuple[str, str, str]] = []  # (method, path prefix, kind), consumed in order
        self.replies: dict[str, tuple] = {}
        self.lock = threading.Lock()
        self.keyed = threading.Lock()

    def _sleep_time_seconds(self, num_retries: int) -> float:
        return 0.0

    def fail(self, method: str, path: str, *kinds: str) -> None:
        """Queue faults for the next matching calls: "500", "timeout_before", "timeout_after"."""
        self.faults.extend((method, path, kind) for kind in kinds)

    def made(self, method: str, path: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.path.startswith(path)]

    def _fault_for(self, method: str, path: str) -> str | None:
        with self.lock:
            for i, (m, p, kind) in enumerate(self.faults):
                if m == method and path.startswith(p):
                    del self.faults[i]
                    return kind
        return None

    def request(self, method, url, headers, post_data=None, **kwargs):
        method = method.lower()
        key = dict(headers or {}).get("Idempotency-Key")
        path = urlsplit(url).path
        with self.lock:
            self.calls.append(Call(method, path, key))
        fault = self._fault_for(method, path)
        if fault == "500":
            body = json.dumps({"error": {"type": "api_error", "message": "injected"}}).encode()
            return body, 500, {}
        if fault == "timeout_before":
            raise stripe.APIConnectionError("injected timeout before Stripe saw the call", should_retry=True)
        response = self._forward(method, url, headers, post_data, key)
        if fault == "timeout_after":
            raise stripe.APIConnectionError("injected timeout after Stripe processed the call", should_retry=True)
        return response

    def _forward(self, method, url, headers, post_data, key):
        if method != "post" or not key:
            return self._send(method, url, headers, post_data)
        with self.keyed:  # Stripe answers a repeated key with the first result
            if key not in self.replies:
                response = self._send(method, url, headers, post_data)
                if response[1] < 500:
                    self.replies[key] = response
                return response
            return self.replies[key]

    @staticmethod
    def _send(method, url, headers, post_data):
        answer = requests.request(method, url, headers=headers, data=post_data, timeout=10)
        return answer.content, answer.status_code, answer.headers

    def request_stream(self, method, url, headers, post_data=None, **kwargs):
        """Part of the SDK's transport interface; only streaming endpoints call it, and the app uses none."""
        raise AssertionError("the app made a streaming Stripe call, which the tests do not expect")

    def close(self):
        pass


@pytest.fixture
def transport():
    return FakeTransport()


@pytest.fixture
def app_overrides(localstripe, transport):
    return {
        "STRIPE_SECRET_KEY": "sk_test_passerelle", "STRIPE_PUBLISHABLE_KEY": "pk_test_passerelle",
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET, "STRIPE_API_BASE": localstripe,
        "STRIPE_JS_URL": f"{localstripe}/js.stripe.com/v3/", "STRIPE_HTTP_CLIENT": transport,
    }


@pytest.fixture
def stripe_api(localstripe):
    """The test's own Stripe client, standing in for Stripe.js and the investor's bank."""
    return stripe.StripeClient(api_key="sk_test_passerelle", base_addresses={"api": localstripe},
                               max_network_retries=0, http_client=FakeTransport())


@pytest.fixture
def pledging(app, make) -> PledgeFactories:
    return PledgeFactories(app, make)


CARDS = {"ok": "4242424242424242", "declined": "4000000000000341", "authenticate": "4000002760003184"}


class Cards:
    """Card pledges at each step: placed, card saved (as Elements would), collecting."""

    def __init__(self, app, pledging: PledgeFactories, stripe_api, localstripe: str):
        self.app = app
        self.localstripe = localstripe
        self.pledging = pledging
        self.stripe_api = stripe_api

    def placed(self, amount_minor: int = 50_000, project_id: int | None = None) -> tuple[int, int]:
        """A committed card pledge of an investor with no revocation period; returns (pledge id, investor id)."""
        project_id = project_id or self.pledging.project(target="1000", currency="MAD")
        investor = self.pledging.investor(residence="MA")
        return pledge_as(self.app, investor.id, project_id, amount_minor, method="card"), investor.id

    def confirm_setup(self, setup_intent_id: str, card: str = "ok") -> str:
        """What Stripe.js does in the browser: confirm the SetupIntent with card data."""
        setup = self.stripe_api.v1.setup_intents.confirm(setup_intent_id, params={"payment_method_data": {
            "type": "card", "card": {"number": CARDS[card], "exp_month": 12, "exp_year": 2030, "cvc": "123"}}})
        if setup.status == "requires_action":  # the bank's step, passed
            setup = self.stripe_api.v1.setup_intents.confirm(setup_intent_id)
        assert setup.status == "succeeded"
        return setup.payment_method

    def authenticate(self, payment_intent_id: str, *, success: bool = True) -> None:
        """What the bank's step in Stripe.js does for a PaymentIntent waiting for authentication."""
        intent = self.stripe_api.v1.payment_intents.retrieve(payment_intent_id)
        answer = requests.post(f"{self.localstripe}/v1/payment_intents/{payment_intent_id}/_authenticate",
                               params={"success": str(success).lower()}, timeout=10,
                               json={"key": "pk_test_passerelle", "client_secret": intent.client_secret})
        assert answer.status_code == 200, answer.text

    def saved(self, card: str = "ok", **kwargs) -> int:
        from marketplace.extensions import db
        from marketplace.payments import services
        from marketplace.pledges.models import Pledge

        pledge_id, _ = self.placed(**kwargs)
        with self.app.app_context():
            setup = services.start_card_setup(db.session.get(Pledge, pledge_id))
            self.confirm_setup(setup.id, card)
            assert services.finish_card_setup(db.session.get(Pledge, pledge_id))
            db.session.remove()
        return pledge_id

    def collecting(self, card: str = "ok", **kwargs) -> int:
        pledge_id = self.saved(card, **kwargs)
        start_collection(self.app, pledge_id)
        return pledge_id


def start_collection(app, pledge_id: int) -> None:
    from marketplace.extensions import db
    from marketplace.pledges import lifecycle
    from marketplace.pledges.models import Pledge

    with app.app_context():
        lifecycle.apply(db.session.get(Pledge, pledge_id), "start_collection", note="test: campaign funded")
        db.session.commit()
        db.session.remove()


@pytest.fixture
def cards(app, pledging, stripe_api, localstripe) -> Cards:
    return Cards(app, pledging, stripe_api, localstripe)


def pledge_state(app, pledge_id: int) -> dict:
    from marketplace.extensions import db
    from marketplace.pledges.models import Pledge

    with app.app_context():
        p = db.session.get(Pledge, pledge_id)
        state = {c: getattr(p, c) for c in (
            "status", "received_minor", "refunded_minor", "amount_minor", "payment_error", "payment_outcome_unknown",
            "stripe_payment_intent_id", "stripe_payment_method_id", "stripe_setup_intent_id", "stripe_customer_id",
            "charge_idempotency_key", "charge_attempted_at", "payment_due_by")}
        db.session.remove()
        return state


def sign(payload: str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """The Stripe-Signature header, computed the way Stripe does (HMAC-SHA256 of "t.payload")."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def event(event_type: str, obj: dict, event_id: str | None = None) -> dict:
    return {"id": event_id or f"evt_{uuid.uuid4().hex[:24]}", "object": "event", "type": event_type,
            "created": int(time.time()), "data": {"object": obj}}


def post_event(client, payload: dict | str, **sign_kwargs):
    body = payload if isinstance(payload, str) else json.dumps(payload)
    return client.post("/webhooks/stripe", data=body, content_type="application/json",
                       headers={"Stripe-Signature": sign(body, **sign_kwargs)})
