"""S12 for accounts: every login step, account change and admin edit leaves one audit entry,
written in the same transaction as the change, with identifiers and field names only."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection
from django.test import Client, override_settings
from django.urls import reverse

from isigurt.accounts.models import ApiToken, LoginAttempt, Organisation, Role, RoleGrant, User
from isigurt.accounts.models import StaffTOTPDevice as TOTPDevice
from isigurt.accounts.services import (
    DEMO_USERS,
    platform_admin_create,
    user_admin_flags_sync,
    user_create,
)
from isigurt.accounts.tests.personas import PERSONA_PASSWORD, totp_code_for, totp_device_for
from isigurt.audit.models import AuditEntry
from isigurt.audit.tests.helpers import entries_since, last_entry_id

pytestmark = pytest.mark.django_db

ADDRESS = "198.51.100.23"  # TEST-NET-2: only ever a META value here
WRONG_PASSWORD = "wrong-password-123"
UNKNOWN = "nobody.with.this.name"


def password_step(client: Client, username: str, password: str):
    return client.post(
        reverse("accounts:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=ADDRESS,
    )


def wrong_code(device) -> str:
    return str((int(totp_code_for(device)) + 500_000) % 1_000_000).zfill(6)


def assert_no_values(entry: AuditEntry, *values: str) -> None:
    """Neither the identifying columns nor the field list hold a typed value."""
    for value in values:
        assert value not in entry.object_id
        assert value not in entry.object_type
        assert value not in str(entry.fields)


def assert_login_entry(entry: AuditEntry, action: str, user: User | None, actor: User | None):
    assert entry.action == action
    assert entry.actor_id == (actor.pk if actor else None)
    assert entry.actor_label == (actor.username if actor else "")
    if user is None:
        assert (entry.object_type, entry.object_id) == ("", "")
    else:
        assert (entry.object_type, entry.object_id) == ("accounts.user", str(user.pk))
    assert entry.fields == []
    assert entry.ip == ADDRESS


# --- the password step ----------------------------------------------------------------------


def test_a_correct_password_writes_one_login_success_entry(operator):
    totp_device_for(operator)
    since = last_entry_id()
    assert password_step(Client(), operator.username, PERSONA_PASSWORD).status_code == 302
    [entry] = entries_since(since)
    assert_login_entry(entry, "login.success", operator, actor=operator)
    assert_no_values(entry, PERSONA_PASSWORD)


def test_a_wrong_password_writes_one_failure_naming_the_account_but_no_actor(operator):
    since = last_entry_id()
    assert password_step(Client(), operator.username, WRONG_PASSWORD).status_code == 200
    [entry] = entries_since(since)
    assert_login_entry(entry, "login.failure", operator, actor=None)
    assert_no_values(entry, operator.username, WRONG_PASSWORD)


def test_an_unknown_username_writes_one_failure_with_no_object_and_nothing_typed(operator):
    since = last_entry_id()
    assert password_step(Client(), UNKNOWN, WRONG_PASSWORD).status_code == 200
    [entry] = entries_since(since)
    assert_login_entry(entry, "login.failure", None, actor=None)
    row = str(AuditEntry.objects.filter(pk=entry.pk).values().get())
    assert UNKNOWN not in row
    assert WRONG_PASSWORD not in row


def test_the_failure_that_locks_the_pair_writes_one_locked_entry(operator):
    since = last_entry_id()
    for _ in range(5):
        assert password_step(Client(), operator.username, WRONG_PASSWORD).status_code == 200
    actions = [entry.action for entry in entries_since(since)]
    assert actions == ["login.failure"] * 5 + ["login.locked"]
    locked = entries_since(since)[-1]
    assert_login_entry(locked, "login.locked", operator, actor=None)
    # Refused while locked: nothing is looked at, and nothing more is written.
    assert password_step(Client(), operator.username, PERSONA_PASSWORD).status_code == 429
    assert len(entries_since(since)) == 6


def test_an_unknown_username_locks_with_an_entry_that_names_nobody(db):
    since = last_entry_id()
    for _ in range(5):
        password_step(Client(), UNKNOWN, WRONG_PASSWORD)
    locked = entries_since(since)[-1]
    assert_login_entry(locked, "login.locked", None, actor=None)


def test_the_login_and_its_entry_succeed_or_fail_together(operator):
    def audit_down(execute, sql, params, many, context):
        if AuditEntry._meta.db_table in sql and sql.lstrip().upper().startswith("INSERT"):
            raise DatabaseError("the audit table is unavailable")
        return execute(sql, params, many, context)

    client = Client(raise_request_exception=False)
    with connection.execute_wrapper(audit_down):
        response = password_step(client, operator.username, PERSONA_PASSWORD)
    assert response.status_code >= 500
    assert "_auth_user_id" not in client.session
    operator.refresh_from_db()
    assert operator.last_login is None
    assert not LoginAttempt.objects.exists()


# --- the second factor, enrolment and logout ------------------------------------------------


def test_a_right_code_writes_one_verified_entry(operator):
    device = totp_device_for(operator)
    client = Client()
    password_step(client, operator.username, PERSONA_PASSWORD)
    since = last_entry_id()
    response = client.post(
        reverse("accounts:verify"), {"code": totp_code_for(device)}, REMOTE_ADDR=ADDRESS
    )
    assert response.status_code == 302
    [entry] = entries_since(since)
    assert_login_entry(entry, "login.verified", operator, actor=operator)


def test_a_wrong_code_writes_one_failure_and_the_fifth_a_lock(operator):
    device = totp_device_for(operator)
    client = Client()
    password_step(client, operator.username, PERSONA_PASSWORD)
    since = last_entry_id()
    code = wrong_code(device)
    client.post(reverse("accounts:verify"), {"code": code}, REMOTE_ADDR=ADDRESS)
    [entry] = entries_since(since)
    assert_login_entry(entry, "login.second_factor_failure", operator, actor=operator)
    assert_no_values(entry, code)
    for _ in range(4):
        client.post(reverse("accounts:verify"), {"code": code}, REMOTE_ADDR=ADDRESS)
    actions = [e.action for e in entries_since(since)]
    assert actions == ["login.second_factor_failure"] * 5 + ["login.locked"]


def test_confirming_an_authenticator_writes_enrolled_then_verified(supervisor):
    client = Client()
    password_step(client, supervisor.username, PERSONA_PASSWORD)
    client.get(reverse("accounts:enrol"))
    device = TOTPDevice.objects.get(user=supervisor, confirmed=False)
    since = last_entry_id()
    response = client.post(
        reverse("accounts:enrol"), {"code": totp_code_for(device)}, REMOTE_ADDR=ADDRESS
    )
    assert response.status_code == 302
    enrolled, verified = entries_since(since)
    assert_login_entry(enrolled, "user.second_factor_enrolled", supervisor, actor=supervisor)
    assert_login_entry(verified, "login.verified", supervisor, actor=supervisor)


def test_a_wrong_enrolment_code_records_a_failure_and_no_enrolment(supervisor):
    client = Client()
    password_step(client, supervisor.username, PERSONA_PASSWORD)
    client.get(reverse("accounts:enrol"))
    since = last_entry_id()
    client.post(reverse("accounts:enrol"), {"code": "000000"}, REMOTE_ADDR=ADDRESS)
    assert [e.action for e in entries_since(since)] == ["login.second_factor_failure"]


def test_logout_writes_one_entry_by_the_user(staff_client, operator):
    client = staff_client(operator)
    since = last_entry_id()
    assert client.post(reverse("accounts:logout"), REMOTE_ADDR=ADDRESS).status_code == 302
    [entry] = entries_since(since)
    assert_login_entry(entry, "login.logout", operator, actor=operator)


def test_logout_without_a_session_writes_nothing(db):
    since = last_entry_id()
    Client().post(reverse("accounts:logout"))
    assert entries_since(since) == []


# --- accounts made by services and commands -------------------------------------------------


def test_user_create_writes_one_entry_with_the_field_names(operator, platform_admin):
    since = last_entry_id()
    user = user_create(
        username="new.officer",
        password=PERSONA_PASSWORD,
        organisation=operator.organisation,
        roles=[Role.HELPLINE_OPERATOR],
        email="new.officer@example.org",
        actor=platform_admin,
    )
    [entry] = entries_since(since)
    assert entry.action == "user.create"
    assert entry.actor_id == platform_admin.pk
    assert (entry.object_type, entry.object_id) == ("accounts.user", str(user.pk))
    assert set(entry.fields) >= {"username", "password", "email", "organisation", "role_grants"}
    assert_no_values(entry, "new.officer", PERSONA_PASSWORD, "example.org")


def test_platform_admin_create_writes_one_user_create_entry(db):
    since = last_entry_id()
    admin = platform_admin_create(
        username="first.admin", email="first@example.org", password="first admin password"
    )
    [entry] = entries_since(since)
    assert (entry.action, entry.actor_id) == ("user.create", None)
    assert entry.object_id == str(admin.pk)
    assert {"is_staff", "is_superuser", "role_grants"} <= set(entry.fields)
    assert_no_values(entry, "first.admin", "first admin password", "first@example.org")


@override_settings(DEMO_MODE=True)
def test_seed_demo_writes_one_seed_entry_and_one_entry_per_created_user():
    since = last_entry_id()
    call_command("seed_demo", stdout=StringIO())
    entries = entries_since(since)
    assert [e.action for e in entries].count("demo.seed") == 1
    created = {e.object_id for e in entries if e.action == "user.create"}
    demo_ids = User.objects.filter(username__in=[d.username for d in DEMO_USERS])
    # The demo API tokens' service accounts (decision 0017) are created users too.
    token_ids = ApiToken.objects.values_list("user_id", flat=True)
    assert created == {str(pk) for pk in [*demo_ids.values_list("pk", flat=True), *token_ids]}
    assert len(token_ids) == 2
    again = last_entry_id()
    call_command("seed_demo", stdout=StringIO())
    assert [e.action for e in entries_since(again)] == ["demo.seed"]


# --- the platform administrator role and the admin flags ------------------------------------


def test_granting_and_removing_the_admin_role_moves_the_admin_flags(operator):
    grant = RoleGrant.objects.create(user=operator, role=Role.PLATFORM_ADMIN)
    since = last_entry_id()
    assert user_admin_flags_sync(user=operator) == ["is_staff", "is_superuser"]
    operator.refresh_from_db()
    assert operator.is_staff and operator.is_superuser
    [entry] = entries_since(since)
    assert (entry.action, entry.fields) == ("user.update", ["is_staff", "is_superuser"])
    grant.delete()
    user_admin_flags_sync(user=operator)
    operator.refresh_from_db()
    assert not operator.is_staff and not operator.is_superuser


def user_change_data(user: User, roles: list[tuple[int | None, str]], **extra) -> dict:
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "organisation": user.organisation_id,
        "role_grants-TOTAL_FORMS": len(roles),
        "role_grants-INITIAL_FORMS": sum(1 for pk, _ in roles if pk),
        "role_grants-MIN_NUM_FORMS": 0,
        "role_grants-MAX_NUM_FORMS": 1000,
        "_save": "Save",
    }
    for index, (pk, role) in enumerate(roles):
        data[f"role_grants-{index}-id"] = pk or ""
        data[f"role_grants-{index}-user"] = user.pk
        data[f"role_grants-{index}-role"] = role
    data.update(extra)
    return data


def test_a_role_cannot_be_added_on_the_user_page_of_the_admin(
    staff_client, platform_admin, operator
):
    """Roles are given through role requests (two administrators); a crafted row is dropped."""
    grant = operator.role_grants.get()
    url = reverse("admin:accounts_user_change", args=[operator.pk])
    since = last_entry_id()
    data = user_change_data(
        operator, [(grant.pk, grant.role), (None, Role.PLATFORM_ADMIN)], email="x@example.org"
    )
    response = staff_client(platform_admin).post(url, data, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 302, response.content.decode()[:2000]
    operator.refresh_from_db()
    assert not operator.has_role(Role.PLATFORM_ADMIN)
    assert not operator.is_staff and not operator.is_superuser
    entries = entries_since(since)
    assert [(e.action, e.fields) for e in entries] == [("user.update", ["email"])]
    assert entries[0].actor_id == platform_admin.pk
    assert entries[0].ip == ADDRESS
    assert_no_values(entries[0], "x@example.org", operator.username)


def test_removing_the_admin_role_in_the_admin_is_audited_and_clears_the_flags(
    staff_client, platform_admin
):
    other = User.objects.create(username="second.admin", organisation=platform_admin.organisation)
    grant = RoleGrant.objects.create(user=other, role=Role.PLATFORM_ADMIN)
    user_admin_flags_sync(user=other)
    url = reverse("admin:accounts_user_change", args=[other.pk])
    since = last_entry_id()
    data = user_change_data(other, [(grant.pk, grant.role)], **{"role_grants-0-DELETE": "on"})
    assert staff_client(platform_admin).post(url, data).status_code == 302
    other.refresh_from_db()
    assert not other.is_staff and not other.is_superuser
    entries = entries_since(since)
    assert ("rolegrant.delete", str(grant.pk)) in [(e.action, e.object_id) for e in entries]


def test_the_admin_flags_cannot_be_ticked_by_hand_in_the_admin(
    staff_client, platform_admin, operator
):
    grant = operator.role_grants.get()
    url = reverse("admin:accounts_user_change", args=[operator.pk])
    data = user_change_data(operator, [(grant.pk, grant.role)], is_staff="on", is_superuser="on")
    assert staff_client(platform_admin).post(url, data).status_code == 302
    operator.refresh_from_db()
    assert not operator.is_staff and not operator.is_superuser


def test_changing_a_password_in_the_admin_writes_the_field_name_only(
    staff_client, platform_admin, stats_viewer
):
    url = reverse("admin:auth_user_password_change", args=[stats_viewer.pk])
    since = last_entry_id()
    # A user who reads no children's data: set at once (a helpline user's waits for a second
    # administrator, see test_credential_requests.py).
    new_password = "another long password 42"
    response = staff_client(platform_admin).post(
        url,
        {"password1": new_password, "password2": new_password, "usable_password": "true"},
    )
    assert response.status_code == 302
    [entry] = entries_since(since)
    assert (entry.action, entry.fields) == ("user.update", ["password"])
    assert_no_values(entry, new_password)


def test_editing_and_deleting_an_organisation_in_the_admin_is_audited(staff_client, platform_admin):
    organisation = Organisation.objects.create(name="Test body", short_name="TB", kind="ministry")
    client = staff_client(platform_admin)
    since = last_entry_id()
    url = reverse("admin:accounts_organisation_change", args=[organisation.pk])
    response = client.post(
        url, {"name": "Test body", "short_name": "TB2", "kind": "ministry", "is_active": "on"}
    )
    assert response.status_code == 302
    [entry] = entries_since(since)
    assert (entry.action, entry.fields) == ("organisation.update", ["short_name"])
    assert entry.object_id == str(organisation.pk)
    assert_no_values(entry, "TB2")
    since = last_entry_id()
    response = client.post(
        reverse("admin:accounts_organisation_changelist"),
        {"action": "delete_selected", "_selected_action": [organisation.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Organisation.objects.filter(pk=organisation.pk).exists()
    [entry] = entries_since(since)
    assert (entry.action, entry.object_id) == ("organisation.delete", str(organisation.pk))
