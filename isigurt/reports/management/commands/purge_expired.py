from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from isigurt.outbox.services import outbox_purge_handled
from isigurt.reports.services import idempotency_records_purge


class Command(BaseCommand):
    help = (
        "Retention job, run hourly (cron or Celery beat): removes idempotency records older "
        "than 24 hours (they keep a reporter's secret for retries) and handled outbox messages "
        "older than a week."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        records = idempotency_records_purge()
        messages = outbox_purge_handled()
        summary = _(
            "purged %(records)d idempotency records and %(messages)d handled outbox messages"
        )
        self.stdout.write(summary % {"records": records, "messages": messages})
