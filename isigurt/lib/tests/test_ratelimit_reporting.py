"""Budget spent before work, and tracking locks that fall on the code under attack."""

import uuid

import pytest
from django.test import RequestFactory

from isigurt.lib import ratelimit
from isigurt.lib.ratelimit import (
    INTAKE_LIMITS,
    TRACK_CLIENT_FAILURE_LIMITS,
    TRACK_CLIENT_LIMITS,
    TRACK_CODE_FAILURE_LIMITS,
    followup_spend,
    intake_spend,
    track_attempt,
    track_failure,
    tracking_code_key,
)
from isigurt.lib.tests.test_ratelimit import CLOSED_REDIS_URL, clock, redis_cache, store

__all__ = ["clock", "store"]  # fixtures shared with the limiter's own tests

factory = RequestFactory()
CODE = "K7QM-4TZP"


def from_address(address: str, path: str = "/reports/track/"):
    return factory.post(path, REMOTE_ADDR=address)


@pytest.fixture(autouse=True)
def _fresh_keys(settings):
    # Redis keeps counts between runs and the test clock starts in the same window each day:
    # a new secret key makes every client and code key new.
    settings.SECRET_KEY = f"rate-limit-tests-{uuid.uuid4()}-" + "x" * 40


def test_the_limits_are_named():
    assert (ratelimit.Limit(5, 15 * 60),) == TRACK_CODE_FAILURE_LIMITS
    assert (ratelimit.Limit(10, 60), ratelimit.Limit(50, 3600)) == TRACK_CLIENT_FAILURE_LIMITS
    assert (ratelimit.Limit(30, 60), ratelimit.Limit(300, 3600)) == TRACK_CLIENT_LIMITS


def test_wrong_secrets_from_many_addresses_lock_the_code_for_everyone(store, clock):
    for number in range(5):
        request = from_address(f"198.51.100.{number}")
        assert track_attempt(request, code=CODE).allowed
        track_failure(request, code=CODE)
    locked = track_attempt(from_address("203.0.113.9"), code=CODE)  # even the right secret
    assert locked.allowed is False
    assert locked.store_down is False
    # The rest of the window, then until the sliding window holds at most 4 of the 5 (1/5 of it).
    assert locked.retry_after == 15 * 60 - 3600 % (15 * 60) - 10 + 15 * 60 // 5
    assert track_attempt(from_address("203.0.113.9"), code="AAAA-BBBB").allowed
    clock.now += locked.retry_after
    assert track_attempt(from_address("203.0.113.9"), code=CODE).allowed


def test_an_attack_on_one_code_does_not_lock_out_its_address(store, clock):
    attacker = "192.0.2.50"  # a school's one address
    for _ in range(5):
        track_failure(from_address(attacker), code=CODE)
    assert track_attempt(from_address(attacker), code=CODE).allowed is False
    assert track_attempt(from_address(attacker), code="AAAA-BBBB").allowed  # a classmate's code


def test_a_school_behind_one_address_can_open_thirty_reports_a_minute(store, clock):
    # Before, every web tracking attempt counted against 10 a minute per address.
    school = "192.0.2.60"
    opened = [
        track_attempt(from_address(school), code=f"CODE{number:04d}").allowed
        for number in range(31)
    ]
    assert opened == [True] * 30 + [False]


def test_a_client_trying_many_codes_is_locked(store, clock):
    scanner = "192.0.2.70"
    for number in range(10):
        request = from_address(scanner)
        assert track_attempt(request, code=f"SCAN{number:04d}").allowed
        track_failure(request, code=f"SCAN{number:04d}")
    refused = track_attempt(from_address(scanner), code="SCAN9999")
    assert refused.allowed is False
    assert refused.retry_after == 50 + 6  # the minute's rest, then 1/10 of the next (sliding)
    assert track_attempt(from_address("192.0.2.71"), code="SCAN9999").allowed


def test_a_request_counts_once_per_scope(store, clock):
    address = "192.0.2.80"
    for _ in range(10):
        request = from_address(address, "/reports/new/")
        first = intake_spend(request)  # before reading the pictures
        assert intake_spend(request) is first  # again before filing: not counted twice
        assert first.allowed
    assert intake_spend(from_address(address, "/api/v1/reports")).allowed is False  # one bucket
    assert len(INTAKE_LIMITS) == 2


def test_follow_ups_share_one_bucket_across_web_and_api(store, clock):
    address = "192.0.2.90"
    for number in range(30):
        path = "/reports/track/evidence/" if number % 2 else f"/api/v1/reports/{CODE}/messages"
        assert followup_spend(from_address(address, path)).allowed
    refused = followup_spend(from_address(address))
    assert refused.allowed is False
    assert refused.retry_after == 50 + 2  # the minute's rest, then 1/30 of the next (sliding)


def test_the_code_key_ignores_how_the_code_was_typed_and_hides_it():
    key = tracking_code_key("K7QM-4TZP")
    assert key == tracking_code_key(" k7qm 4tzp ") == tracking_code_key("k7qm4tzp")
    assert key != tracking_code_key("K7QM-4TZQ")
    assert "K7QM" not in key and len(key) == 64


def test_with_the_store_down_tracking_is_closed_and_intake_open(settings):
    settings.RATE_LIMIT_ENABLED = True
    settings.CACHES = redis_cache(CLOSED_REDIS_URL)
    tracking = track_attempt(from_address("192.0.2.1"), code=CODE)
    assert (tracking.allowed, tracking.store_down) == (False, True)
    track_failure(from_address("192.0.2.1"), code=CODE)  # does not raise
    for spend in (intake_spend, followup_spend):
        decision = spend(from_address("192.0.2.1"))
        assert (decision.allowed, decision.store_down) == (True, True)


@pytest.mark.parametrize("helper", ["intake", "followup", "track"])
def test_switched_off_everything_is_allowed(settings, helper):
    settings.RATE_LIMIT_ENABLED = False
    settings.CACHES = redis_cache(CLOSED_REDIS_URL)
    request = from_address("192.0.2.2")
    decision = {
        "intake": lambda: intake_spend(request),
        "followup": lambda: followup_spend(request),
        "track": lambda: track_attempt(request, code=CODE),
    }[helper]()
    assert decision.allowed
