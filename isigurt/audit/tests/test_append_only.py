"""S12: no path through the ORM, the admin or (on PostgreSQL) raw SQL changes an entry."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from isigurt.audit.models import AuditEntry, AuditLogIsAppendOnly
from isigurt.audit.selectors import verify_audit_chain
from isigurt.audit.tests.helpers import make_entries


@pytest.fixture
def entries(db):
    return make_entries(3)


def _unchanged(entries):
    stored = list(AuditEntry.objects.order_by("seq").values_list("seq", "action", "entry_hash"))
    assert stored == [(e.seq, e.action, e.entry_hash) for e in entries]
    assert verify_audit_chain().ok


def test_it_refuses_to_save_an_existing_entry(entries):
    entry = AuditEntry.objects.get(seq=2)
    entry.action = "case.delete"
    with pytest.raises(AuditLogIsAppendOnly):
        entry.save()
    _unchanged(entries)


def test_it_refuses_to_delete_an_entry(entries):
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.get(seq=2).delete()
    _unchanged(entries)


@pytest.mark.parametrize(
    "attempt",
    [
        lambda qs: qs.update(action="case.delete"),
        lambda qs: qs.delete(),
        lambda qs: qs.bulk_update(list(qs), ["action"]),
        lambda qs: qs.bulk_create([AuditEntry(seq=99)]),
        lambda qs: qs.update_or_create(seq=2, defaults={"action": "case.delete"}),
        lambda qs: AuditEntry.objects.filter(seq=2).update(action="case.delete"),
    ],
    ids=["update", "delete", "bulk_update", "bulk_create", "update_or_create", "filtered_update"],
)
def test_it_refuses_every_queryset_write(entries, attempt):
    with pytest.raises(AuditLogIsAppendOnly):
        attempt(AuditEntry.objects.all())
    _unchanged(entries)


def test_the_refusing_manager_is_also_the_base_manager(entries):
    assert AuditEntry._base_manager.__class__ is AuditEntry.objects.__class__


@pytest.mark.parametrize(
    "attempt",
    [
        lambda: AuditEntry._base_manager.filter(seq=2).update(action="case.delete"),
        lambda: AuditEntry._base_manager.filter(seq=2).delete(),
        lambda: AuditEntry._base_manager.all().delete(),
    ],
    ids=["update", "delete", "delete_all"],
)
def test_it_refuses_writes_through_the_base_manager(entries, attempt):
    with pytest.raises(AuditLogIsAppendOnly):
        attempt()
    _unchanged(entries)


def test_an_entry_can_still_be_reloaded_through_the_base_manager(entries):
    entry = AuditEntry.objects.get(seq=2)
    entry.refresh_from_db()
    assert entry.entry_hash == entries[1].entry_hash


def test_an_entry_saved_again_as_new_collides_instead_of_overwriting(entries):
    copy = AuditEntry.objects.get(seq=2)
    copy._state.adding = True
    copy.action = "case.delete"
    with pytest.raises(DatabaseError), transaction.atomic():
        copy.save()
    _unchanged(entries)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditentry SET action = 'case.delete' WHERE seq = 2",
        "DELETE FROM audit_auditentry WHERE seq = 2",
    ],
)
def test_on_postgresql_a_trigger_refuses_raw_sql_changes(entries, sql):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    _unchanged(entries)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite trigger")
def test_on_sqlite_a_trigger_refuses_raw_sql_updates(entries):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE audit_auditentry SET action = 'case.delete' WHERE seq = 2")
    _unchanged(entries)


def test_a_platform_admin_can_list_entries_in_the_admin(entries, staff_client, platform_admin):
    response = staff_client(platform_admin).get(reverse("admin:audit_auditentry_changelist"))
    assert response.status_code == 200
    assert b"case.update" in response.content


def test_other_staff_cannot_see_the_log_in_the_admin(entries, staff_client, operator):
    operator.is_staff = True
    operator.save()
    response = staff_client(operator).get(reverse("admin:audit_auditentry_changelist"))
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("url_name", "args", "method"),
    [
        ("admin:audit_auditentry_add", [], "post"),
        ("admin:audit_auditentry_change", ["pk"], "post"),
        ("admin:audit_auditentry_delete", ["pk"], "get"),
        ("admin:audit_auditentry_delete", ["pk"], "post"),
    ],
)
def test_the_admin_refuses_to_add_change_or_delete_even_for_a_platform_admin(
    entries, staff_client, platform_admin, url_name, args, method
):
    entry = AuditEntry.objects.get(seq=2)
    url = reverse(url_name, args=[entry.pk for _ in args])
    response = getattr(staff_client(platform_admin), method)(
        url, {"action": "case.delete", "post": "yes"}
    )
    assert response.status_code == 403
    _unchanged(entries)


def test_the_admin_offers_no_bulk_delete_action(entries, staff_client, platform_admin):
    response = staff_client(platform_admin).post(
        reverse("admin:audit_auditentry_changelist"),
        {"action": "delete_selected", "_selected_action": [e.pk for e in AuditEntry.objects.all()]},
    )
    assert response.status_code in {200, 302, 403}
    _unchanged(entries)
