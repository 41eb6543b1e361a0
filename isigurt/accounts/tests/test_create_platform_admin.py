"""create_platform_admin: a working sign-in address, a checked email, no traceback without a TTY."""

import getpass
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from isigurt.accounts.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "first admin password"


def create(*args: str) -> str:
    out = StringIO()
    call_command("create_platform_admin", *args, stdout=out)
    return out.getvalue()


def test_it_names_the_staff_login_page_that_exists(monkeypatch):
    monkeypatch.setenv("ISIGURT_ADMIN_PASSWORD", PASSWORD)
    output = create("--username", "first.admin", "--email", "first@example.org")
    with translation.override(settings.LANGUAGE_CODE):
        login_url = reverse("accounts:login")
        expected = gettext(
            "Platform administrator %(username)s created. Sign in at %(url)s and set up "
            "the authenticator app when asked (first sign-in)."
        ) % {"username": "first.admin", "url": login_url}
    assert output.strip() == expected
    assert Client().get(login_url).status_code == 200


def test_it_refuses_an_email_address_that_is_not_one(monkeypatch):
    monkeypatch.setenv("ISIGURT_ADMIN_PASSWORD", PASSWORD)
    with pytest.raises(CommandError) as refused:
        create("--username", "first.admin", "--email", "not an address")
    with translation.override(settings.LANGUAGE_CODE):
        expected = gettext("The email address is not valid. Give it as name@example.org.")
    assert str(refused.value) == expected
    assert not User.objects.filter(username="first.admin").exists()


def test_it_explains_instead_of_a_traceback_when_no_password_can_be_read(monkeypatch):
    """With no terminal and stdin at its end, getpass raises EOFError."""

    def no_terminal(prompt: str = "") -> str:
        raise EOFError

    monkeypatch.delenv("ISIGURT_ADMIN_PASSWORD", raising=False)
    monkeypatch.setattr(getpass, "getpass", no_terminal)
    with pytest.raises(CommandError) as refused:
        create("--username", "first.admin", "--email", "first@example.org")
    assert "ISIGURT_ADMIN_PASSWORD" in str(refused.value)
    assert not User.objects.filter(username="first.admin").exists()
