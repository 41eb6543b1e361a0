"""S12: an edited or removed entry is detected at that entry; verify_audit_log exits non-zero."""

import base64
import json
import os
import subprocess
import sys
from datetime import timedelta
from io import StringIO

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext

from isigurt.audit import signing
from isigurt.audit.models import AuditChainHead, AuditCheckpoint, AuditEntry
from isigurt.audit.selectors import Problem, verify_audit_chain
from isigurt.audit.tests.helpers import make_entries, tamper


@pytest.fixture
def five(db):
    return make_entries(5)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_an_intact_chain_verifies(five):
    result = verify_audit_chain()
    assert (result.ok, result.checked, result.first_bad_seq) == (True, 5, None)


def test_an_empty_log_verifies(db):
    assert verify_audit_chain().ok


def test_the_command_verifies_with_a_public_key_given_to_it(five):
    public = signing.public_key_text(signing.signing_key().public_key())
    out = StringIO()
    call_command("verify_audit_log", public_key=public, stdout=out)
    assert out.getvalue().strip() == "audit log ok: 5 entries"
    other = signing.public_key_text(Ed25519PrivateKey.generate().public_key())
    with pytest.raises(CommandError, match="entry 5: checkpoint not signed"):
        call_command("verify_audit_log", public_key=other)


def test_it_finds_an_edited_entry_at_that_entry(five):
    tamper("UPDATE audit_auditentry SET object_id = 'other' WHERE seq = 3")
    result = verify_audit_chain()
    assert (result.ok, result.first_bad_seq, result.reason) == (False, 3, Problem.CHANGED)
    assert result.checked == 2


def test_it_finds_an_entry_rewritten_with_a_fresh_hash_at_that_entry(five):
    entry = AuditEntry.objects.get(seq=3)
    entry.fields = ["forged"]
    tamper(
        "UPDATE audit_auditentry SET fields = %s, entry_hash = %s WHERE seq = 3",
        [json.dumps(["forged"]), entry.compute_hash()],
    )
    result = verify_audit_chain()
    assert (result.first_bad_seq, result.reason) == (3, Problem.REWRITTEN)


def test_it_finds_a_rewritten_newest_entry_through_the_head(five):
    entry = AuditEntry.objects.get(seq=5)
    entry.object_id = "other"
    tamper(
        "UPDATE audit_auditentry SET object_id = 'other', entry_hash = %s WHERE seq = 5",
        [entry.compute_hash()],
    )
    result = verify_audit_chain()
    assert (result.first_bad_seq, result.reason) == (5, Problem.REWRITTEN)


def test_it_finds_a_removed_entry_in_the_middle(five):
    tamper("DELETE FROM audit_auditentry WHERE seq = 2")
    result = verify_audit_chain()
    assert (result.first_bad_seq, result.reason) == (2, Problem.MISSING)


def test_it_finds_removed_newest_entries(five):
    tamper("DELETE FROM audit_auditentry WHERE seq >= 4")
    result = verify_audit_chain()
    assert (result.first_bad_seq, result.reason) == (4, Problem.MISSING_TAIL)


def test_it_finds_reordered_entries(five):
    tamper("UPDATE audit_auditentry SET seq = -seq WHERE seq IN (2, 3)")
    tamper("UPDATE audit_auditentry SET seq = CASE seq WHEN -2 THEN 3 ELSE 2 END WHERE seq < 0")
    result = verify_audit_chain()
    assert (result.ok, result.first_bad_seq, result.reason) == (False, 2, Problem.CHANGED)


def _drop_checkpoints_after(seq: int) -> None:
    tamper("DELETE FROM audit_auditcheckpoint WHERE seq > %s", [seq], table="audit_auditcheckpoint")


