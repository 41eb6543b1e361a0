"""Writing to the outbox, handling its messages and relaying them to Celery.

Requests only ever write rows (`outbox_enqueue`). Without a broker, the work runs in the same
process right after the commit; with a broker, a separate relay process
(`manage.py run_outbox_relay`) publishes pending rows, so no request waits on the broker (R3).
"""

import logging
import re
import uuid
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from .models import OutboxMessage
from .registry import handler_for, relay_tasks

logger = logging.getLogger(__name__)

TASK_NAME = "isigurt.outbox.tasks.dispatch_outbox_message"
TOPIC_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
MAX_PAYLOAD_KEYS = 20
MAX_PAYLOAD_STRING = 200
# A message handed to Celery but not handled after this long is published again
# (e.g. the broker lost it); the handler's idempotence makes that safe.
REDISPATCH_AFTER = timedelta(minutes=10)
# Per-message retry delay after a handler failure: 2, 4, 8 ... seconds, at most 10 minutes.
MAX_RETRY_DELAY = 600
BROKER_CONNECT_TIMEOUT = 2.0


class OutboxPayloadInvalid(ValueError):
    """The topic or payload breaks the outbox's rules (ids only, flat, small)."""


@dataclass(frozen=True)
class RelayResult:
    dispatched: int = 0  # published to Celery
    handled: int = 0  # run inline (no broker configured)
    failed: int = 0  # handler failed or topic unknown; the row stays pending
    broker_down: bool = False  # publishing failed; the rows stay pending
    started: int = 0  # relay tasks (registry.RelayTask) published or run this cycle

    @property
    def total(self) -> int:
        return self.dispatched + self.handled + self.failed


def _validate(topic: str, payload: dict[str, Any]) -> None:
    if not isinstance(topic, str) or len(topic) > 100 or not TOPIC_RE.match(topic):
        raise OutboxPayloadInvalid("Outbox topic must look like 'app.event'.")
    if not isinstance(payload, dict) or len(payload) > MAX_PAYLOAD_KEYS:
        raise OutboxPayloadInvalid("Outbox payload must be a small dict.")
    for key, value in payload.items():
        if not isinstance(key, str):
            raise OutboxPayloadInvalid("Outbox payload keys must be strings.")
        if value is not None and not isinstance(value, str | int | bool):
            raise OutboxPayloadInvalid(
                f"Outbox payload value for {key!r} must be str, int, bool or None "
                "(identifiers only, never personal data)."
            )
        if isinstance(value, str) and len(value) > MAX_PAYLOAD_STRING:
            raise OutboxPayloadInvalid(f"Outbox payload value for {key!r} is too long.")


def outbox_enqueue(*, topic: str, payload: dict[str, Any]) -> OutboxMessage:
    """Record follow-up work inside the caller's transaction.

    The payload carries identifiers only (str, int, bool or None values). The work is relayed
    after the commit: inline when no broker is configured, else by the relay process. Nothing is
    relayed when the transaction rolls back.
    """
    message = outbox_message_new(topic=topic, payload=payload)
    message.save(force_insert=True)
    outbox_message_written(message)
    return message


def outbox_message_new(*, topic: str, payload: dict[str, Any]) -> OutboxMessage:
    """A checked message not yet written, for a caller that inserts it beside its own rows
    (isigurt.lib.db.insert_together); call ``outbox_message_written`` once it is."""
    _validate(topic, payload)
    return OutboxMessage(topic=topic, payload=dict(payload))


def outbox_message_written(message: OutboxMessage) -> None:
    """After the message's INSERT: without a broker, handle it inline after the commit."""
    if not settings.CELERY_BROKER_URL:
        transaction.on_commit(partial(_handle_inline_after_commit, message.id), robust=True)


def _handle_inline_after_commit(message_id: uuid.UUID) -> None:
    try:
        outbox_handle(message_id=message_id)
    except Exception as exc:  # follow-up work never breaks the request
        logger.error("outbox inline handling failed id=%s error=%s", message_id, type(exc).__name__)


def _retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=min(2 ** max(attempts, 1), MAX_RETRY_DELAY))


def _record_failure(message: OutboxMessage, error: str) -> None:
    now = timezone.now()
    message.attempts += 1
    message.last_error = error[:200]
    message.available_at = now + _retry_delay(message.attempts)
    message.dispatched_at = None  # back to pending: the relay tries again later
    message.save(update_fields=["attempts", "last_error", "available_at", "dispatched_at"])


