"""The real two-step login: password, then the TOTP code (or enrolment), then staff home."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from isigurt.accounts.models import StaffTOTPDevice as TOTPDevice
from isigurt.accounts.models import User
from isigurt.accounts.tests.personas import PERSONA_PASSWORD, totp_code_for, totp_device_for

pytestmark = pytest.mark.django_db


def sign_in_password(client: Client, user: User, password: str = PERSONA_PASSWORD, **extra):
    return client.post(
        reverse("accounts:login"),
        {"username": user.username, "password": password},
        **extra,
    )


def sign_in_fully(client: Client, user: User) -> None:
    device = totp_device_for(user)
    assert sign_in_password(client, user).status_code == 302
    response = client.post(reverse("accounts:verify"), {"code": totp_code_for(device)})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:home")


def session_key(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def test_it_shows_the_login_form_to_anyone():
    response = Client().get(reverse("accounts:login"))
    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b'name="password"' in response.content


def test_it_sends_a_correct_password_to_the_code_step_not_home(operator):
    totp_device_for(operator)
    client = Client()
    response = sign_in_password(client, operator)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:verify")
    home = client.get(reverse("accounts:home"))
    assert home.status_code == 302
    assert home["Location"] == reverse("accounts:verify")


def test_it_signs_in_with_password_and_code_and_shows_the_roles(operator):
    client = Client()
    sign_in_fully(client, operator)
    response = client.get(reverse("accounts:home"))
    assert response.status_code == 200
    assert "Helpline operator" in response.content.decode()


def test_it_refuses_a_wrong_code_and_stays_on_the_code_step(operator):
    device = totp_device_for(operator)
    client = Client()
    sign_in_password(client, operator)
    wrong = str((int(totp_code_for(device)) + 1) % 1_000_000).zfill(6)
    response = client.post(reverse("accounts:verify"), {"code": wrong})
    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert client.get(reverse("accounts:home")).status_code == 302


def test_it_refuses_a_code_that_was_already_used(operator):
    device = totp_device_for(operator)
    code = totp_code_for(device)
    first = Client()
    assert sign_in_password(first, operator).status_code == 302
    assert first.post(reverse("accounts:verify"), {"code": code}).status_code == 302
    assert first.get(reverse("accounts:home")).status_code == 200

    replay = Client()
    assert sign_in_password(replay, operator).status_code == 302
    response = replay.post(reverse("accounts:verify"), {"code": code})
    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert replay.get(reverse("accounts:home")).status_code == 302


def test_it_gives_a_new_session_id_at_login_and_at_verification(operator):
    device = totp_device_for(operator)
    client = Client()
    client.get(reverse("accounts:login"))
    session = client.session
    session["probe"] = "before login"
    session.save()
    before = session.session_key
    sign_in_password(client, operator)
    after_password = session_key(client)
    assert after_password != before
    client.post(reverse("accounts:verify"), {"code": totp_code_for(device)})
    assert session_key(client) not in {before, after_password}


def test_it_returns_to_the_page_asked_for_after_both_steps(operator):
    device = totp_device_for(operator)
    client = Client()
    wanted = reverse("accounts:home") + "?from=link"
    client.post(
        reverse("accounts:login"),
        {"username": operator.username, "password": PERSONA_PASSWORD, "next": wanted},
    )
    response = client.post(reverse("accounts:verify"), {"code": totp_code_for(device)})
    assert response["Location"] == wanted


def test_it_never_redirects_to_another_site_after_login(operator):
    device = totp_device_for(operator)
    client = Client()
    client.post(
        reverse("accounts:login"),
        {
            "username": operator.username,
            "password": PERSONA_PASSWORD,
            "next": "https://evil.example/",
        },
    )
    response = client.post(reverse("accounts:verify"), {"code": totp_code_for(device)})
    assert response["Location"] == reverse("accounts:home")


def test_it_sends_a_user_without_authenticator_to_enrolment(supervisor):
    client = Client()
    sign_in_password(client, supervisor)
    response = client.get(reverse("accounts:verify"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:enrol")


def test_it_shows_a_server_rendered_qr_code_and_the_secret_at_enrolment(supervisor):
    client = Client()
    sign_in_password(client, supervisor)
    response = client.get(reverse("accounts:enrol"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html
    assert "<script" not in html.split("<main", 1)[1].split("</main>", 1)[0]
    device = TOTPDevice.objects.get(user=supervisor, confirmed=False)
    assert response.context["secret"].replace(" ", "") in html.replace(" ", "")
    # Reloading the page keeps the same secret, so a scanned code stays valid.
    client.get(reverse("accounts:enrol"))
    assert TOTPDevice.objects.filter(user=supervisor).count() == 1
    assert TOTPDevice.objects.get(user=supervisor).key == device.key


def test_it_confirms_enrolment_with_a_code_and_signs_in(supervisor):
    client = Client()
    sign_in_password(client, supervisor)
    client.get(reverse("accounts:enrol"))
    device = TOTPDevice.objects.get(user=supervisor, confirmed=False)
    response = client.post(reverse("accounts:enrol"), {"code": totp_code_for(device)})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:home")
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("accounts:home")).status_code == 200


def test_it_refuses_enrolment_with_a_wrong_code(supervisor):
    client = Client()
    sign_in_password(client, supervisor)
    client.get(reverse("accounts:enrol"))
    device = TOTPDevice.objects.get(user=supervisor, confirmed=False)
    wrong = str((int(totp_code_for(device)) + 1) % 1_000_000).zfill(6)
    response = client.post(reverse("accounts:enrol"), {"code": wrong})
    assert response.status_code == 200
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get(reverse("accounts:home")).status_code == 302


def test_it_does_not_offer_enrolment_to_a_user_who_has_an_authenticator(operator):
    totp_device_for(operator)
    client = Client()
    sign_in_password(client, operator)
    response = client.get(reverse("accounts:enrol"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:verify")
    assert TOTPDevice.objects.filter(user=operator).count() == 1


def test_it_refuses_logout_by_get(staff_client, operator):
    client = staff_client(operator)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.get(reverse("accounts:home")).status_code == 200


def test_it_ends_the_session_on_the_server_at_logout(operator):
    client = Client()
    sign_in_fully(client, operator)
    old_cookie = session_key(client)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302

    stolen = Client()
    stolen.cookies[settings.SESSION_COOKIE_NAME] = old_cookie
    response = stolen.get(reverse("accounts:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_it_links_reports_on_home_only_where_that_page_exists(staff_client, operator):
    from django.urls import NoReverseMatch

    response = staff_client(operator).get(reverse("accounts:home"))
    try:
        reports_url = reverse("reports:staff_list")
    except NoReverseMatch:
        assert "Reports</a>" not in response.content.decode()
    else:
        assert f'href="{reports_url}"' in response.content.decode()


def test_it_shows_a_verified_user_home_from_the_login_page(staff_client, operator):
    response = staff_client(operator).get(reverse("accounts:login"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:home")
