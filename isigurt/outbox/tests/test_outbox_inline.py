"""The outbox without a broker: work runs in the same process right after the commit."""

import logging
import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from isigurt.outbox.models import OutboxMessage
from isigurt.outbox.registry import outbox_handler, registered_topics
from isigurt.outbox.services import (
    OutboxPayloadInvalid,
    outbox_enqueue,
    outbox_handle,
    outbox_relay_pending,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_broker(settings):
    settings.CELERY_BROKER_URL = ""


def test_it_runs_the_handler_once_after_commit(recorder, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        message = outbox_enqueue(topic=recorder.topic, payload={"report_id": "r-1"})
        assert recorder.calls == []  # not before the commit
    assert len(callbacks) == 1
    assert recorder.calls == [{"report_id": "r-1"}]
    message.refresh_from_db()
    assert message.handled_at is not None
    assert message.dispatched_at is not None
    assert message.attempts == 1


def test_it_runs_nothing_and_keeps_no_row_when_the_transaction_rolls_back(
    recorder, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        outbox_enqueue(topic=recorder.topic, payload={"report_id": "r-1"})
        raise RuntimeError("the caller's work failed")
    assert callbacks == []
    assert recorder.calls == []
    assert not OutboxMessage.objects.exists()


def test_a_failing_handler_does_not_break_the_caller_and_stays_pending(
    recorder, django_capture_on_commit_callbacks
):
    recorder.fail_times = 1
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        message = outbox_enqueue(topic=recorder.topic, payload={"report_id": "r-2"})
    message.refresh_from_db()
    assert message.handled_at is None
    assert message.dispatched_at is None
    assert message.attempts == 1
    assert message.last_error == "RuntimeError"
    assert message.available_at > timezone.now()  # retried after a delay

    # Once the delay is over, the relay command retries it.
    OutboxMessage.objects.filter(pk=message.pk).update(available_at=timezone.now())
    call_command("run_outbox_relay", "--once")
    message.refresh_from_db()
    assert message.handled_at is not None
    assert message.attempts == 2
    assert message.last_error == ""
    assert recorder.calls == [{"report_id": "r-2"}]


def test_the_relay_waits_for_a_failed_message_s_retry_delay(recorder):
    recorder.fail_times = 1
    message = OutboxMessage.objects.create(topic=recorder.topic, payload={})
    assert outbox_relay_pending().failed == 1
    assert outbox_relay_pending().total == 0  # not due yet
    message.refresh_from_db()
    assert message.handled_at is None
    assert recorder.calls == []


def test_a_handler_s_writes_are_undone_when_it_fails(django_capture_on_commit_callbacks):
    topic = "tests.writes_then_fails"

    @outbox_handler(topic)
    def write_then_fail(payload):
        OutboxMessage.objects.create(topic="tests.side_effect", payload={})
        raise ValueError("placeholder")

    try:
        with django_capture_on_commit_callbacks(execute=True):
            outbox_enqueue(topic=topic, payload={})
    finally:
        from isigurt.outbox.registry import unregister

        unregister(topic)
    assert not OutboxMessage.objects.filter(topic="tests.side_effect").exists()
    assert OutboxMessage.objects.get(topic=topic).attempts == 1


def test_handling_a_message_twice_runs_the_handler_once(recorder):
    message = OutboxMessage.objects.create(topic=recorder.topic, payload={"n": 1})
    assert outbox_handle(message_id=message.id) is True
    assert outbox_handle(message_id=str(message.id)) is False
    assert recorder.calls == [{"n": 1}]


def test_the_task_body_handles_a_redelivered_message_once(recorder):
    from isigurt.outbox.tasks import dispatch_outbox_message

    message = OutboxMessage.objects.create(topic=recorder.topic, payload={"n": 2})
    dispatch_outbox_message(str(message.id))
    dispatch_outbox_message(str(message.id))
    assert recorder.calls == [{"n": 2}]


def test_it_keeps_a_message_with_an_unknown_topic_and_logs_no_payload(caplog):
    message = OutboxMessage.objects.create(
        topic="tests.nobody_handles_this", payload={"report_id": "payload-value-7f3a"}
    )
    with caplog.at_level(logging.INFO):
        assert outbox_relay_pending().failed == 1
    message.refresh_from_db()
    assert message.handled_at is None
    assert message.attempts == 1
    assert message.last_error == "unknown topic"
    assert "tests.nobody_handles_this" in caplog.text
    assert "payload-value-7f3a" not in caplog.text


def test_a_missing_message_is_ignored():
    assert outbox_handle(message_id=uuid.uuid4()) is False


@pytest.mark.parametrize(
    "payload",
    [
        {"name": {"nested": "x"}},
        {"ids": ["a", "b"]},
        {"amount": 1.5},
        {"text": "x" * 201},
        {1: "non-string key"},
        {f"k{i}": i for i in range(21)},
    ],
)
def test_it_refuses_payloads_that_are_not_flat_identifiers(payload):
    with pytest.raises(OutboxPayloadInvalid):
        outbox_enqueue(topic="reports.received", payload=payload)
    assert not OutboxMessage.objects.exists()


@pytest.mark.parametrize(
    "topic", ["", "reports", "Reports.Received", "reports.received!", "a" * 101]
)
def test_it_refuses_malformed_topics(topic):
    with pytest.raises(OutboxPayloadInvalid):
        outbox_enqueue(topic=topic, payload={})


def test_it_accepts_identifier_values(recorder, django_capture_on_commit_callbacks):
    payload = {"report_id": str(uuid.uuid4()), "count": 3, "urgent": True, "county": None}
    with django_capture_on_commit_callbacks(execute=True):
        outbox_enqueue(topic=recorder.topic, payload=payload)
    assert recorder.calls == [payload]


def test_it_refuses_two_handlers_for_one_topic(recorder):
    with pytest.raises(ImproperlyConfigured):
        outbox_handler(recorder.topic)(lambda payload: None)


def test_handlers_modules_of_installed_apps_are_discovered():
    # isigurt/outbox/handlers.py is imported by autodiscovery at start-up, not by this test.
    assert "outbox.ping" in registered_topics()


def test_the_relay_takes_due_messages_oldest_first_and_in_batches(recorder):
    now = timezone.now()
    for minutes in (3, 1, 2):
        OutboxMessage.objects.create(
            topic=recorder.topic,
            payload={"m": minutes},
            available_at=now - timedelta(minutes=minutes),
        )
    assert outbox_relay_pending(limit=2).handled == 2
    assert recorder.calls == [{"m": 3}, {"m": 2}]
    assert outbox_relay_pending(limit=2).handled == 1
    assert recorder.calls[-1] == {"m": 1}
