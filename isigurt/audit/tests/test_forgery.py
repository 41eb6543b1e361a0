"""Rows inserted past the platform, and rewinds of the chain (S12).

Each test plays someone with write access to the database but not the application's key.
"""

import json
import secrets
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.utils import timezone, translation

from isigurt.audit import signing
from isigurt.audit.models import AuditChainHead, AuditCheckpoint, AuditEntry, AuditForgedEntry
from isigurt.audit.selectors import Problem, verify_audit_chain
from isigurt.audit.services import _insert_fields, audit_record, audit_seal
from isigurt.audit.tests.helpers import make_entries, tamper

FORGED = {
    "actor_id": 7,
    "actor_label": "supervisor",
    "organisation_id": None,
    "action": "report.status_changed",
    "object_type": "reports.report",
    "object_id": "12",
    "fields": ["status"],
    "ip": "10.0.0.9",
}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _insert_row(*, mac=None, pk=None, **content) -> int:
    """A plain INSERT into the table, as psql would do it: no code of the platform involved."""
    entry = AuditEntry(mac=mac, **({"created_at": timezone.now()} | FORGED | content))
    fields = list(_insert_fields())
    columns = [field.column for field in fields]
    values = [field.get_db_prep_save(getattr(entry, field.attname), connection) for field in fields]
    if pk is not None:
        columns.insert(0, "id")
        values.insert(0, pk)
    marks = ", ".join(["%s"] * len(values))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO audit_auditentry ({', '.join(columns)}) VALUES ({marks}) RETURNING id",  # noqa: S608
            values,
        )
        return cursor.fetchone()[0]


def _write(n: int = 1) -> list[AuditEntry]:
    return make_entries(n, seal=False)


# (a) A forged entry is never sealed as genuine.


@pytest.mark.parametrize("mac", [None, "0" * 64, "made-up"], ids=["none", "zeros", "garbage"])
def test_the_sealer_refuses_an_entry_inserted_straight_into_the_table(db, mac):
    before = _write(2)
    forged_id = _insert_row(mac=mac)
    after = _write(2)

    result = audit_seal()

    assert (result.sealed, result.forged, result.seq) == (4, 1, 4)
    forged = AuditEntry.objects.get(pk=forged_id)
    assert forged.seq is None and forged.entry_hash is None  # left as found, as evidence
    assert list(AuditForgedEntry.objects.values_list("entry_id", flat=True)) == [forged_id]
    sealed = AuditEntry.objects.filter(seq__isnull=False).order_by("seq")
    assert [e.pk for e in sealed] == [e.pk for e in before + after]
    # Refused once: later runs do not read it again, and seal what comes after it.
    _write(1)
    assert (audit_seal().sealed, audit_seal().forged) == (1, 0)


def test_a_genuine_mac_does_not_cover_other_content(db):
    [genuine] = _write(1)
    forged_id = _insert_row(mac=genuine.mac, actor_label="supervisor")
    assert audit_seal().forged == 1
    assert AuditEntry.objects.get(pk=forged_id).seq is None


def test_verify_names_the_forged_entry_and_the_command_fails(db):
    make_entries(3)
    forged_id = _insert_row()
    audit_seal()

    result = verify_audit_chain()
    assert (result.ok, result.reason, result.forged_entry_id) == (False, Problem.FORGED, forged_id)
    assert result.checked == 3
    with pytest.raises(CommandError, match=f"forged entry {forged_id}:"):
        call_command("verify_audit_log")


def test_verify_finds_a_forged_entry_the_sealer_has_not_seen_yet(db):
    make_entries(2)
    forged_id = _insert_row(mac=secrets.token_hex(32))
    result = verify_audit_chain()
    assert (result.reason, result.forged_entry_id) == (Problem.FORGED, forged_id)


def test_verify_checks_the_mac_of_sealed_entries(db):
    entries = make_entries(3)
    # A sealed entry whose MAC and hashes were rewritten consistently without the MAC key,
    # re-signed by someone holding only the signing key's checkpoint (here: the whole chain).
    target = AuditEntry.objects.get(seq=3)
    target.mac = "f" * 64
    tamper(
        "UPDATE audit_auditentry SET mac = %s, entry_hash = %s WHERE seq = 3",
        [target.mac, target.compute_hash()],
    )
    tamper("DELETE FROM audit_auditcheckpoint", table="audit_auditcheckpoint")
    at = timezone.now()
    AuditCheckpoint(
        seq=3,
        head_hash=target.compute_hash(),
        created_at=at,
        key_id=signing.key_id(signing.signing_key().public_key()),
        signature=signing.sign(
            signing.checkpoint_body(seq=3, head_hash=target.compute_hash(), at=at)
        ),
    ).save()
    result = verify_audit_chain()
    assert (result.reason, result.first_bad_seq, result.forged_entry_id) == (
        Problem.FORGED,
        3,
        entries[2].pk,
    )


