"""An entry is unsealed only for seconds: sealed after its commit, inline or by a Celery task."""

import pytest
from django.core.management import call_command
from django.db import transaction

import isigurt.audit.tasks  # noqa: F401 — registers the seal task with the test worker
from isigurt.audit.models import AuditCheckpoint, AuditEntry
from isigurt.audit.selectors import verify_audit_chain
from isigurt.audit.services import audit_record
from isigurt.outbox.services import outbox_relay_pending
from isigurt.outbox.tests.conftest import CLOSED_BROKER_URL, db_retry, wait_for


def _audited_action(n: int = 1) -> list[AuditEntry]:
    with transaction.atomic():
        return [
            audit_record(actor=None, action="case.update", object_type="cases.case", object_id=i)
            for i in range(n)
        ]


def _all_sealed() -> bool:
    return not AuditEntry.objects.filter(seq__isnull=True).exists()


def test_without_a_broker_the_commit_seals_its_entries_once_per_transaction(
    db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        entries = _audited_action(3)
    assert len(callbacks) == 1  # coalesced: one seal for the whole transaction
    sealed = AuditEntry.objects.filter(pk__in=[e.pk for e in entries]).order_by("seq")
    assert [e.seq for e in sealed] == [1, 2, 3]
    assert AuditCheckpoint.objects.get().seq == 3
    assert verify_audit_chain().ok


def test_nothing_is_sealed_when_the_transaction_rolls_back(db, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _audited_action(2)
        raise RuntimeError("the action failed")
    assert callbacks == []
    assert not AuditEntry.objects.exists()
    assert not AuditCheckpoint.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_without_a_broker_a_real_commit_leaves_nothing_unsealed():
    _audited_action(2)
    _audited_action(1)
    assert _all_sealed()
    assert list(AuditCheckpoint.objects.order_by("seq").values_list("seq", flat=True)) == [2, 3]
    assert verify_audit_chain().ok


def test_with_a_broker_the_request_neither_seals_nor_calls_the_broker(
    db, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_BROKER_URL = CLOSED_BROKER_URL
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _audited_action(2)
    assert callbacks == []
    assert AuditEntry.objects.filter(seq__isnull=True).count() == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_with_a_broker_the_relay_starts_one_seal_task_which_a_worker_runs(
    settings, broker_url, celery_worker
):
    settings.CELERY_BROKER_URL = broker_url
    _audited_action(3)
    assert not _all_sealed()  # committed, waiting for the sealer
    assert db_retry(outbox_relay_pending).started == 1
    assert wait_for(_all_sealed)
    assert db_retry(lambda: verify_audit_chain().ok)
    assert db_retry(outbox_relay_pending).started == 0  # nothing left to seal


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_while_the_broker_is_down_the_relay_keeps_asking(settings):
    settings.CELERY_BROKER_URL = CLOSED_BROKER_URL
    _audited_action(1)
    result = outbox_relay_pending()
    assert (result.started, result.broker_down) == (0, True)
    assert not _all_sealed()


def test_without_a_broker_the_relay_seals_what_is_left(db):
    _audited_action(2)  # never committed in this test: nothing sealed it
    assert outbox_relay_pending().started == 1
    assert _all_sealed()


def test_the_command_and_the_task_seal_what_is_pending(db, capsys):
    from isigurt.audit.tasks import seal_audit_log

    _audited_action(2)
    call_command("seal_audit_log")
    assert "2" in capsys.readouterr().out
    _audited_action(1)
    assert seal_audit_log.apply().get() == 1
    assert _all_sealed()
    assert AuditCheckpoint.objects.count() == 2


def test_beat_runs_the_seal_task_as_a_safety_net(settings):
    from isigurt.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["audit-seal"]
    assert entry["task"] in app.tasks
    assert entry["schedule"] <= 30