def _rewrite_tail(five, seqs=(3, 4, 5)) -> str:
    """Rewrite entries consistently, MACs, hashes and links included, as someone holding the
    key could; returns the new head hash."""
    prev = five[seqs[0] - 2].entry_hash
    for seq in seqs:
        entry = AuditEntry.objects.get(seq=seq)
        entry.object_id, entry.prev_hash = "forged", prev
        entry.mac = signing.entry_mac(entry.mac_content())
        prev = entry.compute_hash()
        tamper(
            "UPDATE audit_auditentry SET object_id = 'forged', mac = %s, prev_hash = %s,"
            " entry_hash = %s WHERE seq = %s",
            [entry.mac, entry.prev_hash, prev, seq],
        )
    return prev


def _insert_checkpoint(seq: int, head_hash: str, key=None, at=None) -> None:
    key = key or signing.signing_key()
    at = at or timezone.now()
    body = signing.checkpoint_body(seq=seq, head_hash=head_hash, at=at)
    AuditCheckpoint(
        seq=seq,
        head_hash=head_hash,
        created_at=at,
        key_id=signing.key_id(key.public_key()),
        signature=base64.b64encode(key.sign(body)).decode(),
    ).save()


def test_it_finds_sealed_entries_that_no_signed_checkpoint_covers(five):
    make_entries(2)  # a second batch: entries 6 and 7, checkpoint 7
    _drop_checkpoints_after(5)
    result = verify_audit_chain()
    assert (result.first_bad_seq, result.reason) == (6, Problem.NOT_IN_HEAD)


def test_a_rewritten_tail_is_caught_by_the_signed_checkpoint(five):
    _rewrite_tail(five)  # without the key the checkpoint cannot follow
    result = verify_audit_chain()
    assert (result.first_bad_seq, result.reason) == (5, Problem.REWRITTEN)


def test_a_checkpoint_forged_with_another_key_is_caught(five):
    new_head = _rewrite_tail(five)
    _drop_checkpoints_after(0)
    _insert_checkpoint(5, new_head, key=Ed25519PrivateKey.generate())
    result = verify_audit_chain()
    assert (result.first_bad_seq, result.reason) == (5, Problem.BAD_SIGNATURE)


def test_a_checkpoint_whose_text_was_changed_fails_its_signature(five):
    checkpoint = AuditCheckpoint.objects.get()
    tamper(
        "UPDATE audit_auditcheckpoint SET created_at = %s WHERE seq = 5",
        [checkpoint.created_at - timedelta(days=1)],
        table="audit_auditcheckpoint",
    )
    result = verify_audit_chain()
    assert (result.first_bad_seq, result.reason) == (5, Problem.BAD_SIGNATURE)


def test_it_checks_signatures_with_a_public_key_held_elsewhere(five):
    other = Ed25519PrivateKey.generate().public_key()
    assert verify_audit_chain(public_key=signing.signing_key().public_key()).ok
    result = verify_audit_chain(public_key=other)
    assert (result.first_bad_seq, result.reason) == (5, Problem.BAD_SIGNATURE)


def test_an_exported_head_catches_a_rewrite_by_someone_holding_the_key(five, tmp_path):
    heads = tmp_path / "heads.jsonl"
    call_command("export_audit_head", output=heads, stdout=StringIO())
    new_head = _rewrite_tail(five)
    _drop_checkpoints_after(0)
    _insert_checkpoint(5, new_head)  # re-signed with the log's own key

    assert verify_audit_chain().ok  # the database and the key alone cannot tell
    result = verify_audit_chain(exported_heads=heads)
    assert (result.first_bad_seq, result.reason) == (5, Problem.EXPORTED_HEAD)


def test_an_exported_head_with_a_forged_signature_is_refused(five, tmp_path):
    heads = tmp_path / "heads.jsonl"
    call_command("export_audit_head", output=heads, stdout=StringIO())
    line = json.loads(heads.read_text())
    line["hash"] = "f" * 64
    heads.write_text(json.dumps(line) + "\n")
    result = verify_audit_chain(exported_heads=heads)
    assert (result.first_bad_seq, result.reason) == (5, Problem.EXPORTED_HEAD)


