"""Staff pages tell the truth: the code page shows the demo code, every page can sign out."""

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from isigurt.accounts.services import DEMO_PASSWORD, demo_seed
from isigurt.accounts.tests.personas import totp_device_for

pytestmark = pytest.mark.django_db


def _signed_in_with_password(username: str) -> Client:
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": username, "password": DEMO_PASSWORD}
    )
    assert response["Location"] == reverse("accounts:verify")
    return client


@override_settings(DEMO_MODE=True)
def test_the_code_page_shows_the_demo_code_that_signs_in():
    demo_seed()
    client = _signed_in_with_password("supervisor")
    page = client.get(reverse("accounts:verify"))
    code = page.context["demo_code"]
    assert len(code) == 6 and code in page.content.decode()
    response = client.post(reverse("accounts:verify"), {"code": code})
    assert response["Location"] == reverse("accounts:home")


@override_settings(DEMO_MODE=True)
def test_the_code_page_can_sign_out():
    demo_seed()
    client = _signed_in_with_password("operator")
    page = client.get(reverse("accounts:verify")).content.decode()
    assert f'action="{reverse("accounts:logout")}"' in page
    assert f'href="{reverse("accounts:home")}"' not in page  # not reachable before the code
    client.post(reverse("accounts:logout"))
    assert "_auth_user_id" not in client.session


@override_settings(DEMO_MODE=False)
def test_the_code_page_shows_no_code_outside_demo_mode(operator, password_only_client):
    totp_device_for(operator)
    page = password_only_client(operator).get(reverse("accounts:verify"))
    assert page.context["demo_code"] == ""
    assert "demo-code" not in page.content.decode()


@override_settings(DEMO_MODE=True)
def test_the_code_page_shows_no_code_for_an_account_outside_the_demo_set(
    operator, password_only_client
):
    totp_device_for(operator)
    page = password_only_client(operator).get(reverse("accounts:verify"))
    assert page.context["demo_code"] == ""


def test_a_post_to_the_staff_home_is_refused(staff_client, operator):
    assert staff_client(operator).post(reverse("accounts:home")).status_code == 405
