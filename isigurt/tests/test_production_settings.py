"""Production settings: __Host- cookies, no wildcard host, and a clear error (not a 500 on
every page) when collectstatic has not run."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.checks import Error
from django.test import Client, override_settings
from django.urls import reverse

from isigurt.accounts.tests.personas import PERSONA_PASSWORD
from isigurt.lib.checks import allowed_hosts_check, host_prefixed_cookies_check
from isigurt.tests.test_platform import PRODUCTION_ENV

ROOT = Path(settings.BASE_DIR)
HOST_COOKIES = {
    "SESSION_COOKIE_NAME": "__Host-isigurt-session",
    "CSRF_COOKIE_NAME": "__Host-isigurt-csrf",
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
}


def run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL"}}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**clean, **PRODUCTION_ENV, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_cookies_carry_the_host_prefix():
    code = (
        "import json; from django.conf import settings as s\n"
        "print(json.dumps([s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE,"
        " s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_PATH, s.CSRF_COOKIE_PATH,"
        " s.SESSION_COOKIE_DOMAIN, s.CSRF_COOKIE_DOMAIN]))"
    )
    result = run(["-c", "import django; django.setup()\n" + code])
    assert result.returncode == 0, result.stderr
    session, csrf, *rest = json.loads(result.stdout)
    assert session.startswith("__Host-") and csrf.startswith("__Host-")
    assert rest == [True, True, "/", "/", None, None]


def test_production_device_cookie_carries_the_host_prefix():
    code = "from django.conf import settings as s; print(s.LOGIN_DEVICE_COOKIE_NAME)"
    result = run(["-c", "import django; django.setup()\n" + code])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "__Host-isigurt-device"


@pytest.mark.django_db
@override_settings(**HOST_COOKIES)
def test_the_login_sets_host_prefixed_secure_cookies_for_the_whole_site(operator):
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("accounts:login"), secure=True)
    csrf = page.cookies["__Host-isigurt-csrf"]
    response = client.post(
        reverse("accounts:login"),
        {
            "username": operator.username,
            "password": PERSONA_PASSWORD,
            "csrfmiddlewaretoken": page.context["csrf_token"],
        },
        secure=True,
        HTTP_ORIGIN="https://testserver",
    )
    assert response.status_code == 302
    session = response.cookies["__Host-isigurt-session"]
    for cookie in (csrf, session):
        assert cookie["secure"] is True
        assert cookie["path"] == "/"
        assert cookie["domain"] == ""


def test_production_refuses_a_wildcard_host():
    result = run(["manage.py", "check"], ALLOWED_HOSTS="*")
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


@override_settings(DEBUG=False, ALLOWED_HOSTS=["*"])
def test_the_system_check_makes_a_wildcard_host_an_error():
    [message] = allowed_hosts_check(app_configs=None, databases=None)
    assert isinstance(message, Error) and message.id == "isigurt.E001"


@override_settings(SESSION_COOKIE_NAME="__Host-isigurt-session", SESSION_COOKIE_SECURE=False)
def test_a_host_prefixed_cookie_that_browsers_would_drop_is_an_error():
    [message] = host_prefixed_cookies_check(app_configs=None, databases=None)
    assert message.id == "isigurt.E002" and "SECURE" in message.msg


def test_the_deploy_check_says_collectstatic_is_missing(tmp_path: Path):
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        ISIGURT_STATIC_ROOT=str(tmp_path / "empty"),
    )
    assert result.returncode != 0
    assert "isigurt.E003" in result.stderr and "collectstatic" in result.stderr


def test_production_sends_mail_and_links_to_its_https_address():
    code = "from django.conf import settings as s; print(s.EMAIL_BACKEND, s.SITE_URL)"
    result = run(["-c", "import django; django.setup()\n" + code])
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.core.mail.backends.smtp.EmailBackend",
        "https://isigurt.al",
    ]


def test_production_refuses_a_plain_http_site_address():
    result = run(["-c", "import django; django.setup()"], ISIGURT_SITE_URL="http://isigurt.al")
    assert result.returncode != 0
    assert "ISIGURT_SITE_URL" in result.stderr
