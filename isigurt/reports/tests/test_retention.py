"""Retention: what is kept only for retries or delivery is removed on schedule."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from isigurt.outbox.models import OutboxMessage
from isigurt.reports.models import IdempotencyRecord, Report
from isigurt.reports.services import idempotency_records_purge, report_submit
from isigurt.reports.validation import ReportDraft

pytestmark = pytest.mark.django_db


def _file(key: str) -> None:
    draft = ReportDraft(category="bullying", audience="teen", description="Placeholder text.")
    report_submit(draft=draft, channel="api", idempotency_key=key)


def test_idempotency_records_older_than_a_day_are_removed_and_reports_stay() -> None:
    _file("old-key")
    _file("new-key")
    IdempotencyRecord.objects.filter(key="old-key").update(
        created_at=timezone.now() - timedelta(hours=25)
    )
    assert idempotency_records_purge() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new-key"]
    assert Report.objects.count() == 2


def test_the_command_purges_old_records_and_handled_outbox_messages() -> None:
    _file("a-key")
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(days=2))
    OutboxMessage.objects.update(handled_at=timezone.now() - timedelta(days=8))
    out = StringIO()
    call_command("purge_expired", stdout=out)
    assert IdempotencyRecord.objects.count() == 0
    assert OutboxMessage.objects.count() == 0
    assert "purged 1 idempotency records and 1 handled outbox messages" in out.getvalue()


def test_pending_outbox_messages_are_never_purged() -> None:
    _file("b-key")
    OutboxMessage.objects.update(handled_at=None, created_at=timezone.now() - timedelta(days=30))
    call_command("purge_expired", stdout=StringIO())
    assert OutboxMessage.objects.count() == 1
