"""Rate limits (S13): counting, Retry-After, fail open or closed, the switch and its warning."""

import os
import time
import uuid

import pytest
from django.core.checks import run_checks
from django.core.checks.registry import registry
from django.test import RequestFactory

from isigurt.lib import ratelimit
from isigurt.lib.ratelimit import (
    INTAKE_LIMITS,
    LOGIN_LIMITS,
    Limit,
    RateDecision,
    client_key,
    rate_limit_check,
)

REDIS_URL = os.environ.get("ISIGURT_TEST_REDIS_CACHE_URL", "redis://127.0.0.1:6379/4")
CLOSED_REDIS_URL = "redis://127.0.0.1:6390/0"  # nothing listens here


def redis_cache(url: str) -> dict:
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


def redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(params=["locmem", "redis"])
def store(request, settings):
    """Run each counting test on the local-memory cache and on a real Redis."""
    settings.RATE_LIMIT_ENABLED = True
    if request.param == "redis":
        if not redis_reachable():
            if os.environ.get("CI") == "true":
                pytest.fail(f"Redis not reachable at {REDIS_URL} (CI requires it)")
            pytest.skip(f"Redis not reachable at {REDIS_URL}")
        settings.CACHES = redis_cache(REDIS_URL)
    else:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": f"ratelimit-test-{uuid.uuid4()}",
            }
        }
    return request.param


