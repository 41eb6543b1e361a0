"""Celery tasks fed by the outbox relay."""

from celery import shared_task
from django.db import DatabaseError

from .services import TASK_NAME, outbox_handle


# Settings give acks_late, reject_on_worker_lost and prefetch 1 (R5); they are repeated here so
# the task keeps them whatever app runs it. A database outage retries the delivery; a handler's
# own failure is recorded on the row and retried by the relay instead.
@shared_task(
    name=TASK_NAME,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    retry_backoff_max=60,
    max_retries=8,
)
def dispatch_outbox_message(message_id: str) -> None:
    """Handle one outbox message; a repeated delivery is a no-op."""
    outbox_handle(message_id=message_id)
