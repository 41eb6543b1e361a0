"""Check the audit chain; exit 1 at the first changed or removed entry (S12)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from isigurt.audit.selectors import Problem, verify_audit_chain

_REASONS = {
    Problem.MISSING: gettext_lazy("entry removed"),
    Problem.CHANGED: gettext_lazy("entry changed (its hash does not match)"),
    Problem.REWRITTEN: gettext_lazy("entry replaced (the next entry's link does not match)"),
    Problem.MISSING_TAIL: gettext_lazy("newest entries removed"),
    Problem.NOT_IN_HEAD: gettext_lazy("entries not recorded in the chain head"),
    Problem.EXPORTED_HEAD: gettext_lazy("differs from an exported chain head"),
}


class Command(BaseCommand):
    help = (
        "Verify the hash chain of the audit log. Prints 'audit log ok: N entries' and exits 0, "
        "or names the first changed or removed entry and exits 1. With --heads, also checks "
        "every chain head written earlier by export_audit_head."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--heads", type=Path, help="a file written by export_audit_head")

    def handle(self, *args: Any, **options: Any) -> None:
        heads = options.get("heads")
        if heads is not None and not heads.exists():
            raise CommandError(_("No exported heads at %(path)s.") % {"path": heads})
        result = verify_audit_chain(exported_heads=heads)
        if result.ok:
            self.stdout.write(_("audit log ok: %(count)d entries") % {"count": result.checked})
            return
        assert result.reason is not None  # noqa: S101 — a failed result always has a reason
        raise CommandError(
            _("audit log broken at entry %(seq)s: %(reason)s (%(checked)d entries verified)")
            % {
                "seq": result.first_bad_seq,
                "reason": _REASONS[result.reason],
                "checked": result.checked,
            }
        )
