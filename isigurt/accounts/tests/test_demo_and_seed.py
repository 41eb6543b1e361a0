"""Demo mode (codes on the login page), seed_demo, create_platform_admin, production guard."""

import os
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings
from django.urls import reverse

from isigurt.accounts.models import Organisation, OrganisationType, Role, RoleGrant, User
from isigurt.accounts.models import StaffTOTPDevice as TOTPDevice
from isigurt.accounts.services import (
    DEMO_PASSWORD,
    DEMO_USERS,
    demo_seed,
    totp_current_token,
)
from isigurt.geography.models import County, Municipality

pytestmark = pytest.mark.django_db


def seed() -> None:
    with override_settings(DEMO_MODE=True):
        demo_seed()


def test_the_demo_password_is_long_enough():
    assert len(DEMO_PASSWORD) >= 12


@override_settings(DEMO_MODE=True)
def test_the_login_page_lists_every_demo_user_with_the_code_that_works_now():
    demo_seed()
    page = Client().get(reverse("accounts:login")).content.decode()
    assert DEMO_PASSWORD in page
    for demo in DEMO_USERS:
        user = User.objects.get(username=demo.username)
        device = TOTPDevice.objects.get(user=user, confirmed=True)
        assert demo.username in page
        assert totp_current_token(device=device) in page


@override_settings(DEMO_MODE=True)
def test_a_newcomer_signs_in_as_a_demo_role_with_what_the_login_page_shows():
    demo_seed()
    client = Client()
    rows = Client().get(reverse("accounts:login")).context["demo_logins"]
    analyst = next(row for row in rows if row.username == "analyst")
    client.post(
        reverse("accounts:login"), {"username": analyst.username, "password": analyst.password}
    )
    response = client.post(reverse("accounts:verify"), {"code": analyst.code})
    assert response["Location"] == reverse("accounts:home")
    assert client.get(reverse("accounts:home")).status_code == 200
    # The page then offers the next code, never the one just used.
    again = Client().get(reverse("accounts:login")).context["demo_logins"]
    assert next(row for row in again if row.username == "analyst").code != analyst.code


@override_settings(DEMO_MODE=False)
def test_the_login_page_shows_no_demo_logins_outside_demo_mode():
    seed()
    response = Client().get(reverse("accounts:login"))
    page = response.content.decode()
    assert response.context["demo_logins"] == []
    assert DEMO_PASSWORD not in page
    for demo in DEMO_USERS:
        assert demo.username not in page


@override_settings(DEMO_MODE=True)
def test_seed_demo_creates_every_organisation_and_one_user_per_role():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "61 child protection units" in out.getvalue()
    cpus = Organisation.objects.filter(kind=OrganisationType.CHILD_PROTECTION_UNIT)
    assert cpus.count() == Municipality.objects.count() == 61
    for cpu in cpus.select_related("municipality"):
        assert cpu.county_id == cpu.municipality.county_id
    networks = Organisation.objects.filter(kind=OrganisationType.YOUTH_NETWORK)
    assert networks.count() == County.objects.count() == 12
    assert set(Organisation.objects.values_list("kind", flat=True)) == set(OrganisationType.values)
    demo_users = User.objects.filter(username__in=[demo.username for demo in DEMO_USERS])
    granted = set(RoleGrant.objects.filter(user__in=demo_users).values_list("role", flat=True))
    assert granted == set(Role.values)
    for user in demo_users:
        assert user.organisation_id is not None
        assert user.check_password(DEMO_PASSWORD)
        assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 1
    tirana_cpu = User.objects.get(username="cpu.tirana").organisation
    assert tirana_cpu.kind == OrganisationType.CHILD_PROTECTION_UNIT
    assert tirana_cpu.municipality.name == "Tiranë"


@override_settings(DEMO_MODE=True)
def test_seed_demo_can_run_twice_without_duplicates():
    def counts() -> tuple[int, ...]:
        return (
            Organisation.objects.count(),
            User.objects.count(),
            RoleGrant.objects.count(),
            TOTPDevice.objects.count(),
        )

    call_command("seed_demo", stdout=StringIO())
    keys = {d.user.username: d.key for d in TOTPDevice.objects.select_related("user")}
    first = counts()
    call_command("seed_demo", stdout=StringIO())
    assert counts() == first
    assert {d.user.username: d.key for d in TOTPDevice.objects.select_related("user")} == keys


@override_settings(DEMO_MODE=False)
def test_seed_demo_refuses_outside_demo_mode():
    with pytest.raises(CommandError):
        call_command("seed_demo", stdout=StringIO())
    assert not User.objects.exists()


def _import_production(demo_mode: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "ISIGURT_DEMO_MODE"}
    }
    env.update(
        SECRET_KEY="Zq8-rT3vW9_kL2mN7pX4cB6hJ1dF5gS0aE8uY3iO7wQ2tR9vXk4m",
        FIELD_ENCRYPTION_KEYS=settings.FIELD_ENCRYPTION_KEYS,
        BLIND_INDEX_KEYS="b1:" + "C" * 43 + "=",
        AUDIT_SIGNING_KEY="B" * 43 + "=",
        REDIS_URL="redis://127.0.0.1:6379/0",
        ISIGURT_DEMO_MODE=demo_mode,
    )
    code = "import isigurt.settings.production as p; print('DEMO_MODE', p.DEMO_MODE)"
    return subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_settings_refuse_demo_mode():
    refused = _import_production("true")
    assert refused.returncode != 0
    assert "Demo mode cannot run with production settings" in refused.stderr


def test_production_settings_turn_demo_mode_off_when_not_asked_for():
    allowed = _import_production("")
    assert allowed.returncode == 0, allowed.stderr
    assert "DEMO_MODE False" in allowed.stdout


def test_create_platform_admin_makes_an_administrator_who_enrols_at_first_login(monkeypatch):
    monkeypatch.setenv("ISIGURT_ADMIN_PASSWORD", "first admin password")
    out = StringIO()
    call_command(
        "create_platform_admin", "--username", "first.admin", "--email", "a@example.org", stdout=out
    )
    assert "first.admin" in out.getvalue()
    admin = User.objects.get(username="first.admin")
    assert admin.has_role(Role.PLATFORM_ADMIN)
    assert admin.is_staff
    assert admin.organisation.kind == OrganisationType.PLATFORM
    assert not TOTPDevice.objects.filter(user=admin).exists()
    client = Client()
    client.post(
        reverse("accounts:login"), {"username": "first.admin", "password": "first admin password"}
    )
    assert client.get(reverse("accounts:verify"))["Location"] == reverse("accounts:enrol")


def test_create_platform_admin_refuses_a_short_password(monkeypatch):
    monkeypatch.setenv("ISIGURT_ADMIN_PASSWORD", "short")
    with pytest.raises(CommandError):
        call_command(
            "create_platform_admin",
            "--username",
            "a",
            "--email",
            "a@example.org",
            stdout=StringIO(),
        )
    assert not User.objects.filter(username="a").exists()
