"""Second factors: encrypted at rest, never shown after enrolment, only ever reset by an
administrator (audited); roles that read children's data need a second administrator."""

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice as PlainTOTPDevice

from isigurt.accounts.models import Role, RoleGrant, RoleGrantRequest, StaffTOTPDevice, User
from isigurt.accounts.services import (
    AdminActionRefused,
    role_grant_approve,
    role_grant_request,
    user_second_factor_reset,
)
from isigurt.accounts.tests.personas import (
    PERSONA_PASSWORD,
    organisation_for,
    persona,
    totp_code_for,
    totp_device_for,
)
from isigurt.audit.tests.helpers import entries_since, last_entry_id
from isigurt.lib.crypto import DecryptionError

pytestmark = pytest.mark.django_db


def actions_since(entry_id: int) -> list[tuple[str, str]]:
    return [(entry.action, entry.object_id) for entry in entries_since(entry_id)]


def raw_key(device: StaffTOTPDevice) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT key FROM accounts_stafftotpdevice WHERE id = %s", [device.pk])
        return cursor.fetchone()[0]


# --- storage --------------------------------------------------------------------------------


def test_an_authenticator_secret_is_stored_encrypted(operator):
    device = totp_device_for(operator)
    stored = raw_key(device)
    assert stored.startswith("enc1:")
    assert device.key not in stored
    assert len(bytes.fromhex(device.key)) == 20  # the plaintext is django-otp's hex key


def test_key_rotation_re_encrypts_authenticators_and_codes_still_work(operator):
    from django.test import override_settings

    from isigurt.lib.crypto import token_key_id
    from isigurt.lib.rotation import rotate_encryption

    with override_settings(FIELD_ENCRYPTION_KEYS="k1:aXNpZ3VydC10ZXN0LWtleS0xLTMyLWJ5dGVzLW9rISE="):
        device = totp_device_for(operator)
        key = device.key
    assert token_key_id(raw_key(device)) == "k1"
    rotate_encryption(models_to_rotate=[StaffTOTPDevice])
    assert token_key_id(raw_key(device)) == "k2"
    again = StaffTOTPDevice.objects.get(pk=device.pk)
    assert again.key == key
    assert again.verify_token(totp_code_for(again))


def test_a_secret_copied_to_another_device_does_not_open_there(operator, supervisor):
    mine, theirs = totp_device_for(operator), totp_device_for(supervisor)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_stafftotpdevice SET key = %s WHERE id = %s", [raw_key(mine), theirs.pk]
        )
    copied = StaffTOTPDevice.objects.get(pk=theirs.pk)
    with pytest.raises(DecryptionError):
        _ = copied.key


def test_login_with_an_encrypted_authenticator_works_once_per_code(operator):
    device = totp_device_for(operator)
    client = Client()
    client.post(
        reverse("accounts:login"), {"username": operator.username, "password": PERSONA_PASSWORD}
    )
    code = totp_code_for(device)
    assert client.post(reverse("accounts:verify"), {"code": code}).status_code == 302
    assert client.get(reverse("accounts:home")).status_code == 200
    again = Client()
    again.post(
        reverse("accounts:login"), {"username": operator.username, "password": PERSONA_PASSWORD}
    )
    replay = again.post(reverse("accounts:verify"), {"code": code})
    assert replay.status_code == 200  # the same code is refused the second time
    assert again.get(reverse("accounts:home")).status_code == 302  # still not verified


