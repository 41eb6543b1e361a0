from typing import Any

from django.core.management.base import BaseCommand

from isigurt.referrals.services import referrals_escalate_overdue


class Command(BaseCommand):
    help = (
        "Escalate referrals whose acknowledgement is overdue (each once): the case's timeline, "
        "the audit log and one e-mail to the institution's officers and the helpline's "
        "supervisors. Celery beat runs the same every minute."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = referrals_escalate_overdue()
        self.stdout.write(f"{count} referrals escalated")
