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
from django.utils.translation import gettext as _

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
                raise CommandError(_("--after takes a case id.")) from None
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
                _(
                    "batch %(batch)d: %(done)d of %(size)d cases re-indexed; %(seen)d/%(total)d"
                    " seen; %(seconds).1f s; last id %(last)s"
                )
                % {
                    "batch": batches,
                    "done": len(due),
                    "size": len(ids),
                    "seen": seen,
                    "total": total,
                    "seconds": time.monotonic() - started,
                    "last": after,
                }
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
            _("re-indexed %(done)d of %(seen)d cases under key %(key)s in %(seconds).1f s")
            % {"done": indexed, "seen": seen, "key": newest, "seconds": time.monotonic() - started}
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
        by_key = ", ".join(f"{key_id}: {rows}" for key_id, rows in sorted(older.items()))
        self.stdout.write(
            _("newest key %(key)s: %(rows)d rows; %(older)d rows under older keys")
            % {"key": newest, "rows": counts.get(newest, 0), "older": sum(older.values())}
            + (f" ({by_key})" if older else "")
        )
        if unknown:
            self.stdout.write(
                _("keys no longer configured (those rows are never found): %(keys)s")
                % {"keys": ", ".join(unknown)}
            )
