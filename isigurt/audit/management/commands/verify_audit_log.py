"""Check the audit chain and its signed checkpoints; exit 1 at the first problem (S12)."""

from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from isigurt.audit import signing
from isigurt.audit.selectors import Problem, verify_audit_chain

_REASONS = {
    Problem.MISSING: gettext_lazy("entry removed"),
    Problem.CHANGED: gettext_lazy("entry changed (its hash does not match)"),
    Problem.REWRITTEN: gettext_lazy("entry replaced (the next entry's link does not match)"),
    Problem.MISSING_TAIL: gettext_lazy("newest entries removed"),
    Problem.NOT_IN_HEAD: gettext_lazy("entries not recorded in the chain head"),
    Problem.EXPORTED_HEAD: gettext_lazy("differs from an exported chain head"),
    Problem.BAD_SIGNATURE: gettext_lazy("checkpoint not signed by the log's key"),
    Problem.FORGED: gettext_lazy("entry not written by the platform (its MAC does not match)"),
}


class Command(BaseCommand):
    help = (
        "Verify the audit log: the signature of every checkpoint, the hash chain up to the "
        "newest checkpoint, and that no entry stayed unsealed too long. Prints 'audit log ok: "
        "N entries' and exits 0, or names the first problem and exits 1. With --heads, also "
        "checks every checkpoint written earlier by export_audit_head. The checkpoint log "
        "(AUDIT_CHECKPOINT_LOG) is read too when it exists, so removed newest entries are found."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--heads", type=Path, help="a file written by export_audit_head")
        parser.add_argument(
            "--checkpoint-log",
            type=Path,
            default=None,
            help="the sealer's checkpoint log (default AUDIT_CHECKPOINT_LOG, read when present)",
        )
        parser.add_argument(
            "--public-key",
            help="the log's public key, as audit_signing_key prints it (default: configured)",
        )
        parser.add_argument(
            "--unsealed-after",
            type=int,
            default=None,
            help="seconds an entry may stay unsealed (default AUDIT_MAX_UNSEALED_SECONDS)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        heads = options.get("heads")
        if heads is not None and not heads.exists():
            raise CommandError(_("No exported heads at %(path)s.") % {"path": heads})
        files = [heads] if heads is not None else []
        checkpoint_log = options.get("checkpoint_log")
        if checkpoint_log is not None:
            if not checkpoint_log.exists():
                raise CommandError(_("No checkpoint log at %(path)s.") % {"path": checkpoint_log})
            files.append(checkpoint_log)
        elif settings.AUDIT_CHECKPOINT_LOG and Path(settings.AUDIT_CHECKPOINT_LOG).exists():
            files.append(Path(settings.AUDIT_CHECKPOINT_LOG))
        public_key = None
        if options.get("public_key"):
            try:
                public_key = signing.parse_public_key(options["public_key"])
            except ValueError as exc:
                raise CommandError(str(exc)) from None
        unsealed_after = options.get("unsealed_after")
        result = verify_audit_chain(
            exported_heads=files,
            public_key=public_key,
            unsealed_after=None if unsealed_after is None else timedelta(seconds=unsealed_after),
        )
        if result.ok:
            self.stdout.write(_("audit log ok: %(count)d entries") % {"count": result.checked})
            return
        assert result.reason is not None  # noqa: S101 — a failed result always has a reason
        if result.reason is Problem.UNSEALED:
            raise CommandError(
                _("audit log: %(count)d entries left unsealed too long (is the sealer running?)")
                % {"count": result.stale_unsealed}
            )
        if result.reason is Problem.FORGED:
            raise CommandError(
                _("audit log: forged entry %(id)s: %(reason)s")
                % {"id": result.forged_entry_id, "reason": _REASONS[Problem.FORGED]}
            )
        raise CommandError(
            _("audit log broken at entry %(seq)s: %(reason)s (%(checked)d entries verified)")
            % {
                "seq": result.first_bad_seq,
                "reason": _REASONS[result.reason],
                "checked": result.checked,
            }
        )
