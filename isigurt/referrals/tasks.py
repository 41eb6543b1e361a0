"""Celery tasks of referrals: thin wrappers over their services."""

from celery import shared_task
from django.db import DatabaseError

from isigurt.referrals.handlers import ESCALATE_TASK_NAME
from isigurt.referrals.services import referrals_escalate_overdue


# Run by Celery beat every minute and started by the outbox relay when a referral is overdue.
# Idempotent: each referral is escalated by one conditional update, at most once.
@shared_task(
    name=ESCALATE_TASK_NAME,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    retry_backoff_max=60,
    max_retries=5,
)
def escalate_overdue_referrals() -> int:
    """Escalate every referral whose acknowledgement is overdue; returns how many."""
    return referrals_escalate_overdue()