class Clock:
    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    # 10 s into a minute, an hour into a UTC day: far from any window's end.
    start = (int(time.time()) // 86400) * 86400 + 3600 + 10
    fake = Clock(start)
    monkeypatch.setattr(ratelimit, "_clock", fake)
    return fake


def key() -> str:
    return uuid.uuid4().hex


TEN_A_MINUTE = (Limit(10, 60),)


def check(k: str, limits=TEN_A_MINUTE, *, fail_open=True, scope="test") -> RateDecision:
    return rate_limit_check(scope=scope, key=k, limits=limits, fail_open=fail_open)


def test_ten_are_allowed_then_the_eleventh_is_refused_with_retry_after(store, clock):
    k = key()
    for _ in range(10):
        assert check(k) == RateDecision(allowed=True, retry_after=0, store_down=False)
    refused = check(k)
    assert refused.allowed is False
    assert refused.store_down is False
    # 50 s to the minute's end, then 6 s until the sliding minute holds 9 of the 10.
    assert refused.retry_after == 50 + 6


def test_waiting_as_told_lets_the_client_in_again(store, clock):
    k = key()
    for _ in range(10):
        check(k)
    refused = check(k)
    for _ in range(5):  # refused attempts do not push the wait further
        assert check(k).retry_after == refused.retry_after
    clock.now += refused.retry_after
    assert check(k).allowed is True


def test_keys_and_scopes_are_counted_apart(store, clock):
    first, second = key(), key()
    for _ in range(10):
        check(first)
    assert check(first).allowed is False
    assert check(second).allowed is True
    assert check(first, scope="other").allowed is True


def test_the_day_limit_holds_across_minutes(store, clock):
    k = key()
    allowed = 0
    for _round in range(11):
        for _ in range(10):
            allowed += check(k, INTAKE_LIMITS).allowed
        clock.now += 120  # a minute with nothing: the previous minute no longer weighs
    assert allowed == 100
    refused = check(k, INTAKE_LIMITS)
    assert refused.allowed is False
    # To the end of the UTC day (24 h minus the hour and 22 minutes 10 s gone), then 1/100 of
    # the next day, until the sliding day holds 99.
    assert refused.retry_after == 86400 - 3600 - 22 * 60 - 10 + 864


def test_a_burst_across_a_window_edge_counts_in_full(store, clock):
    # The spraying limit, 20 a quarter hour: 22 just before the edge and 17 just after.
    fifteen_minutes = (Limit(20, 15 * 60),)
    k = key()
    edge = (clock.now // 900 + 1) * 900
    clock.now = edge - 30
    before = [check(k, fifteen_minutes).allowed for _ in range(22)]
    clock.now = edge + 15
    after = [check(k, fifteen_minutes).allowed for _ in range(17)]
    assert before.count(True) == 20
    assert after.count(True) == 0  # fixed windows would have let all 17 through
    refused = check(k, fifteen_minutes)
    assert refused.allowed is False
    # The sliding quarter hour holds 19 once 1/20 of the new window has passed: 45 s - 15 s.
    assert refused.retry_after == 30
    clock.now += refused.retry_after - 1
    assert check(k, fifteen_minutes).allowed is False
    clock.now += 1
    assert check(k, fifteen_minutes).allowed is True
    assert check(k, fifteen_minutes).allowed is False


def test_the_sliding_window_forgets_a_full_window_later(store, clock):
    k = key()
    for _ in range(10):
        check(k)
    clock.now += 120  # two windows on: nothing weighs any more
    assert [check(k).allowed for _ in range(11)] == [True] * 10 + [False]


def test_login_allows_five_a_minute(store, clock):
    k = key()
    assert [check(k, LOGIN_LIMITS, fail_open=False).allowed for _ in range(6)] == [True] * 5 + [
        False
    ]


@pytest.mark.parametrize("fail_open", [True, False])
def test_when_the_store_is_down_the_caller_decides(settings, fail_open):
    settings.RATE_LIMIT_ENABLED = True
    settings.CACHES = redis_cache(CLOSED_REDIS_URL)
    started = time.monotonic()
    decision = check(key(), INTAKE_LIMITS, fail_open=fail_open)
    assert time.monotonic() - started < 2.5
    assert decision.store_down is True
    assert decision.allowed is fail_open


def test_intake_stays_open_and_login_closed_when_the_store_is_down(settings):
    settings.RATE_LIMIT_ENABLED = True
    settings.CACHES = redis_cache(CLOSED_REDIS_URL)
    assert check(key(), INTAKE_LIMITS, fail_open=True).allowed is True
    assert check(key(), LOGIN_LIMITS, fail_open=False).allowed is False


def test_switched_off_everything_is_allowed(settings, clock):
    settings.RATE_LIMIT_ENABLED = False
    k = key()
    assert all(check(k).allowed for _ in range(50))
    settings.CACHES = redis_cache(CLOSED_REDIS_URL)
    assert check(k, fail_open=False) == RateDecision(allowed=True)


def test_the_client_key_is_a_keyed_hash_not_the_address(settings):
    factory = RequestFactory()
    request = factory.get("/", REMOTE_ADDR="192.0.2.17")
    value = client_key(request)
    assert len(value) == 64
    assert "192.0.2.17" not in value
    assert client_key(factory.get("/x", REMOTE_ADDR="192.0.2.17")) == value
    assert client_key(factory.get("/", REMOTE_ADDR="192.0.2.18")) != value
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    assert client_key(request) != value


def test_one_ipv6_network_is_one_client():
    factory = RequestFactory()
    one = client_key(factory.get("/", REMOTE_ADDR="2001:db8:1:2::1"))
    assert one == client_key(factory.get("/", REMOTE_ADDR="2001:db8:1:2:ffff::9"))
    assert one != client_key(factory.get("/", REMOTE_ADDR="2001:db8:1:3::1"))
    mapped = client_key(factory.get("/", REMOTE_ADDR="::ffff:192.0.2.17"))
    assert mapped == client_key(factory.get("/", REMOTE_ADDR="192.0.2.17"))


def _warning_ids() -> set[str]:
    return {message.id for message in run_checks(include_deployment_checks=True)}


def test_it_warns_when_rate_limits_are_off_without_debug(settings):
    assert any(check.__name__ == "rate_limit_enabled_check" for check in registry.get_checks())
    settings.RATE_LIMIT_ENABLED = False
    settings.DEBUG = False
    assert "isigurt.W001" in _warning_ids()


@pytest.mark.parametrize(("enabled", "debug"), [(True, False), (False, True), (True, True)])
def test_it_does_not_warn_otherwise(settings, enabled, debug):
    settings.RATE_LIMIT_ENABLED = enabled
    settings.DEBUG = debug
    assert "isigurt.W001" not in _warning_ids()
