"""S12: no path through the ORM, the admin or (on PostgreSQL) raw SQL changes an entry."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from isigurt.audit.models import AuditCheckpoint, AuditEntry, AuditLogIsAppendOnly
from isigurt.audit.selectors import verify_audit_chain
from isigurt.audit.tests.helpers import make_entries


@pytest.fixture
def entries(db):
    return make_entries(3)


def _unchanged(entries):
    sealed = AuditEntry.objects.filter(seq__isnull=False).order_by("seq")
    stored = list(sealed.values_list("seq", "action", "entry_hash"))
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


SEAL_SQL = (
    "UPDATE audit_auditentry SET seq = 6, prev_hash = %(prev)s, entry_hash = %(hash)s"
    " WHERE id = %(id)s"
)

# Every change but the sealer's, on a sealed entry (seq 2) or an unsealed one (id given).
REFUSED_UPDATES = {
    "content_of_a_sealed_entry": "UPDATE audit_auditentry SET action = 'case.delete' WHERE seq = 2",
    "hash_of_a_sealed_entry": "UPDATE audit_auditentry SET entry_hash = 'f' WHERE seq = 2",
    "reseal_a_sealed_entry": "UPDATE audit_auditentry SET seq = 9 WHERE seq = 2",
    "unseal_a_sealed_entry": (
        "UPDATE audit_auditentry SET seq = NULL, prev_hash = NULL, entry_hash = NULL WHERE seq = 2"
    ),
    "content_of_an_unsealed_entry": (
        "UPDATE audit_auditentry SET object_id = 'other' WHERE id = %(id)s"
    ),
    "seal_and_change_content": (
        "UPDATE audit_auditentry SET seq = 6, prev_hash = %(prev)s, entry_hash = %(hash)s,"
        " action = 'case.delete' WHERE id = %(id)s"
    ),
    "seal_without_a_hash": "UPDATE audit_auditentry SET seq = 6 WHERE id = %(id)s",
}


@pytest.fixture
def unsealed(entries):
    [entry] = make_entries(1, seal=False)
    return {"id": entry.pk, "prev": entries[-1].entry_hash, "hash": "a" * 64}


@pytest.mark.parametrize("sql", REFUSED_UPDATES.values(), ids=REFUSED_UPDATES.keys())
def test_a_trigger_refuses_every_raw_update_but_the_sealers(entries, unsealed, sql):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql % {k: repr(v) for k, v in unsealed.items()})
    _unchanged(entries)
    assert AuditEntry.objects.get(pk=unsealed["id"]).seq is None


def test_the_trigger_lets_the_sealer_seal_an_unsealed_entry_once(entries, unsealed):
    with connection.cursor() as cursor:
        cursor.execute(SEAL_SQL, unsealed)
    assert AuditEntry.objects.get(pk=unsealed["id"]).seq == 6
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(SEAL_SQL, unsealed)  # sealed now: no second time


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the DELETE trigger is PostgreSQL's")
@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM audit_auditentry WHERE seq = 2",
        "DELETE FROM audit_auditentry WHERE seq IS NULL",
        "DELETE FROM audit_auditcheckpoint",
    ],
)
def test_on_postgresql_a_trigger_refuses_raw_deletes(entries, unsealed, sql):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    _unchanged(entries)


def test_a_trigger_refuses_to_change_a_checkpoint(entries):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE audit_auditcheckpoint SET seq = 2")
    _unchanged(entries)


@pytest.mark.parametrize(
    "attempt",
    [
        lambda: AuditCheckpoint.objects.update(seq=2),
        lambda: AuditCheckpoint.objects.all().delete(),
        lambda: AuditCheckpoint.objects.get().delete(),
        lambda: AuditCheckpoint._base_manager.filter(seq=3).update(seq=2),
        lambda: AuditCheckpoint.objects.get().save(),
    ],
    ids=["update", "delete", "delete_one", "base_manager_update", "save"],
)
def test_checkpoints_refuse_every_orm_write(entries, attempt):
    with pytest.raises(AuditLogIsAppendOnly):
        attempt()
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
