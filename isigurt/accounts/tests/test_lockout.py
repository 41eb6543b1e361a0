"""S5 and S13: lockout per (username, address), rate limit per username, fail closed."""

import re
import statistics
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import OperationalError, connection
from django.test import Client, override_settings
from django.urls import reverse

from isigurt.accounts.models import LoginAttempt
from isigurt.accounts.tests.personas import PERSONA_PASSWORD, totp_code_for, totp_device_for
from isigurt.settings import base

pytestmark = pytest.mark.django_db

LOGIN_FAILURES = 5
OTHER_ADDRESS = "192.0.2.77"  # TEST-NET-1: only ever a META value here


def attempt(username: str, password: str, address: str = "127.0.0.1", client: Client | None = None):
    return (client or Client()).post(
        reverse("accounts:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def time_passes(by: timedelta) -> None:
    """As if that much time had gone by: recorded attempts move into the past, and once a
    minute has gone the rate limiter's per-minute counters (in the cache) have expired."""
    for row in LoginAttempt.objects.all():
        LoginAttempt.objects.filter(pk=row.pk).update(at=row.at - by)
    if by >= timedelta(minutes=1):
        cache.clear()


def fail_times(username: str, times: int = LOGIN_FAILURES, address: str = "127.0.0.1") -> None:
    for _ in range(times):
        assert attempt(username, "wrong-password-123", address).status_code == 200


def visible(response) -> str:
    """The page without its per-request CSRF token and CSP nonce, for comparing two answers."""
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return re.sub(r'nonce="[^"]+"', "", page)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_the_settings_say_five_failures_and_fifteen_minutes():
    assert base.LOGIN_LOCKOUT_FAILURES == LOGIN_FAILURES
    assert base.LOGIN_LOCKOUT_PERIOD.total_seconds() == 15 * 60


def test_it_locks_a_username_and_address_after_five_failures(operator):
    fail_times(operator.username)
    client = Client()
    response = attempt(operator.username, PERSONA_PASSWORD, client=client)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert not signed_in(client)


def test_it_keeps_the_lock_after_the_rate_limit_minute_has_passed(operator):
    fail_times(operator.username)
    time_passes(timedelta(minutes=2))
    client = Client()
    assert attempt(operator.username, PERSONA_PASSWORD, client=client).status_code == 429
    assert not signed_in(client)


def test_it_lifts_the_lock_after_fifteen_minutes(operator):
    fail_times(operator.username)
    time_passes(timedelta(minutes=15, seconds=1))
    client = Client()
    response = attempt(operator.username, PERSONA_PASSWORD, client=client)
    assert response.status_code == 302
    assert signed_in(client)


def test_it_does_not_extend_the_lock_with_attempts_made_while_locked(operator):
    fail_times(operator.username)
    time_passes(timedelta(minutes=10))
    for _ in range(3):
        assert attempt(operator.username, "wrong-password-123").status_code == 429
    time_passes(timedelta(minutes=5, seconds=1))
    client = Client()
    assert attempt(operator.username, PERSONA_PASSWORD, client=client).status_code == 302


def test_it_locks_only_that_address(operator):
    fail_times(operator.username)
    time_passes(timedelta(minutes=2))  # past the per-username minute
    client = Client()
    response = attempt(operator.username, PERSONA_PASSWORD, OTHER_ADDRESS, client=client)
    assert response.status_code == 302
    assert signed_in(client)


def test_it_answers_a_locked_unknown_username_exactly_like_a_locked_real_one(operator):
    fail_times(operator.username)
    fail_times("nobody-here")
    real = attempt(operator.username, PERSONA_PASSWORD)
    unknown = attempt("nobody-here", PERSONA_PASSWORD)
    assert real.status_code == unknown.status_code == 429
    # Taken a moment apart: the two waits may differ by the seconds between the requests.
    assert abs(int(real["Retry-After"]) - int(unknown["Retry-After"])) <= 5
    assert visible(real).replace(operator.username, "U") == visible(unknown).replace(
        "nobody-here", "U"
    )


def test_it_answers_a_wrong_password_exactly_like_an_unknown_username(operator):
    wrong = attempt(operator.username, "wrong-password-123")
    unknown = attempt("nobody-here", "wrong-password-123")
    assert wrong.status_code == unknown.status_code == 200
    assert "not right" in visible(wrong)
    assert visible(wrong).replace(operator.username, "U") == visible(unknown).replace(
        "nobody-here", "U"
    )


@override_settings(PASSWORD_HASHERS=base.PASSWORD_HASHERS)
def test_it_takes_about_as_long_for_an_unknown_username_as_for_a_wrong_password(operator):
    operator.set_password(PERSONA_PASSWORD)  # hashed with Argon2, as in production
    operator.save()
    attempt(operator.username, "warm-up-password")  # first Argon2 use loads the library

    def timed(username: str) -> float:
        started = time.perf_counter()
        attempt(username, "wrong-password-123")
        return time.perf_counter() - started

    real = statistics.median(timed(operator.username) for _ in range(3))
    unknown = statistics.median(timed(f"nobody-{n}") for n in range(3))
    assert 1 / 3 < unknown / real < 3


@override_settings(RATE_LIMIT_ENABLED=True)
def test_it_limits_a_username_to_five_attempts_a_minute_from_any_address(operator):
    for n in range(5):
        attempt(operator.username, "wrong-password-123", f"192.0.2.{n + 1}")
    client = Client()
    response = attempt(operator.username, PERSONA_PASSWORD, "192.0.2.99", client=client)
    assert response.status_code == 429
    assert response.has_header("Retry-After")
    assert not signed_in(client)
    time_passes(timedelta(seconds=61))
    assert attempt(operator.username, PERSONA_PASSWORD, "192.0.2.99").status_code == 302


def test_it_counts_wrong_codes_and_ends_the_session_at_the_fifth(operator):
    device = totp_device_for(operator)
    client = Client()
    assert attempt(operator.username, PERSONA_PASSWORD, client=client).status_code == 302
    wrong = str((int(totp_code_for(device)) + 500_000) % 1_000_000).zfill(6)
    for _ in range(LOGIN_FAILURES - 1):
        response = client.post(reverse("accounts:verify"), {"code": wrong})
        assert response.status_code == 200
    response = client.post(reverse("accounts:verify"), {"code": wrong})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert not signed_in(client)
    # The pair is now locked: the right password does not start a new session.
    time_passes(timedelta(minutes=2))
    again = Client()
    assert attempt(operator.username, PERSONA_PASSWORD, client=again).status_code == 429
    assert not signed_in(again)


def test_it_does_not_reset_wrong_codes_when_the_password_is_entered_again(operator):
    device = totp_device_for(operator)
    wrong = str((int(totp_code_for(device)) + 500_000) % 1_000_000).zfill(6)
    for _ in range(2):
        client = Client()
        assert attempt(operator.username, PERSONA_PASSWORD, client=client).status_code == 302
        client.post(reverse("accounts:verify"), {"code": wrong})
        client.post(reverse("accounts:verify"), {"code": wrong})
        time_passes(timedelta(seconds=61))
    client = Client()
    assert attempt(operator.username, PERSONA_PASSWORD, client=client).status_code == 302
    response = client.post(reverse("accounts:verify"), {"code": wrong})
    assert response["Location"] == reverse("accounts:login")
    assert not signed_in(client)


def test_it_clears_the_failures_after_a_complete_login(operator):
    device = totp_device_for(operator)
    fail_times(operator.username, LOGIN_FAILURES - 1)
    time_passes(timedelta(seconds=61))
    client = Client()
    attempt(operator.username, PERSONA_PASSWORD, client=client)
    client.post(reverse("accounts:verify"), {"code": totp_code_for(device)})
    assert client.get(reverse("accounts:home")).status_code == 200
    assert not LoginAttempt.objects.filter(succeeded=False).exists()


def test_it_stores_no_username_or_address_in_the_attempts(operator):
    attempt(operator.username, "wrong-password-123", OTHER_ADDRESS)
    row = LoginAttempt.objects.values().get()
    assert operator.username not in str(row)
    assert OTHER_ADDRESS not in str(row)


def test_it_stays_closed_when_the_attempt_store_fails(operator):
    def store_down(execute, sql, params, many, context):
        if LoginAttempt._meta.db_table in sql:
            raise OperationalError("connection to the attempt store lost")
        return execute(sql, params, many, context)

    client = Client()
    with connection.execute_wrapper(store_down):
        response = attempt(operator.username, PERSONA_PASSWORD, client=client)
    assert response.status_code == 503
    assert response.has_header("Retry-After")
    assert not signed_in(client)
    operator.refresh_from_db()
    assert operator.last_login is None


@override_settings(
    RATE_LIMIT_ENABLED=True,
    CACHES={
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            # Nothing listens on the discard port of this machine's loopback.
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    },
)
def test_it_stays_closed_when_the_rate_limit_store_is_down(operator):
    client = Client()
    response = attempt(operator.username, PERSONA_PASSWORD, client=client)
    assert response.status_code == 503
    assert response.has_header("Retry-After")
    assert "briefly unavailable" in response.content.decode()
    assert not signed_in(client)
