"""Device cookies (OWASP): a stranger using up a username's attempts a minute does not keep the
person out of their own browser; the stranger is still refused, and a device cookie that sends
wrong passwords is locked in turn."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from isigurt.accounts.models import User
from isigurt.accounts.services import LOGIN_DEVICE_FAILURE_LIMITS, login_device_cookie_issue
from isigurt.accounts.tests.personas import PERSONA_PASSWORD, totp_code_for, totp_device_for
from isigurt.lib import ratelimit

pytestmark = pytest.mark.django_db

STRANGER = "198.51.100.20"  # TEST-NET-2: only ever META values here
HOME = "198.51.100.21"
NAME = settings.LOGIN_DEVICE_COOKIE_NAME
WRONG = "wrong-password-123"


@pytest.fixture(autouse=True)
def _one_window(monkeypatch):
    """All attempts fall in one counting window, wherever the clock stands."""
    monkeypatch.setattr(ratelimit, "_clock", lambda: 1_800_000_000.0 + 1)


def attempt(client: Client, username: str, password: str, address: str):
    return client.post(
        reverse("accounts:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def signed_in_browser(user: User) -> Client:
    """The person's own browser after one complete login (it now holds a device cookie)."""
    browser = Client()
    assert attempt(browser, user.username, PERSONA_PASSWORD, HOME).status_code == 302
    code = totp_code_for(totp_device_for(user))
    assert (
        browser.post(reverse("accounts:verify"), {"code": code}, REMOTE_ADDR=HOME).status_code
        == 302
    )
    assert NAME in browser.cookies
    browser.post(reverse("accounts:logout"), REMOTE_ADDR=HOME)
    return browser


def exhaust_the_username(username: str) -> None:
    """Wrong passwords from one address until the username's minute is used up."""
    statuses = [attempt(Client(), username, WRONG, STRANGER).status_code for _ in range(5)]
    assert 200 in statuses
    assert attempt(Client(), username, WRONG, STRANGER).status_code == 429


def test_a_complete_login_gives_a_signed_httponly_strict_device_cookie(operator):
    browser = signed_in_browser(operator)
    cookie = browser.cookies[NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == "/"
    assert int(cookie["max-age"]) == 90 * 24 * 60 * 60
    assert operator.username not in cookie.value  # named by keyed hash only


def test_the_password_step_alone_gives_no_device_cookie(operator):
    browser = Client()
    assert attempt(browser, operator.username, PERSONA_PASSWORD, HOME).status_code == 302
    assert NAME not in browser.cookies


def test_a_stranger_using_up_the_username_does_not_stop_the_persons_own_browser(operator):
    browser = signed_in_browser(operator)
    exhaust_the_username(operator.username)
    assert attempt(Client(), operator.username, WRONG, STRANGER).status_code == 429
    # The right password from another browser, without the cookie, is refused as before.
    assert attempt(Client(), operator.username, PERSONA_PASSWORD, HOME).status_code == 429
    # The person's own browser signs in.
    response = attempt(browser, operator.username, PERSONA_PASSWORD, HOME)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:verify")
    # And the stranger is still refused.
    assert attempt(Client(), operator.username, WRONG, STRANGER).status_code == 429


def test_the_device_cookie_helps_only_the_username_it_names(operator, supervisor):
    browser = signed_in_browser(operator)
    exhaust_the_username(supervisor.username)
    assert attempt(browser, supervisor.username, PERSONA_PASSWORD, HOME).status_code == 429


def test_a_forged_or_expired_device_cookie_counts_as_none(operator, monkeypatch):
    exhaust_the_username(operator.username)
    forged = Client()
    forged.cookies[NAME] = login_device_cookie_issue(user=operator)[:-2] + "xx"
    assert attempt(forged, operator.username, PERSONA_PASSWORD, HOME).status_code == 429
    expired = Client()
    expired.cookies[NAME] = login_device_cookie_issue(user=operator)
    monkeypatch.setattr(settings, "LOGIN_DEVICE_COOKIE_AGE", -1)  # as if 90 days had passed
    assert attempt(expired, operator.username, PERSONA_PASSWORD, HOME).status_code == 429


def test_wrong_passwords_with_the_device_cookie_lock_that_cookie(operator):
    browser = signed_in_browser(operator)
    failures = LOGIN_DEVICE_FAILURE_LIMITS[0].count
    # From a new address each time, so the (username, address) lock plays no part.
    for n in range(failures):
        assert attempt(browser, operator.username, WRONG, f"192.0.2.{n + 10}").status_code == 200
    locked = attempt(browser, operator.username, PERSONA_PASSWORD, "192.0.2.99")
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) > 0
    assert "_auth_user_id" not in browser.session
    # Those attempts did not use the username's minute: another browser still signs in.
    assert attempt(Client(), operator.username, PERSONA_PASSWORD, HOME).status_code == 302


def test_the_device_has_its_own_five_a_minute(operator):
    browser = signed_in_browser(operator)
    statuses = []
    for _ in range(6):
        statuses.append(attempt(browser, operator.username, PERSONA_PASSWORD, HOME).status_code)
        browser.cookies.pop(settings.SESSION_COOKIE_NAME, None)  # a fresh login each time
    assert statuses == [302] * 5 + [429]


def test_the_device_cookie_is_kept_for_ninety_days_by_default():
    assert int(timedelta(days=90).total_seconds()) == settings.LOGIN_DEVICE_COOKIE_AGE
