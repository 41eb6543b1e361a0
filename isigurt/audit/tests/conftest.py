"""The outbox's broker and worker fixtures, for sealing through Celery."""

from isigurt.outbox.tests.conftest import broker_url, celery_worker, queue_name

__all__ = ["broker_url", "celery_worker", "queue_name"]
