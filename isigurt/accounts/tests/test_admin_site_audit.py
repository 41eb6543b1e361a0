"""S12 for the admin site's own pages: an administrator replacing their own password and
signing out of the admin each leave an audit entry (the model admins audit everything else)."""

import pytest
from django.db import connection
from django.urls import reverse

from isigurt.accounts.models import User
from isigurt.accounts.tests.personas import PERSONA_PASSWORD
from isigurt.audit.tests.helpers import entries_since, last_entry_id

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-new-long-password-2026"


def change_own_password(client, new: str = NEW_PASSWORD, old: str = PERSONA_PASSWORD):
    return client.post(
        reverse("admin:password_change"),
        {"old_password": old, "new_password1": new, "new_password2": new},
    )


def test_changing_ones_own_password_in_the_admin_is_audited(staff_client, platform_admin):
    client = staff_client(platform_admin)
    since = last_entry_id()
    response = change_own_password(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:password_change_done")
    platform_admin.refresh_from_db()
    assert platform_admin.check_password(NEW_PASSWORD)
    [entry] = [e for e in entries_since(since) if e.action == "user.update"]
    assert entry.actor_id == platform_admin.pk
    assert entry.object_type == "accounts.user"
    assert entry.object_id == str(platform_admin.pk)
    assert entry.fields == ["password"]
    assert NEW_PASSWORD not in str(entry.fields)


def test_a_refused_password_change_writes_no_entry(staff_client, platform_admin):
    client = staff_client(platform_admin)
    since = last_entry_id()
    response = change_own_password(client, old="not-the-old-password")
    assert response.status_code == 200
    assert [e for e in entries_since(since) if e.action == "user.update"] == []


def test_the_password_is_not_replaced_when_the_audit_entry_cannot_be_written(
    staff_client, platform_admin
):
    client = staff_client(platform_admin)
    client.raise_request_exception = False
    statement = "ALTER TABLE audit_auditentry RENAME TO audit_auditentry_away"
    back = "ALTER TABLE audit_auditentry_away RENAME TO audit_auditentry"
    with connection.cursor() as cursor:
        cursor.execute(statement)
    try:
        response = change_own_password(client)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(back)
    assert response.status_code >= 500
    assert User.objects.get(pk=platform_admin.pk).check_password(PERSONA_PASSWORD)


def test_signing_out_of_the_admin_is_audited_and_ends_the_session(staff_client, platform_admin):
    client = staff_client(platform_admin)
    since = last_entry_id()
    response = client.post(reverse("admin:logout"))
    assert response.status_code == 302  # to LOGOUT_REDIRECT_URL, as before
    [entry] = [e for e in entries_since(since) if e.action == "login.logout"]
    assert entry.actor_id == platform_admin.pk
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("admin:index")).status_code == 302
