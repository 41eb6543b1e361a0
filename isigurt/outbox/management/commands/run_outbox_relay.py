"""Relay the outbox to Celery (or run it here when no broker is configured)."""

import signal
import threading
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from isigurt.outbox.relay import relay_forever
from isigurt.outbox.services import RelayResult, outbox_relay_pending


class Command(BaseCommand):
    help = "Dispatch pending outbox messages; loops until stopped unless --once is given."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Relay what is due, then exit.")
        parser.add_argument("--interval", type=float, default=2.0, help="Seconds between polls.")
        parser.add_argument("--limit", type=int, default=100, help="Messages per batch.")

    def handle(self, *args: Any, **options: Any) -> None:
        interval = max(float(options["interval"]), 0.05)
        limit = max(int(options["limit"]), 1)
        if options["once"]:
            self._summarise(outbox_relay_pending(limit=limit))
            return
        stop = threading.Event()

        def on_signal(signum: int, frame: FrameType | None) -> None:
            stop.set()

        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, on_signal)
            signal.signal(signal.SIGINT, on_signal)
        self.stdout.write(f"outbox relay: polling every {interval:g} s")
        relay_forever(stop=stop, interval=interval, limit=limit, report=self._summarise)

    def _summarise(self, result: RelayResult) -> None:
        if result.total or result.broker_down or result.started:
            self.stdout.write(
                f"outbox relay: dispatched={result.dispatched} handled={result.handled} "
                f"failed={result.failed} started={result.started} unavailable={result.broker_down}"
            )