def outbox_handle(*, message_id: uuid.UUID | str) -> bool:
    """Run a message's handler once; True if it ran now, False if skipped or failed.

    The row is locked, the handler runs in a savepoint and `handled_at` is written in the same
    transaction, so a message is handled at most once even if delivered twice. On failure the
    row returns to pending with attempts + 1 and a retry delay.
    """
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None:
            logger.warning("outbox message not found id=%s", message_id)
            return False
        if message.handled_at is not None:
            return False
        handler = handler_for(message.topic)
        if handler is None:
            # The payload is never logged: only the id and the topic.
            logger.error("outbox topic has no handler id=%s topic=%s", message.id, message.topic)
            _record_failure(message, "unknown topic")
            return False
        try:
            with transaction.atomic():
                handler(dict(message.payload))
        except Exception as exc:  # recorded, retried by the relay
            logger.error(
                "outbox handler failed id=%s topic=%s error=%s",
                message.id,
                message.topic,
                type(exc).__name__,
            )
            _record_failure(message, type(exc).__name__)
            return False
        now = timezone.now()
        message.handled_at = now
        message.dispatched_at = message.dispatched_at or now
        message.attempts += 1
        message.last_error = ""
        message.save(update_fields=["handled_at", "dispatched_at", "attempts", "last_error"])
        return True


def _due_messages(limit: int) -> list[OutboxMessage]:
    """Rows to relay now, oldest first, locked (skipping rows another relay holds) on PostgreSQL."""
    now = timezone.now()
    queryset = OutboxMessage.objects.filter(
        Q(dispatched_at__isnull=True, available_at__lte=now)
        | Q(dispatched_at__lt=now - REDISPATCH_AFTER),
        handled_at__isnull=True,
    ).order_by("available_at")
    if connection.features.has_select_for_update_skip_locked:
        queryset = queryset.select_for_update(skip_locked=True)
    return list(queryset[:limit])


def _relay_inline(limit: int) -> RelayResult:
    with transaction.atomic():
        ids = [message.id for message in _due_messages(limit)]
    handled = failed = 0
    for message_id in ids:
        if outbox_handle(message_id=message_id):
            handled += 1
        else:
            failed += 1
    return RelayResult(handled=handled, failed=failed)


def _relay_to_broker(limit: int, broker_url: str) -> RelayResult:
    from isigurt.celery import app

    dispatched = 0
    queue = getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery")
    with transaction.atomic():
        messages = _due_messages(limit)
        if not messages:
            return RelayResult()
        try:
            with app.connection_for_write(
                broker_url, connect_timeout=BROKER_CONNECT_TIMEOUT
            ) as conn:
                conn.ensure_connection(
                    max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_CONNECT_TIMEOUT
                )
                for message in messages:
                    app.send_task(
                        TASK_NAME,
                        args=[str(message.id)],
                        connection=conn,
                        queue=queue,
                        retry=False,
                        ignore_result=True,
                    )
                    # Marked only after the broker accepted it; saved when the block commits.
                    message.dispatched_at = timezone.now()
                    message.save(update_fields=["dispatched_at"])
                    dispatched += 1
        except Exception as exc:  # any broker failure: keep the rest pending
            logger.warning(
                "outbox relay could not publish (%s); %d dispatched, %d kept pending",
                type(exc).__name__,
                dispatched,
                len(messages) - dispatched,
            )
            return RelayResult(dispatched=dispatched, broker_down=True)
    return RelayResult(dispatched=dispatched)


def _start_relay_tasks(broker_url: str) -> tuple[int, bool]:
    """Start each due relay task once; returns (started, broker_down)."""
    due = [task for task in relay_tasks() if task.due()]
    if not due:
        return 0, False
    if not broker_url:
        for task in due:
            try:
                task.run_inline()
            except Exception as exc:  # logged; the next cycle tries again
                name = type(exc).__name__
                logger.error("relay task failed task=%s error=%s", task.task_name, name)
        return len(due), False
    from isigurt.celery import app

    queue = getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery")
    try:
        with app.connection_for_write(broker_url, connect_timeout=BROKER_CONNECT_TIMEOUT) as conn:
            conn.ensure_connection(
                max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_CONNECT_TIMEOUT
            )
            for task in due:
                app.send_task(
                    task.task_name, connection=conn, queue=queue, retry=False, ignore_result=True
                )
    except Exception as exc:  # the broker is down: the next cycle asks again
        logger.warning("outbox relay could not start relay tasks (%s)", type(exc).__name__)
        return 0, True
    return len(due), False


def outbox_relay_pending(*, limit: int = 100) -> RelayResult:
    """Relay due messages once: publish them to Celery, or run them here without a broker."""
    broker_url = settings.CELERY_BROKER_URL
    result = _relay_inline(limit) if not broker_url else _relay_to_broker(limit, broker_url)
    if result.broker_down:
        return result  # no second wait on a broker that just failed
    started, down = _start_relay_tasks(broker_url)
    if not started and not down:
        return result
    return replace(result, started=started, broker_down=result.broker_down or down)


HANDLED_RETENTION = timedelta(days=7)


def outbox_purge_handled(*, now: Any = None) -> int:
    """Retention: handled messages are history once a week old (they hold ids only)."""
    cutoff = (now or timezone.now()) - HANDLED_RETENTION
    deleted, _per_model = OutboxMessage.objects.filter(handled_at__lt=cutoff).delete()
    return deleted
