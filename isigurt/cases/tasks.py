"""Celery tasks of cases: thin wrappers over their services."""

from celery import shared_task
from django.db import DatabaseError

from isigurt.cases.services import cases_escalate_overdue

ESCALATE_TASK_NAME = "isigurt.cases.tasks.escalate_overdue_cases"


# Idempotent: each case is escalated once per kind of breach (the stamp is set only if empty),
# so a run repeated after a worker was lost escalates nothing twice (R5).
@shared_task(
    name=ESCALATE_TASK_NAME,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    retry_backoff_max=30,
    max_retries=5,
)
def escalate_overdue_cases() -> int:
    """Escalate every case whose first response or referral is overdue; returns how many."""
    return cases_escalate_overdue().total
