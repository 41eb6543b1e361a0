"""Seal the audit log now: chain every committed unsealed entry and sign a checkpoint.

Celery runs the same work (isigurt.audit.tasks.seal_audit_log) after audited commits and every
10 seconds from beat; this command is for operators and for cron where Celery beat is not run.
"""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from isigurt.audit.services import audit_seal


class Command(BaseCommand):
    help = (
        "Seal the audit log: give every committed unsealed entry its place in the hash chain "
        "and sign a checkpoint. Prints how many entries were sealed and the chain's length."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = audit_seal()
        self.stdout.write(
            _("sealed %(count)d audit entries; the chain holds %(seq)d")
            % {"count": result.sealed, "seq": result.seq}
        )