def test_it_reports_entries_left_unsealed_too_long(five):
    make_entries(2, seal=False)
    assert verify_audit_chain().ok  # seconds old: the sealer has not run yet
    later = verify_audit_chain(unsealed_after=timedelta(0))
    assert (later.ok, later.reason, later.stale_unsealed, later.checked) == (
        False,
        Problem.UNSEALED,
        2,
        5,
    )
    with pytest.raises(CommandError, match="2 entries left unsealed too long"):
        call_command("verify_audit_log", unsealed_after=0)


def test_export_appends_the_latest_signed_checkpoint_per_run(five, tmp_path):
    heads = tmp_path / "sub" / "heads.jsonl"
    out = StringIO()
    call_command("export_audit_head", output=heads, stdout=out)
    make_entries(1)
    call_command("export_audit_head", output=heads, stdout=out)
    lines = [json.loads(line) for line in heads.read_text().splitlines()]
    assert [line["seq"] for line in lines] == [5, 6]
    checkpoint = AuditCheckpoint.objects.get(seq=6)
    assert lines[1]["hash"] == checkpoint.head_hash == AuditChainHead.objects.get().entry_hash
    assert (lines[1]["signature"], lines[1]["key_id"]) == (checkpoint.signature, checkpoint.key_id)
    assert lines[1]["at"]
    assert "exported audit head 6" in out.getvalue()


def test_the_command_reports_an_intact_log(five):
    out = StringIO()
    call_command("verify_audit_log", stdout=out)
    assert out.getvalue().strip() == "audit log ok: 5 entries"


def test_the_command_names_the_first_broken_entry(five):
    tamper("DELETE FROM audit_auditentry WHERE seq = 4")
    with pytest.raises(CommandError, match="broken at entry 4: entry removed"):
        call_command("verify_audit_log")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL runs it as a process")
def test_the_command_exits_non_zero_when_broken_and_zero_when_intact(five, capsys):
    # In process: the test database is in memory. (On PostgreSQL the command's closing of
    # connections would end the test's transaction, so there it runs as a real process.)
    ManagementUtility(["manage.py", "verify_audit_log"]).execute()  # returns: exit status 0
    assert "audit log ok: 5 entries" in capsys.readouterr().out
    tamper("UPDATE audit_auditentry SET action = 'case.delete' WHERE seq = 1")
    with pytest.raises(SystemExit) as exited:
        ManagementUtility(["manage.py", "verify_audit_log"]).execute()
    assert exited.value.code == 1
    assert "broken at entry 1" in capsys.readouterr().err


def _run_manage(*args):
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "isigurt.settings.test"}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite runs it in process")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_command_process_exits_non_zero_when_broken_and_zero_when_intact():
    make_entries(5)
    intact = _run_manage("verify_audit_log")
    with translation.override(settings.LANGUAGE_CODE):  # commands speak the default language
        expected = gettext("audit log ok: %(count)d entries") % {"count": 5}
    assert expected != "audit log ok: 5 entries"
    assert (intact.returncode, intact.stdout.strip()) == (0, expected)
    tamper("UPDATE audit_auditentry SET action = 'case.delete' WHERE seq = 1")
    broken = _run_manage("verify_audit_log")
    assert broken.returncode == 1
    assert " 1" in broken.stderr


def test_the_command_checks_exported_heads(five, tmp_path):
    heads = tmp_path / "heads.jsonl"
    call_command("export_audit_head", output=heads, stdout=StringIO())
    tamper("DELETE FROM audit_auditentry WHERE seq = 5")
    _drop_checkpoints_after(0)
    _insert_checkpoint(4, five[3].entry_hash)  # by someone holding the key
    assert verify_audit_chain().ok
    with pytest.raises(CommandError, match="entry 5: newest entries removed"):
        call_command("verify_audit_log", heads=heads)
