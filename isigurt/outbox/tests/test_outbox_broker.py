"""The outbox with a real Redis broker and a real Celery worker (R3, R5)."""

import threading
import time

import pytest
from celery import current_app
from django.db import connections, transaction

from isigurt.outbox.models import OutboxMessage
from isigurt.outbox.relay import MAX_BACKOFF, backoff_delay, relay_forever
from isigurt.outbox.services import TASK_NAME, outbox_enqueue, outbox_relay_pending

from .conftest import CLOSED_BROKER_URL, db_retry, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def _handled(message_id):
    return OutboxMessage.objects.filter(pk=message_id, handled_at__isnull=False).exists()


def test_with_a_broker_the_request_only_writes_the_row(settings, recorder):
    settings.CELERY_BROKER_URL = CLOSED_BROKER_URL
    with transaction.atomic():
        message = outbox_enqueue(topic=recorder.topic, payload={"report_id": "r-1"})
    message.refresh_from_db()
    assert message.dispatched_at is None
    assert message.handled_at is None
    assert recorder.calls == []


def test_the_relay_dispatches_to_the_worker_which_handles_once(
    settings, recorder, broker_url, celery_worker
):
    settings.CELERY_BROKER_URL = broker_url
    with transaction.atomic():
        message = outbox_enqueue(topic=recorder.topic, payload={"report_id": "r-1"})
    assert db_retry(outbox_relay_pending).dispatched == 1
    assert wait_for(lambda: _handled(message.pk))
    db_retry(message.refresh_from_db)
    assert message.dispatched_at is not None
    assert db_retry(outbox_relay_pending).total == 0  # nothing left to send

    # A second delivery of the same message (as after a worker crash) changes nothing.
    from isigurt.celery import app

    with transaction.atomic():
        sentinel = outbox_enqueue(topic=recorder.topic, payload={"report_id": "sentinel"})
    with app.connection_for_write(broker_url) as conn:
        app.send_task(
            TASK_NAME,
            args=[str(message.pk)],
            connection=conn,
            queue=settings.CELERY_TASK_DEFAULT_QUEUE,
        )
    assert db_retry(outbox_relay_pending).dispatched == 1
    # One worker, one message at a time: once the sentinel is done, the duplicate was too.
    assert wait_for(lambda: _handled(sentinel.pk))
    assert recorder.calls == [{"report_id": "r-1"}, {"report_id": "sentinel"}]


def test_intake_is_fast_while_the_broker_is_down_and_the_relay_catches_up(
    settings, recorder, broker_url, celery_worker
):
    settings.CELERY_BROKER_URL = CLOSED_BROKER_URL
    started = time.monotonic()
    with transaction.atomic():
        message = outbox_enqueue(topic=recorder.topic, payload={"report_id": "r-3"})
    assert time.monotonic() - started < 1.0

    result = outbox_relay_pending()
    assert result.broker_down is True
    assert result.dispatched == 0
    message.refresh_from_db()
    assert message.dispatched_at is None
    assert message.handled_at is None

    settings.CELERY_BROKER_URL = broker_url  # the broker is back
    assert db_retry(outbox_relay_pending).dispatched == 1
    assert wait_for(lambda: _handled(message.pk))
    assert recorder.calls == [{"report_id": "r-3"}]


def test_the_relay_loop_backs_off_while_the_broker_is_down_then_dispatches(
    settings, recorder, broker_url, celery_worker
):
    settings.CELERY_BROKER_URL = CLOSED_BROKER_URL
    with transaction.atomic():
        message = outbox_enqueue(topic=recorder.topic, payload={"report_id": "r-4"})
    results = []
    stop = threading.Event()

    def run():
        try:
            relay_forever(stop=stop, interval=0.05, report=results.append)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        assert wait_for(lambda: sum(r.broker_down for r in results) >= 3, timeout=5)
        assert not _handled(message.pk)
        returned = time.monotonic()
        settings.CELERY_BROKER_URL = broker_url
        assert wait_for(lambda: _handled(message.pk), timeout=15)
        assert time.monotonic() - returned < 10
    finally:
        stop.set()
        thread.join(10)
    assert recorder.calls == [{"report_id": "r-4"}]


def test_the_relay_never_waits_longer_than_the_cap():
    assert backoff_delay(failures=0, interval=2) == 2
    assert backoff_delay(failures=1, interval=2) == 2
    assert backoff_delay(failures=3, interval=2) == 8
    assert backoff_delay(failures=1000, interval=2) == MAX_BACKOFF
    # Worst case after the broker returns: one capped wait plus a publish, inside R3's 60 s.
    assert MAX_BACKOFF + 2 < 60


def test_the_worker_task_is_configured_for_late_acknowledgement():
    import isigurt.outbox.tasks  # noqa: F401

    task = current_app.tasks[TASK_NAME]
    assert task.acks_late is True
    assert task.reject_on_worker_lost is True


def test_two_relays_never_take_the_same_row_on_postgresql(settings, recorder):
    from django.db import connection

    if not connection.features.has_select_for_update_skip_locked:
        pytest.skip("SKIP LOCKED is a PostgreSQL feature; SQLite runs a single relay")
    settings.CELERY_BROKER_URL = ""
    held = OutboxMessage.objects.create(topic=recorder.topic, payload={"n": "held"})
    OutboxMessage.objects.create(topic=recorder.topic, payload={"n": "free"})
    locked, release = threading.Event(), threading.Event()

    def other_relay_holds_a_row():
        try:
            with transaction.atomic():
                OutboxMessage.objects.select_for_update().get(pk=held.pk)
                locked.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_relay_holds_a_row, daemon=True)
    thread.start()
    try:
        assert locked.wait(5)
        started = time.monotonic()
        assert outbox_relay_pending().handled == 1  # skips the locked row instead of waiting
        assert time.monotonic() - started < 2
        assert recorder.calls == [{"n": "free"}]
    finally:
        release.set()
        thread.join(10)
    assert outbox_relay_pending().handled == 1
    assert recorder.calls == [{"n": "free"}, {"n": "held"}]
