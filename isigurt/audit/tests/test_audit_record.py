"""Writing entries: who did what to which object, when and from where; chained; never values."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from isigurt.accounts.models import User
from isigurt.audit import signing
from isigurt.audit.models import GENESIS_HASH, AuditChainHead, AuditCheckpoint, AuditEntry
from isigurt.audit.services import SealResult, audit_read, audit_record, audit_seal
from isigurt.audit.tests.helpers import make_entries


def test_it_records_who_did_what_to_which_object_when_and_from_where(operator):
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9")
    entry = audit_record(
        actor=operator,
        action="user.update",
        target=operator,
        fields=["email", "is_active"],
        request=request,
    )
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.actor_id == operator.pk
    assert stored.actor_label == operator.get_username()
    assert stored.organisation_id == operator.organisation_id
    assert stored.action == "user.update"
    assert (stored.object_type, stored.object_id) == ("accounts.user", str(operator.pk))
    assert stored.fields == ["email", "is_active"]
    assert stored.ip == "203.0.113.9"
    assert stored.created_at is not None


def test_audit_read_records_a_read_of_the_target(operator, supervisor):
    entry = audit_read(actor=supervisor, target=operator, fields=["username"])
    assert entry.action == "user.read"
    assert entry.object_id == str(operator.pk)


def test_the_sealer_links_each_entry_to_the_one_before_and_signs_the_head(db):
    first, second, third = make_entries(3)
    assert [first.seq, second.seq, third.seq] == [1, 2, 3]
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.entry_hash
    assert third.prev_hash == second.entry_hash
    assert all(e.entry_hash == e.compute_hash() for e in AuditEntry.objects.all())
    head = AuditChainHead.objects.get()
    assert (head.seq, head.entry_hash) == (3, third.entry_hash)
    checkpoint = AuditCheckpoint.objects.get()
    assert (checkpoint.seq, checkpoint.head_hash) == (3, third.entry_hash)
    public = signing.signing_key().public_key()
    assert checkpoint.key_id == signing.key_id(public)
    assert signing.signature_valid(
        body=checkpoint.body(), signature=checkpoint.signature, key=public
    )


def test_writing_an_entry_is_one_insert_that_locks_nothing_shared(db):
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        entry = audit_record(actor=None, action="case.update", object_type="cases.case")
    statements = [q["sql"] for q in queries.captured_queries]
    written = [sql for sql in statements if "audit_" in sql]
    assert len(written) == 1
    assert written[0].lstrip().upper().startswith("INSERT INTO")
    assert not any("FOR UPDATE" in sql.upper() for sql in statements)
    assert not any("audit_auditchainhead" in sql for sql in statements)
    assert (entry.seq, entry.prev_hash, entry.entry_hash) == (None, None, None)


def test_entries_are_sealed_in_order_of_arrival_in_batches(db):
    make_entries(2)
    later = make_entries(3, seal=False)
    assert all(not e.is_sealed for e in AuditEntry.objects.filter(pk__in=[e.pk for e in later]))
    result = audit_seal()
    assert (result.sealed, result.seq, result.checkpoints) == (3, 5, 1)
    assert list(AuditEntry.objects.order_by("seq").values_list("pk", flat=True))[2:] == [
        e.pk for e in later
    ]
    assert list(AuditCheckpoint.objects.order_by("seq").values_list("seq", flat=True)) == [2, 5]
    assert audit_seal() == SealResult(sealed=0, seq=5, checkpoints=0)  # nothing left


def test_an_anonymous_actor_is_recorded_without_identity(db):
    from django.contrib.auth.models import AnonymousUser

    entry = audit_record(actor=AnonymousUser(), action="login.failure")
    assert (entry.actor_id, entry.actor_label, entry.organisation_id) == (None, "", None)


@pytest.mark.parametrize(
    "fields", [["Besa Hoxha"], ["0691234567"], ["someone@example.org"], [""], [42]]
)
def test_it_refuses_values_in_place_of_field_names(db, fields):
    with pytest.raises(ValueError, match="field names only") as caught:
        audit_record(actor=None, action="report.update", fields=fields)
    assert str(fields[0]) not in str(caught.value) or fields[0] == ""
    assert AuditEntry.objects.count() == 0


@pytest.mark.parametrize("action", ["read", "Report.Read", "report read", "report.", ""])
def test_it_refuses_malformed_actions(db, action):
    with pytest.raises(ValueError):
        audit_record(actor=None, action=action)


def test_deleting_a_user_leaves_their_entries_and_the_chain_intact(operator):
    from isigurt.audit.selectors import verify_audit_chain

    entry = audit_record(actor=operator, action="case.update")
    audit_seal()
    operator.role_grants.all().delete()
    User.objects.filter(pk=operator.pk).delete()
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert (stored.actor_id, stored.actor_label) == (entry.actor_id, operator.get_username())
    assert verify_audit_chain().checked == 1


def _read_user_for(viewer, user_id):
    """A caller in the shape every sensitive read takes: read, audit, then return."""
    with transaction.atomic():
        user = User.objects.get(pk=user_id)
        audit_read(actor=viewer, target=user, fields=["email"])
    return user


def test_if_the_audit_write_fails_the_data_is_not_returned(operator, supervisor):
    assert _read_user_for(supervisor, operator.pk) == operator  # it works when the log does
    returned = []
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:  # a real failure: the table is gone
            cursor.execute("ALTER TABLE audit_auditentry RENAME TO audit_auditentry_gone")
        returned.append(_read_user_for(supervisor, operator.pk))
    assert returned == []
    assert AuditEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("remote_addr", "stored"),
    [("2001:DB8:0:0::1", "2001:db8::1"), ("unix-socket", None), ("", None)],
)
def test_it_records_the_address_in_canonical_form_and_the_chain_still_verifies(
    db, remote_addr, stored
):
    from isigurt.audit.selectors import verify_audit_chain

    request = RequestFactory().get("/", REMOTE_ADDR=remote_addr)
    audit_record(actor=None, action="login.failure", request=request)
    audit_seal()
    assert AuditEntry.objects.get().ip == stored
    assert verify_audit_chain().checked == 1


def test_on_postgresql_the_entry_insert_is_parsed_and_planned_once_per_connection(db):
    if connection.vendor != "postgresql":
        pytest.skip("a prepared statement on PostgreSQL only")

    def prepared() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            return [row[0] for row in cursor.fetchall() if "audit_auditentry" in row[0]]

    with transaction.atomic():
        first = audit_record(actor=None, action="case.update", object_type="cases.case")
        second = audit_record(actor=None, action="case.update", object_type="cases.case")
    statements = prepared()
    assert len(statements) == 1
    assert statements[0].lstrip().upper().startswith("INSERT INTO")
    assert second.pk > first.pk
    # The prepared statement writes the same entry as before: its MAC verifies, it seals.
    audit_seal()
    sealed = AuditEntry.objects.get(pk=second.pk)
    assert sealed.is_sealed and sealed.mac_valid()
