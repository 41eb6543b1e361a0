"""One administrator alone cannot take over a helpline account: a new password or a
second-factor reset for a user who reads children's data waits for a second administrator;
an applied change ends every session of the user."""

import pytest
from django.test import Client
from django.urls import reverse

from isigurt.accounts.models import CredentialRequest, Role, StaffTOTPDevice, User
from isigurt.accounts.services import (
    AdminActionRefused,
    credential_request_approve,
    credential_request_create,
    user_second_factor_reset,
)
from isigurt.accounts.tests.personas import PERSONA_PASSWORD, persona, totp_device_for
from isigurt.audit.tests.helpers import entries_since, last_entry_id

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a brand new long password 77"


@pytest.fixture
def second_admin(platform_admin) -> User:
    return persona("persona.second.admin", Role.PLATFORM_ADMIN, platform_admin.organisation)


def set_password(client: Client, user: User):
    return client.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )


def reset_second_factor(client: Client, user: User):
    return client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [user.pk], "post": "yes"},
    )


def password_login(username: str, password: str) -> Client:
    client = Client()
    client.post(reverse("accounts:login"), {"username": username, "password": password})
    return client


def test_one_administrator_alone_cannot_take_over_a_helpline_account(
    supervisor, platform_admin, staff_client
):
    device = totp_device_for(supervisor)
    admin = staff_client(platform_admin)
    assert set_password(admin, supervisor).status_code == 302
    assert reset_second_factor(admin, supervisor).status_code == 302
    supervisor.refresh_from_db()
    assert supervisor.check_password(PERSONA_PASSWORD)
    assert not supervisor.check_password(NEW_PASSWORD)
    assert StaffTOTPDevice.objects.filter(pk=device.pk).exists()
    # The new password opens nothing, and nobody can enrol a new authenticator.
    client = password_login(supervisor.username, NEW_PASSWORD)
    assert client.get(reverse("accounts:enrol")).status_code == 302
    assert "_auth_user_id" not in client.session
    assert set(CredentialRequest.objects.filter(user=supervisor).values_list("kind", "status")) == {
        ("password", "pending"),
        ("second_factor", "pending"),
    }
    # The administrator who asked cannot approve either request.
    for entry in CredentialRequest.objects.all():
        with pytest.raises(AdminActionRefused):
            credential_request_approve(entry=entry, actor=platform_admin)
    admin.post(
        reverse("admin:accounts_credentialrequest_changelist"),
        {"action": "approve", "_selected_action": [e.pk for e in CredentialRequest.objects.all()]},
    )
    assert not CredentialRequest.objects.exclude(status="pending").exists()
    supervisor.refresh_from_db()
    assert supervisor.check_password(PERSONA_PASSWORD)


def test_the_user_concerned_cannot_approve_their_own_reset(platform_admin, second_admin):
    entry = credential_request_create(
        user=second_admin, kind=CredentialRequest.Kind.SECOND_FACTOR, actor=platform_admin
    )
    assert entry is not None  # an administrator's account is four-eyes too
    with pytest.raises(AdminActionRefused):
        credential_request_approve(entry=entry, actor=second_admin)


def test_a_second_administrator_approves_and_the_change_is_made_and_audited(
    supervisor, platform_admin, second_admin, staff_client
):
    totp_device_for(supervisor)
    since = last_entry_id()
    set_password(staff_client(platform_admin), supervisor)
    entry = CredentialRequest.objects.get(user=supervisor)
    assert entry.password_hash and NEW_PASSWORD not in entry.password_hash
    response = staff_client(second_admin).post(
        reverse("admin:accounts_credentialrequest_changelist"),
        {"action": "approve", "_selected_action": [entry.pk]},
    )
    assert response.status_code == 302
    supervisor.refresh_from_db()
    assert supervisor.check_password(NEW_PASSWORD)
    entry.refresh_from_db()
    assert (entry.status, entry.decided_by_id, entry.password_hash) == (
        "approved",
        second_admin.pk,
        "",
    )
    actions = [
        (e.action, e.actor_id) for e in entries_since(since) if not e.action.endswith(".list")
    ]
    assert actions == [
        ("credentialrequest.create", platform_admin.pk),
        ("user.update", second_admin.pk),
        ("credentialrequest.approve", second_admin.pk),
    ]


def test_a_user_without_access_to_childrens_data_gets_the_change_at_once(
    stats_viewer, platform_admin, staff_client
):
    set_password(staff_client(platform_admin), stats_viewer)
    stats_viewer.refresh_from_db()
    assert stats_viewer.check_password(NEW_PASSWORD)
    assert not CredentialRequest.objects.exists()


def test_an_administrator_changes_their_own_password_at_once(platform_admin, staff_client):
    client = staff_client(platform_admin)
    assert set_password(client, platform_admin).status_code == 302
    platform_admin.refresh_from_db()
    assert platform_admin.check_password(NEW_PASSWORD)
    assert not CredentialRequest.objects.exists()
    assert client.get(reverse("admin:index")).status_code == 200  # still signed in


# --- an applied change ends every session -------------------------------------------------


def test_a_second_factor_reset_ends_every_session_of_the_user(
    operator, platform_admin, staff_client, password_only_client
):
    verified, half = staff_client(operator), password_only_client(operator)
    assert verified.get(reverse("accounts:home")).status_code == 200
    user_second_factor_reset(user=operator, actor=platform_admin)
    for client in (verified, half):
        # No enrolment without the password: the session is gone.
        response = client.get(reverse("accounts:enrol"))
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))
        assert "_auth_user_id" not in client.session


def test_an_approved_password_ends_every_session_of_the_user(
    operator, platform_admin, second_admin, staff_client
):
    session = staff_client(operator)
    set_password(staff_client(platform_admin), operator)
    assert session.get(reverse("accounts:home")).status_code == 200  # nothing until approved
    credential_request_approve(
        entry=CredentialRequest.objects.get(user=operator), actor=second_admin
    )
    assert session.get(reverse("accounts:home")).url.startswith(reverse("accounts:login"))


def test_the_reset_action_asks_for_confirmation_first(operator, platform_admin, staff_client):
    device = totp_device_for(operator)
    response = staff_client(platform_admin).post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [operator.pk]},
    )
    assert response.status_code == 200
    assert operator.username in response.content.decode()
    assert 'name="post" value="yes"' in response.content.decode()
    assert StaffTOTPDevice.objects.filter(pk=device.pk).exists()
    assert not CredentialRequest.objects.exists()
