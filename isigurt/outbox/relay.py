"""The relay loop behind `manage.py run_outbox_relay`.

It polls for due outbox rows every `interval` seconds and hands them to Celery (or runs them here
when no broker is configured). While the broker or the database is unreachable it backs off
(interval, 2 x interval, ...) but never waits longer than MAX_BACKOFF, so pending work leaves
within a minute of the broker's return (R3).
"""

import logging
import threading
from collections.abc import Callable

from django.db import DatabaseError, close_old_connections

from .services import RelayResult, outbox_relay_pending

logger = logging.getLogger(__name__)

MAX_BACKOFF = 30.0


def backoff_delay(*, failures: int, interval: float) -> float:
    """Seconds to wait after `failures` failed cycles in a row (0 means none failed)."""
    if failures <= 0:
        return interval
    return min(interval * 2 ** min(failures - 1, 16), MAX_BACKOFF)


def relay_forever(
    *,
    stop: threading.Event,
    interval: float = 2.0,
    limit: int = 100,
    report: Callable[[RelayResult], None] | None = None,
) -> None:
    """Relay until `stop` is set."""
    failures = 0
    while not stop.is_set():
        close_old_connections()
        try:
            result = outbox_relay_pending(limit=limit)
        except DatabaseError as exc:
            logger.warning("outbox relay: database unavailable (%s)", type(exc).__name__)
            result = RelayResult(broker_down=True)
        if report is not None:
            report(result)
        if result.broker_down:
            failures += 1
            delay = backoff_delay(failures=failures, interval=interval)
        else:
            failures = 0
            # A full batch means more is waiting: go again at once.
            delay = 0.0 if result.total >= limit else interval
        stop.wait(delay)
