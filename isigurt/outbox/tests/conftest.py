"""Fixtures for the outbox tests: a recording handler, a real Redis broker and a real worker."""

import os
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import OperationalError, connections

from isigurt.outbox.registry import outbox_handler, unregister

BROKER_URL = os.environ.get("ISIGURT_TEST_BROKER_URL", "redis://127.0.0.1:6379/3")
# Nothing listens here: a broker that is down.
CLOSED_BROKER_URL = "redis://127.0.0.1:6390/0"


@dataclass
class Recorder:
    topic: str
    calls: list[dict[str, Any]] = field(default_factory=list)
    fail_times: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, payload: dict[str, Any]) -> None:
        with self.lock:
            if self.fail_times > 0:
                self.fail_times -= 1
                raise RuntimeError("handler failed (placeholder)")
            self.calls.append(payload)


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    rec = Recorder(topic=f"tests.recorded_{uuid.uuid4().hex[:8]}")
    outbox_handler(rec.topic)(rec)
    yield rec
    unregister(rec.topic)


def broker_reachable(url: str) -> bool:
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=1) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=1)
    except Exception:
        return False
    return True


@pytest.fixture
def broker_url() -> str:
    if not broker_reachable(BROKER_URL):
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis broker not reachable at {BROKER_URL} (CI requires it)")
        pytest.skip(f"Redis broker not reachable at {BROKER_URL}")
    return BROKER_URL


@pytest.fixture
def queue_name(settings: Any) -> str:
    """A queue of this test's own, so that parallel runs never take each other's messages."""
    name = f"isigurt-test-{uuid.uuid4().hex[:12]}"
    settings.CELERY_TASK_DEFAULT_QUEUE = name
    return name


@pytest.fixture
def celery_worker(broker_url: str, queue_name: str) -> Iterator[Any]:
    """A real Celery worker in a thread of this process, consuming this test's queue."""
    from celery import Celery
    from celery.contrib.testing.worker import start_worker

    import isigurt.outbox.tasks  # noqa: F401 — registers the shared task
    from isigurt.celery import app as project_app

    app = Celery("isigurt-test-worker", broker=broker_url, set_as_current=False)
    app.conf.update(
        task_default_queue=queue_name,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        accept_content=["json"],
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=False,
    )
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=15) as worker:
        yield worker
    project_app.set_current()
    project_app.set_default()
    # Delete this test's queue from Redis.
    with app.connection_for_write() as conn:
        conn.default_channel.client.delete(queue_name)
    connections.close_all()


def db_retry(func: Any, attempts: int = 100) -> Any:
    """Call `func`, retrying while SQLite's shared in-memory test database reports a lock held by
    the worker's thread (PostgreSQL waits for locks by itself, so this never retries there)."""
    for _ in range(attempts - 1):
        try:
            return func()
        except OperationalError:
            time.sleep(0.05)
    return func()


def wait_for(predicate: Any, timeout: float = 15.0) -> bool:
    """Poll until `predicate()` is true. On SQLite the test database is shared in memory between
    threads, where a read can meet another thread's write lock at once ("table is locked"): that
    only means "not yet"."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except OperationalError:
            pass
        time.sleep(0.05)
    return bool(predicate())
