"""Write the helpline's search terms of reports (keyed blind indexes) under the newest key.

Backfill: reports filed before search existed have no terms; this writes them. Key rotation:
put a new key first in BLIND_INDEX_KEYS (keep the old one after it), deploy, run this command
until ``--check`` reports nothing left, then remove the old key. Searches find reports under
every listed key meanwhile. The run goes batch by batch, one transaction each; stopped, it
resumes where it stopped. ``--full`` first marks every report for re-indexing (after a change
in how words, links, usernames or numbers are normalised).
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from isigurt.reports.search import (
    REINDEX_BATCH_SIZE,
    report_terms_forget_keys,
    report_terms_reindex,
    report_terms_status,
)


class Command(BaseCommand):
    help = (
        "Index the reports' search terms under the newest blind-index key, in batches "
        "(backfill and key rotation; resumable). --check only counts what is left."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=REINDEX_BATCH_SIZE)
        parser.add_argument(
            "--check",
            action="store_true",
            help="Count terms under older keys and reports not yet indexed; exit 1 if any.",
        )
        parser.add_argument(
            "--full", action="store_true", help="Re-index every report, not only those left."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["check"]:
            status = report_terms_status()
            self.stdout.write(
                _(
                    "%(terms)d search terms under older keys, %(reports)d reports not indexed "
                    "under the newest key (%(key)s)"
                )
                % {
                    "terms": status.old_terms,
                    "reports": status.reports_waiting,
                    "key": status.newest_key,
                }
            )
            if status.old_terms or status.reports_waiting:
                raise CommandError(_("Re-indexing is not finished."), returncode=1)
            return
        if options["batch_size"] < 1:
            raise CommandError(_("The batch size must be at least 1."))
        if options["full"]:
            report_terms_forget_keys()

        def progress(done: int, total: int) -> None:
            counts = {"done": done, "total": total}
            self.stdout.write(_("indexed %(done)d of %(total)d reports") % counts)

        indexed = report_terms_reindex(batch_size=options["batch_size"], progress=progress)
        status = report_terms_status()
        self.stdout.write(
            _("indexed %(reports)d reports; %(terms)d search terms left under older keys")
            % {"reports": indexed, "terms": status.old_terms}
        )
