"""S12: an edited or removed entry is detected at that entry; verify_audit_log exits non-zero."""

import json
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import translation
from django.utils.translation import gettext

from isigurt.audit.models import AuditChainHead, AuditEntry
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


def test_it_finds_entries_the_head_never_recorded(five):
    AuditChainHead.objects.filter(pk=1).update(seq=3, entry_hash=five[2].entry_hash)
    result = verify_audit_chain()
    assert (result.first_bad_seq, result.reason) == (4, Problem.NOT_IN_HEAD)


def test_an_exported_head_catches_a_rewrite_of_the_whole_tail(five, tmp_path):
    heads = tmp_path / "heads.jsonl"
    call_command("export_audit_head", output=heads, stdout=StringIO())
    # Rewrite entries 3..5 consistently, hashes, links and head included.
    prev = five[1].entry_hash
    for seq in (3, 4, 5):
        entry = AuditEntry.objects.get(seq=seq)
        entry.object_id, entry.prev_hash = "forged", prev
        prev = entry.compute_hash()
        tamper(
            "UPDATE audit_auditentry SET object_id = 'forged', prev_hash = %s, entry_hash = %s"
            " WHERE seq = %s",
            [entry.prev_hash, prev, seq],
        )
    AuditChainHead.objects.filter(pk=1).update(entry_hash=prev)

    assert verify_audit_chain().ok  # the database alone cannot tell
    result = verify_audit_chain(exported_heads=heads)
    assert (result.first_bad_seq, result.reason) == (5, Problem.EXPORTED_HEAD)


def test_export_appends_one_json_line_per_run(five, tmp_path):
    heads = tmp_path / "sub" / "heads.jsonl"
    out = StringIO()
    call_command("export_audit_head", output=heads, stdout=out)
    make_entries(1)
    call_command("export_audit_head", output=heads, stdout=out)
    lines = [json.loads(line) for line in heads.read_text().splitlines()]
    assert [line["seq"] for line in lines] == [5, 6]
    assert lines[1]["hash"] == AuditChainHead.objects.get().entry_hash
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
    AuditChainHead.objects.filter(pk=1).update(seq=4, entry_hash=five[3].entry_hash)
    assert verify_audit_chain().ok
    with pytest.raises(CommandError, match="entry 5: newest entries removed"):
        call_command("verify_audit_log", heads=heads)
