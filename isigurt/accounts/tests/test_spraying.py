"""Password spraying: one client trying one password on many usernames is stopped, whatever
the usernames; other clients are not."""

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from isigurt.accounts.services import LOGIN_CLIENT_FAILURE_LIMITS
from isigurt.accounts.tests.personas import PERSONA_PASSWORD
from isigurt.lib import ratelimit

pytestmark = pytest.mark.django_db

SPRAYER = "198.51.100.66"  # TEST-NET-2: only ever a META value here
OTHER = "198.51.100.67"
PROXY = "10.0.0.5"
LIMIT = LOGIN_CLIENT_FAILURE_LIMITS[0].count


@pytest.fixture(autouse=True)
def _one_window(monkeypatch):
    """All attempts fall in one counting window, wherever the clock stands."""
    monkeypatch.setattr(ratelimit, "_clock", lambda: 1_800_000_000.0 + 1)


def attempt(username: str, password: str, **meta: str):
    return Client().post(
        reverse("accounts:login"), {"username": username, "password": password}, **meta
    )


def test_one_client_spraying_one_password_over_forty_usernames_is_stopped(operator):
    statuses = [
        attempt(f"someone.{n}", "Spring-2026-password", REMOTE_ADDR=SPRAYER).status_code
        for n in range(40)
    ]
    assert statuses[:LIMIT] == [200] * LIMIT
    assert set(statuses[LIMIT:]) == {429}
    refused = attempt(operator.username, PERSONA_PASSWORD, REMOTE_ADDR=SPRAYER)
    assert refused.status_code == 429  # even the right password, from that client
    assert int(refused["Retry-After"]) > 0
    # Another client is not affected, and the real user can still sign in from there.
    assert attempt(operator.username, PERSONA_PASSWORD, REMOTE_ADDR=OTHER).status_code == 302


def test_only_failures_count_toward_the_client_limit(operator):
    for n in range(LIMIT - 1):
        assert attempt(f"someone.{n}", "wrong-password-1", REMOTE_ADDR=SPRAYER).status_code == 200
    for _ in range(3):
        assert attempt(operator.username, PERSONA_PASSWORD, REMOTE_ADDR=SPRAYER).status_code == 302
    assert attempt("someone", "wrong-password-1", REMOTE_ADDR=SPRAYER).status_code == 200
    assert attempt("someone.else", "wrong-password-1", REMOTE_ADDR=SPRAYER).status_code == 429


@override_settings(TRUSTED_PROXIES=[PROXY])
def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget(operator):
    for n in range(LIMIT):
        attempt(f"someone.{n}", "x-password-1", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=SPRAYER)
    sprayer = attempt("someone", "x-password-1", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=SPRAYER)
    assert sprayer.status_code == 429
    other = attempt(
        operator.username, PERSONA_PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=OTHER
    )
    assert other.status_code == 302
