"""The outbox's own topic: a no-op to check that the relay and the workers run end to end."""

from typing import Any

from .registry import outbox_handler


@outbox_handler("outbox.ping")
def ping(payload: dict[str, Any]) -> None:
    """Nothing to do: being marked handled is the whole point."""
