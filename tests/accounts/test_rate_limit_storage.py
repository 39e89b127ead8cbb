"""Log-in throttling through Redis when REDIS_URL is set, and still in force when Redis is down."""

import socket
import uuid

import pytest

from tests.factories import PASSWORD

LIMITS = {"LOGIN_LIMIT_PER_ADDRESS": "3 per minute", "LOGIN_LIMIT_PER_ACCOUNT": "100 per hour"}


def redis_is_up() -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", 6379)) == 0


def failing_logins(browserless, count: int) -> list[int]:
    return [browserless.login(f"probe{i}@example.org", "wrong password 000").status_code for i in range(count)]


@pytest.mark.skipif(not redis_is_up(), reason="no Redis server on 127.0.0.1:6379")
@pytest.mark.parametrize("app_overrides", [{
    **LIMITS, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15",
    "RATELIMIT_KEY_PREFIX": f"passerelle-test-{uuid.uuid4().hex}",
}])
def test_limits_are_kept_in_redis(browserless, make):
    user = make.investor()
    assert failing_logins(browserless, 3) == [401, 401, 401]
    assert browserless.login(user.email, PASSWORD).status_code == 429


@pytest.mark.parametrize("app_overrides", [{**LIMITS, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0"}])
def test_unreachable_redis_falls_back_to_memory_and_never_500s(browserless, make):
    user = make.investor()
    assert failing_logins(browserless, 3) == [401, 401, 401]
    assert browserless.login(user.email, PASSWORD).status_code == 429
    assert browserless.client.get("/").status_code == 200