def test_genuine_entries_keep_a_valid_mac_through_the_database(db):
    """The MAC is computed before the insert; the stored row must give the same bytes."""
    request = RequestFactory().get("/", REMOTE_ADDR="2001:DB8:0:0::0:1")
    audit_record(
        actor=None,
        action="report.read",
        object_type="reports.report",
        object_id="ë-1",
        fields=["child_name", "summary"],
        request=request,
    )
    audit_record(actor=None, action="login.failure", request=RequestFactory().get("/"))
    assert audit_seal() == audit_seal().__class__(sealed=2, seq=2, checkpoints=1)
    assert all(entry.mac_valid() for entry in AuditEntry.objects.all())
    assert verify_audit_chain().ok


def test_the_sealing_update_cannot_change_the_mac(db):
    [entry] = _write(1)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditentry SET seq = 1, prev_hash = %s, entry_hash = %s, mac = %s"
            " WHERE id = %s",
            ["0" * 64, "1" * 64, "2" * 64, entry.pk],
        )


# (d) Deleting an unsealed entry and inserting it again, altered, under the same id.


def test_an_unsealed_entry_re_inserted_altered_under_its_id_is_refused(db):
    [entry] = _write(1)
    tamper("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
    _insert_row(
        pk=entry.pk,
        mac=entry.mac,
        created_at=entry.created_at,
        action=entry.action,
        object_type=entry.object_type,
        object_id="999",  # was "1"
        actor_id=None,
        actor_label="",
        fields=[],
        ip=None,
    )
    assert audit_seal().forged == 1
    with pytest.raises(CommandError, match=f"forged entry {entry.pk}:"):
        call_command("verify_audit_log")


# (b) The checkpoint log outside the database catches a rewind.


@pytest.fixture
def checkpoint_log(settings, tmp_path):
    path = tmp_path / "volume" / "audit-checkpoints.jsonl"
    settings.AUDIT_CHECKPOINT_LOG = str(path)
    return path


def test_the_sealer_appends_every_signed_checkpoint_to_the_log(db, checkpoint_log):
    make_entries(2)
    make_entries(3)
    lines = [json.loads(line) for line in checkpoint_log.read_text().splitlines()]
    stored = AuditCheckpoint.objects.order_by("seq")
    assert [(line["seq"], line["hash"]) for line in lines] == [
        (2, stored[0].head_hash),
        (5, stored[1].head_hash),
    ]
    key = signing.signing_key().public_key()
    for line, checkpoint in zip(lines, stored, strict=True):
        assert line["signature"] == checkpoint.signature
        assert signing.signature_valid(body=checkpoint.body(), signature=line["signature"], key=key)


def _rewind_to(seq: int) -> None:
    """Remove the newest entries and their checkpoints and move the head back, consistently."""
    tamper("DELETE FROM audit_auditentry WHERE seq > %s", [seq])
    tamper("DELETE FROM audit_auditcheckpoint WHERE seq > %s", [seq], table="audit_auditcheckpoint")
    head_hash = AuditEntry.objects.get(seq=seq).entry_hash
    tamper(
        "UPDATE audit_auditchainhead SET seq = %s, entry_hash = %s WHERE id = 1",
        [seq, head_hash],
        table="audit_auditchainhead",
    )


def test_a_rewind_is_caught_through_the_checkpoint_log_by_default(db, checkpoint_log):
    make_entries(5)
    make_entries(3)
    _rewind_to(5)

    assert verify_audit_chain().ok  # the database alone cannot tell
    with pytest.raises(CommandError, match="entry 6: newest entries removed"):
        call_command("verify_audit_log")
    with pytest.raises(CommandError, match="entry 6: newest entries removed"):
        call_command("verify_audit_log", checkpoint_log=checkpoint_log)


def test_the_command_passes_with_an_intact_checkpoint_log(db, checkpoint_log):
    make_entries(5)
    make_entries(3)
    out = StringIO()
    call_command("verify_audit_log", stdout=out)
    assert out.getvalue().strip() == "audit log ok: 8 entries"


def test_a_checkpoint_log_that_cannot_be_written_does_not_stop_sealing(db, settings, tmp_path):
    (tmp_path / "a-file").write_text("")
    settings.AUDIT_CHECKPOINT_LOG = str(tmp_path / "a-file" / "log.jsonl")
    entries = make_entries(2)
    assert [entry.seq for entry in entries] == [1, 2]


def _head_update(**values) -> None:
    with transaction.atomic():
        AuditChainHead.objects.filter(pk=1).update(**values)


def test_the_head_only_moves_forward(db):
    make_entries(5)
    with pytest.raises(DatabaseError):
        _head_update(seq=3)
    with pytest.raises(DatabaseError):
        _head_update(entry_hash="0" * 64)  # the same place, another hash
    head = AuditChainHead.objects.get()
    assert head.seq == 5
    _head_update(updated_at=timezone.now() + timedelta(seconds=1))  # nothing moves back
    make_entries(1)
    assert AuditChainHead.objects.get().seq == 6


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_the_head_cannot_be_deleted_on_postgresql(db):
    make_entries(1)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditChainHead.objects.filter(pk=1).delete()
