"""Re-index cases' blind-index terms under the newest key of BLIND_INDEX_KEYS (decision 0014).

Rotation: put the new key first in BLIND_INDEX_KEYS, keep the old ones after it, deploy (search
and linking look up every listed key meanwhile), run this command, and once ``--check`` says no
row is left under an older key, remove the old key.

Cases are taken in order of their id, one transaction per batch. A case whose terms are all
under the newest key is skipped (``--all`` re-indexes it anyway), so a run that stopped is
resumed by running the command again; ``--after ID`` starts after a given case.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Count

from isigurt.audit.services import audit_record
from isigurt.cases.linking import case_index
from isigurt.cases.models import Case, CaseTerm
from isigurt.lib.blind_index import key_ids, newest_key_id


class Command(BaseCommand):
    help = "Re-index every case's search terms under the newest blind index key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--after", default="", help="start after the case with this id")
        parser.add_argument(
            "--all", action="store_true", help="re-index cases already under the newest key too"
        )
        parser.add_argument(
            "--suggest-links",
            action="store_true",
            help="also suggest links found while re-indexing (after a change of normalisation)",
        )
        parser.add_argument(
            "--check", action="store_true", help="only say how many rows are under older keys"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        newest = newest_key_id()
        if options["check"]:
            self._check(newest)
            return
        batch_size = max(1, int(options["batch_size"]))
        after = None
        if options["after"]:
            try:
                after = uuid.UUID(options["after"])
            except ValueError:
                raise CommandError("--after takes a case id.") from None
        total = Case.objects.count()
        seen = indexed = batches = 0
        started = time.monotonic()
        while True:
            page = Case.objects.order_by("pk")
            if after is not None:
                page = page.filter(pk__gt=after)
            ids = list(page.values_list("pk", flat=True)[:batch_size])
            if not ids:
                break
            due = ids if options["all"] else self._due(ids, newest)
            with transaction.atomic():
                for case in Case.objects.filter(pk__in=due).order_by("pk"):
                    case_index(case, suggest=options["suggest_links"])
            batches += 1
            seen += len(ids)
            indexed += len(due)
            after = ids[-1]
            self.stdout.write(
                f"batch {batches}: {len(due)} of {len(ids)} cases re-indexed; "
                f"{seen}/{total} seen; {time.monotonic() - started:.1f} s; last id {after}"
            )
            self.stdout.flush()
        if indexed:
            audit_record(
                actor=None,
                action="case.terms_reindexed",
                object_type="cases.caseterm",
                fields=["summary", "origins"],
            )
        self.stdout.write(
            f"re-indexed {indexed} of {seen} cases under key {newest} "
            f"in {time.monotonic() - started:.1f} s"
        )

    @staticmethod
    def _due(ids: list[Any], newest: str) -> list[Any]:
        """The cases of ``ids`` with a row under an older key, or with no row at all."""
        keys: dict[Any, set[str]] = {case_id: set() for case_id in ids}
        for case_id, key_id in (
            CaseTerm.objects.filter(case_id__in=ids).values_list("case_id", "key_id").distinct()
        ):
            keys[case_id].add(key_id)
        return [case_id for case_id in ids if keys[case_id] != {newest}]

    def _check(self, newest: str) -> None:
        counts = dict(
            CaseTerm.objects.values_list("key_id")
            .annotate(rows=Count("id"))
            .values_list("key_id", "rows")
        )
        older = {key_id: rows for key_id, rows in counts.items() if key_id != newest}
        unknown = sorted(set(older) - set(key_ids()))
        self.stdout.write(
            f"newest key {newest}: {counts.get(newest, 0)} rows; "
            f"{sum(older.values())} rows under older keys"
            + (
                " ("
                + ", ".join(f"{key_id}: {rows}" for key_id, rows in sorted(older.items()))
                + ")"
                if older
                else ""
            )
        )
        if unknown:
            self.stdout.write(
                "keys no longer configured (those rows are never found): " + ", ".join(unknown)
            )