def test_existing_plain_authenticators_move_to_the_encrypted_table(operator, supervisor):
    """The data migration: same secret, plain row gone; backup codes made in the admin gone."""
    from importlib import import_module

    migration = import_module("isigurt.accounts.migrations.0004_authenticators_encrypted")
    plain = PlainTOTPDevice.objects.create(user=operator, name="old", confirmed=True, last_t=7)
    key = plain.key
    StaticDevice.objects.create(user=supervisor, name="backup").token_set.create(token="abc12345")
    migration.forwards(apps, None)
    assert not PlainTOTPDevice.objects.exists()
    assert not StaticDevice.objects.exists()
    moved = StaffTOTPDevice.objects.get(user=operator)
    assert (moved.key, moved.last_t, moved.confirmed) == (key, 7, True)
    assert raw_key(moved).startswith("enc1:")
    migration.backwards(apps, None)
    assert PlainTOTPDevice.objects.get(user=operator).key == key


# --- reset ----------------------------------------------------------------------------------


def test_an_administrator_resets_a_second_factor_and_the_user_enrols_again(
    stats_viewer, platform_admin, staff_client
):
    """A user who reads no children's data: one administrator is enough (a helpline user's
    reset needs a second one, see test_credential_requests.py). The reset is confirmed first
    and ends the user's sessions (it used to leave them open, straight to enrolment)."""
    device = totp_device_for(stats_viewer)
    users_session = staff_client(stats_viewer)
    assert users_session.get(reverse("accounts:home")).status_code == 200
    since = last_entry_id()
    response = staff_client(platform_admin).post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [stats_viewer.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not StaffTOTPDevice.objects.filter(pk=device.pk).exists()
    assert ("user.second_factor_reset", str(stats_viewer.pk)) in actions_since(since)
    # The old session has ended; the next login leads to enrolment.
    assert users_session.get(reverse("accounts:home")).url.startswith(reverse("accounts:login"))
    client = Client()
    client.post(
        reverse("accounts:login"),
        {"username": stats_viewer.username, "password": PERSONA_PASSWORD},
    )
    assert client.get(reverse("accounts:verify")).url == reverse("accounts:enrol")


def test_the_reset_service_removes_backup_codes_too(operator, platform_admin):
    StaticDevice.objects.create(user=operator, name="backup")
    totp_device_for(operator)
    assert user_second_factor_reset(user=operator, actor=platform_admin) == 2
    assert not StaticDevice.objects.filter(user=operator).exists()


def test_a_backup_code_is_never_accepted_at_login(operator):
    """Only the platform's own authenticators count, whatever other device rows exist."""
    totp_device_for(operator)
    StaticDevice.objects.create(user=operator, name="backup").token_set.create(token="123456")
    client = Client()
    client.post(
        reverse("accounts:login"), {"username": operator.username, "password": PERSONA_PASSWORD}
    )
    assert client.post(reverse("accounts:verify"), {"code": "123456"}).status_code == 200
    assert client.get(reverse("accounts:home")).status_code == 302


# --- roles that need two administrators ------------------------------------------------------


@pytest.fixture
def second_admin(platform_admin) -> User:
    return persona("persona.second.admin", Role.PLATFORM_ADMIN, platform_admin.organisation)


def test_an_administrator_alone_cannot_give_themselves_a_helpline_role(
    platform_admin, staff_client
):
    # An administrator who also works at the helpline (else the role would not fit at all).
    platform_admin.organisation = organisation_for("ALO 116", "helpline")
    platform_admin.save()
    client = staff_client(platform_admin)
    response = client.post(
        reverse("admin:accounts_rolegrantrequest_add"),
        {"user": platform_admin.pk, "role": Role.HELPLINE_OPERATOR},
    )
    assert response.status_code == 302
    entry = RoleGrantRequest.objects.get(user=platform_admin)
    assert entry.status == RoleGrantRequest.Status.PENDING
    assert not RoleGrant.objects.filter(user=platform_admin, role=Role.HELPLINE_OPERATOR).exists()
    client.post(
        reverse("admin:accounts_rolegrantrequest_changelist"),
        {"action": "approve", "_selected_action": [entry.pk]},
    )
    entry.refresh_from_db()
    assert entry.status == RoleGrantRequest.Status.PENDING
    assert not RoleGrant.objects.filter(user=platform_admin, role=Role.HELPLINE_OPERATOR).exists()
    with pytest.raises(AdminActionRefused):
        role_grant_approve(entry=entry, actor=platform_admin)


def test_the_user_who_would_receive_the_role_cannot_approve_it(platform_admin, second_admin):
    second_admin.organisation = organisation_for("ALO 116", "helpline")
    second_admin.save()
    entry = role_grant_request(user=second_admin, role=Role.CONTENT_ANALYST, actor=platform_admin)
    with pytest.raises(AdminActionRefused):
        role_grant_approve(entry=entry, actor=second_admin)
    assert not second_admin.role_grants.filter(role=Role.CONTENT_ANALYST).exists()


def test_a_second_administrator_approves_and_both_steps_are_audited(
    platform_admin, second_admin, operator, staff_client
):
    since = last_entry_id()
    staff_client(platform_admin).post(
        reverse("admin:accounts_rolegrantrequest_add"),
        {"user": operator.pk, "role": Role.HELPLINE_SUPERVISOR},
    )
    entry = RoleGrantRequest.objects.get(user=operator)
    assert not operator.role_grants.filter(role=Role.HELPLINE_SUPERVISOR).exists()
    response = staff_client(second_admin).post(
        reverse("admin:accounts_rolegrantrequest_changelist"),
        {"action": "approve", "_selected_action": [entry.pk]},
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.status, entry.decided_by_id) == ("approved", second_admin.pk)
    grant = operator.role_grants.get(role=Role.HELPLINE_SUPERVISOR)
    entries = entries_since(since)
    assert [(e.action, e.actor_id) for e in entries if e.action != "rolegrantrequest.list"] == [
        ("rolegrantrequest.create", platform_admin.pk),
        ("rolegrantrequest.approve", second_admin.pk),
        ("rolegrant.create", second_admin.pk),
    ]
    assert entries[-1].object_id == str(grant.pk)


def test_the_administrator_role_itself_needs_a_second_administrator(platform_admin):
    colleague = persona("persona.colleague", Role.STATISTICS_VIEWER, platform_admin.organisation)
    role_grant_request(user=colleague, role=Role.PLATFORM_ADMIN, actor=platform_admin)
    colleague.refresh_from_db()
    assert not colleague.is_staff and not colleague.has_role(Role.PLATFORM_ADMIN)


def test_a_role_without_access_to_childrens_data_is_granted_at_once(platform_admin, operator):
    entry = role_grant_request(user=operator, role=Role.STATISTICS_VIEWER, actor=platform_admin)
    assert entry.status == RoleGrantRequest.Status.APPROVED
    assert operator.role_grants.filter(role=Role.STATISTICS_VIEWER).exists()


def test_asking_for_a_role_the_user_has_shows_a_message_not_an_error(
    platform_admin, operator, staff_client
):
    response = staff_client(platform_admin).post(
        reverse("admin:accounts_rolegrantrequest_add"),
        {"user": operator.pk, "role": Role.HELPLINE_OPERATOR},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()  # shown on the form
    assert not RoleGrantRequest.objects.exists()


# --- a role must fit the user's organisation -------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "role"),
    [
        ("editor", Role.HELPLINE_OPERATOR),  # CRCA staff must not read every helpline report
        ("editor", Role.INSTITUTION_OFFICER),
        ("operator", Role.INSTITUTION_OFFICER),
        ("police_officer", Role.BLOCKING_OFFICER),
        ("operator", Role.PLATFORM_ADMIN),
        ("municipality_officer", Role.YOUTH_COORDINATOR),
    ],
)
def test_a_role_that_does_not_fit_the_organisation_is_refused_with_a_reason(
    request, platform_admin, staff_client, fixture, role
):
    user = request.getfixturevalue(fixture)
    with pytest.raises(AdminActionRefused):
        role_grant_request(user=user, role=role, actor=platform_admin)
    response = staff_client(platform_admin).post(
        reverse("admin:accounts_rolegrantrequest_add"), {"user": user.pk, "role": role}
    )
    assert response.status_code == 200
    [error] = response.context["adminform"].form.non_field_errors()
    assert str(Role(role).label) in error
    assert not RoleGrantRequest.objects.exists()
    assert not user.role_grants.filter(role=role).exists()


@pytest.mark.parametrize(
    ("fixture", "role"),
    [
        ("supervisor", Role.HELPLINE_OPERATOR),
        ("police_officer", Role.STATISTICS_VIEWER),
        ("editor", Role.TRAINER),
        ("blocking_officer", Role.INSTITUTION_OFFICER),
    ],
)
def test_a_role_that_fits_the_organisation_is_accepted(request, platform_admin, fixture, role):
    user = request.getfixturevalue(fixture)
    entry = role_grant_request(user=user, role=role, actor=platform_admin)
    assert entry.role == role


def test_the_demo_users_roles_all_fit_their_organisations(settings):
    from isigurt.accounts.models import role_fits_organisation
    from isigurt.accounts.services import demo_seed

    settings.DEMO_MODE = True
    demo_seed()
    for grant in RoleGrant.objects.select_related("user__organisation"):
        assert role_fits_organisation(grant.role, grant.user.organisation), grant


def test_a_helpline_user_cannot_be_moved_to_another_organisation_with_the_role(
    operator, editor, platform_admin, staff_client
):
    from isigurt.accounts.tests.test_audit_events import user_change_data

    grant = operator.role_grants.get()
    data = user_change_data(operator, [(grant.pk, grant.role)], organisation=editor.organisation_id)
    response = staff_client(platform_admin).post(
        reverse("admin:accounts_user_change", args=[operator.pk]), data
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["organisation"]
    operator.refresh_from_db()
    assert operator.organisation.kind == "helpline"


def test_a_request_is_not_approved_once_the_role_no_longer_fits(
    operator, editor, platform_admin, second_admin
):
    entry = role_grant_request(user=operator, role=Role.HELPLINE_SUPERVISOR, actor=platform_admin)
    User.objects.filter(pk=operator.pk).update(organisation=editor.organisation)
    with pytest.raises(AdminActionRefused):
        role_grant_approve(entry=entry, actor=second_admin)
    assert not operator.role_grants.filter(role=Role.HELPLINE_SUPERVISOR).exists()


# --- confirmations and the admin's home page ------------------------------------------------


def test_approving_and_rejecting_a_role_request_say_so(
    operator, platform_admin, second_admin, staff_client
):
    approved = role_grant_request(
        user=operator, role=Role.HELPLINE_SUPERVISOR, actor=platform_admin
    )
    rejected = role_grant_request(user=operator, role=Role.CONTENT_ANALYST, actor=platform_admin)
    client = staff_client(second_admin)
    changelist = reverse("admin:accounts_rolegrantrequest_changelist")
    for action, entry in (("approve", approved), ("reject", rejected)):
        response = client.post(
            changelist, {"action": action, "_selected_action": [entry.pk]}, follow=True
        )
        [message] = [(m.level_tag, str(m)) for m in response.context["messages"]]
        assert message[0] == "success", message
        assert operator.username in message[1]


def test_the_admin_home_counts_the_requests_waiting(operator, platform_admin, staff_client):
    role_grant_request(user=operator, role=Role.HELPLINE_SUPERVISOR, actor=platform_admin)
    role_grant_request(user=operator, role=Role.CONTENT_ANALYST, actor=platform_admin)
    response = staff_client(platform_admin).get(reverse("admin:index"))
    assert response.status_code == 200
    assert (
        response.context["pending_requests"].roles,
        response.context["pending_requests"].credentials,
    ) == (2, 0)
    assert reverse("admin:accounts_rolegrantrequest_changelist") in response.content.decode()
