"""Relay the outbox to Celery (or run it here when no broker is configured)."""

import signal
import time
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError, close_old_connections

from isigurt.outbox.services import RelayResult, outbox_relay_pending

# After a failed publish: wait interval, 2 x interval ... at most this long, so pending work is
# dispatched within a minute of the broker's return (R3).
MAX_BACKOFF = 30.0


class Command(BaseCommand):
    help = "Dispatch pending outbox messages; loops until stopped unless --once is given."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Relay what is due, then exit.")
        parser.add_argument("--interval", type=float, default=2.0, help="Seconds between polls.")
        parser.add_argument("--limit", type=int, default=100, help="Messages per batch.")

    def handle(self, *args: Any, **options: Any) -> None:
        interval: float = max(options["interval"], 0.1)
        limit: int = max(options["limit"], 1)
        if options["once"]:
            result = outbox_relay_pending(limit=limit)
            self._summarise(result)
            return

        stopping = False

        def stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        failures = 0
        while not stopping:
            close_old_connections()
            try:
                result = outbox_relay_pending(limit=limit)
            except DatabaseError as exc:
                self.stderr.write(f"outbox relay: database unavailable ({type(exc).__name__})")
                result = RelayResult(broker_down=True)
            self._summarise(result)
            if result.broker_down:
                failures += 1
                delay = min(interval * 2 ** (failures - 1), MAX_BACKOFF)
            else:
                failures = 0
                delay = 0.0 if result.total >= limit else interval
            deadline = time.monotonic() + delay
            while not stopping and time.monotonic() < deadline:
                time.sleep(min(0.2, delay))

    def _summarise(self, result: RelayResult) -> None:
        if result.total or result.broker_down:
            self.stdout.write(
                f"outbox relay: dispatched={result.dispatched} handled={result.handled} "
                f"failed={result.failed} broker_down={result.broker_down}"
            )
