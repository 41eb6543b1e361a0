"""Outbox handlers by topic.

A handler is `function(payload: dict) -> None`, declared in an app's `handlers.py`:

    from isigurt.outbox.registry import outbox_handler

    @outbox_handler("reports.received")
    def notify_helpline(payload: dict) -> None: ...

It runs inside a transaction together with the mark that it was handled, so its database writes
happen exactly once; anything outside the database (e-mail, HTTP) belongs in
`transaction.on_commit` inside the handler, and must tolerate being repeated.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import autodiscover_modules

Handler = Callable[[dict[str, Any]], None]

_handlers: dict[str, Handler] = {}


@dataclass(frozen=True)
class RelayTask:
    """Work the relay starts whenever ``due()`` says so, beside the outbox's own messages.

    For work whose trigger is already a committed row of its own (so no outbox row is needed):
    the relay publishes the Celery task ``task_name`` (no arguments) in each cycle where
    ``due()`` is true, or calls ``run_inline()`` when no broker is configured.
    """

    task_name: str
    due: Callable[[], bool]
    run_inline: Callable[[], object]


_relay_tasks: dict[str, RelayTask] = {}


def relay_task(task: RelayTask) -> None:
    _relay_tasks[task.task_name] = task


def relay_tasks() -> list[RelayTask]:
    return list(_relay_tasks.values())


def outbox_handler(topic: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of `topic` (one handler per topic)."""

    def register(func: Handler) -> Handler:
        existing = _handlers.get(topic)
        if existing is not None and existing is not func:
            name = getattr(existing, "__qualname__", repr(existing))
            raise ImproperlyConfigured(f"Outbox topic {topic!r} already has a handler: {name}")
        _handlers[topic] = func
        return func

    return register


def handler_for(topic: str) -> Handler | None:
    return _handlers.get(topic)


def unregister(topic: str) -> None:
    """Forget a topic's handler (for tests)."""
    _handlers.pop(topic, None)


def registered_topics() -> list[str]:
    return sorted(_handlers)


def autodiscover_handlers() -> None:
    """Import `handlers.py` of every installed app, as Celery and the admin do."""
    autodiscover_modules("handlers")
