"""Celery tasks of the audit log: thin wrappers over its services."""

from celery import shared_task
from django.db import DatabaseError

from isigurt.audit.services import audit_seal

SEAL_TASK_NAME = "isigurt.audit.tasks.seal_audit_log"


# Idempotent: a second run finds nothing unsealed. Sealers queue on the chain head's lock.
@shared_task(
    name=SEAL_TASK_NAME,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    retry_backoff_max=30,
    max_retries=5,
)
def seal_audit_log() -> int:
    """Seal every committed unsealed entry; returns how many."""
    return audit_seal().sealed
