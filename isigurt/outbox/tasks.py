"""Celery tasks fed by the outbox relay."""

from celery import shared_task

from .services import TASK_NAME, outbox_handle


@shared_task(name=TASK_NAME, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def dispatch_outbox_message(message_id: str) -> None:
    """Handle one outbox message; a repeated delivery is a no-op (R5)."""
    outbox_handle(message_id=message_id)
