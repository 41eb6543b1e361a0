"""Append the audit log's latest signed checkpoint to a file outside the database (S12).

Run daily (cron or Celery beat), and ship the file to storage the database's administrators
cannot rewrite (another host, write-once storage). ``verify_audit_log --heads FILE`` then
detects a rewrite of the chain that recomputed every hash, even by someone holding the key.
"""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from isigurt.audit.services import audit_head_export


class Command(BaseCommand):
    help = (
        "Append the audit log's latest signed checkpoint (seq, hash, time, signature) as one "
        "JSON line to a file outside the database; default var/audit-heads.jsonl. Run it daily "
        "from cron or Celery beat and copy "
        "the file off the database host."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["output"] or Path(settings.VAR_DIR) / "audit-heads.jsonl"
        line = audit_head_export(path=path)
        self.stdout.write(
            _("exported audit head %(seq)d to %(path)s") % {"seq": line["seq"], "path": path}
        )
