"""Escalate the cases whose first response or referral is overdue (Celery beat runs the same
every minute)."""

from typing import Any

from django.core.management.base import BaseCommand

from isigurt.cases.services import cases_escalate_overdue


class Command(BaseCommand):
    help = (
        "Escalate every open case whose first response or referral is overdue and was not "
        "escalated yet: a timeline event and an e-mail to the helpline's supervisors. Safe to "
        "run again: each case is escalated once per kind of breach."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = cases_escalate_overdue()
        self.stdout.write(
            f"{result.first_response} first responses and {result.referral} referrals escalated"
        )
