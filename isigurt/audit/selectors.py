"""Reading the audit log: verification of the chain and of its signed checkpoints."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone

from isigurt.audit import signing
from isigurt.audit.models import GENESIS_HASH, AuditCheckpoint, AuditEntry

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


class Problem(StrEnum):
    MISSING = "missing"  # an entry was removed: the sequence has a gap
    CHANGED = "changed"  # the entry no longer matches its own hash
    REWRITTEN = "rewritten"  # the entry and its hash were replaced: a link or checkpoint differs
    MISSING_TAIL = "missing_tail"  # the newest entries were removed
    NOT_IN_HEAD = "not_in_head"  # sealed entries that no signed checkpoint covers
    EXPORTED_HEAD = "exported_head"  # differs from a checkpoint exported earlier
    BAD_SIGNATURE = "bad_signature"  # a checkpoint not signed by the log's key
    FORGED = "forged"  # an entry whose MAC does not verify: not written by the platform
    UNSEALED = "unsealed"  # entries left unsealed longer than allowed: is the sealer running?


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: Problem | None = None
    checkpoints: int = 0  # signed checkpoints verified
    unsealed: int = 0  # entries not sealed yet (any age)
    stale_unsealed: int = 0  # of those, older than the threshold
    forged_entry_id: int | None = None  # with FORGED: the entry's id (an unsealed one has no seq)


class _ConflictingHeads(Exception):
    def __init__(self, seq: int) -> None:
        self.seq = seq


def _read_exported_heads(paths: Sequence[Path]) -> dict[int, dict[str, Any]]:
    heads: dict[int, dict[str, Any]] = {}
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                seq = int(item["seq"])
                if seq in heads and heads[seq]["hash"] != item["hash"]:
                    raise _ConflictingHeads(seq)
                heads[seq] = item
    return heads


def _exported_head_valid(item: dict[str, Any], key: Ed25519PublicKey) -> bool:
    """An exported checkpoint carries its signature (older exports: the hash alone)."""
    if not item.get("signature"):
        return True
    at = datetime.fromisoformat(item["at"])
    body = signing.checkpoint_body(seq=int(item["seq"]), head_hash=str(item["hash"]), at=at)
    return signing.signature_valid(body=body, signature=item["signature"], key=key)


def verify_audit_chain(
    *,
    exported_heads: Path | Sequence[Path] | None = None,
    public_key: Ed25519PublicKey | None = None,
    unsealed_after: timedelta | None = None,
    chunk_size: int = 2000,
) -> VerifyResult:
    """Check the signed checkpoints, then walk the chain in order up to the newest of them.

    Reports the first problem: a checkpoint whose signature does not verify with the log's
    public key (``public_key``, by default the configured key's), a gap, an entry that no longer
    matches its hash, an entry whose link or checkpoint disagrees, removed newest entries,
    sealed entries no checkpoint covers. ``exported_heads`` is a file written by
    ``export_audit_head``; each checkpoint in it must still be in the chain (this catches a
    rewrite by someone holding the signing key); several files may be given (the exported heads
    and AUDIT_CHECKPOINT_LOG), and a checkpoint in them newer than the chain means its newest
    entries were removed. Every entry's MAC is checked, sealed or not: an entry without a valid
    one was inserted past the platform (``forged``). Entries still unsealed after
    ``unsealed_after`` (default settings.AUDIT_MAX_UNSEALED_SECONDS) are reported last.
    """
    key = public_key or signing.signing_key().public_key()
    key_id = signing.key_id(key)
    if unsealed_after is None:
        unsealed_after = timedelta(seconds=settings.AUDIT_MAX_UNSEALED_SECONDS)
    started = timezone.now()
    checkpoints = list(AuditCheckpoint.objects.order_by("seq"))
    if isinstance(exported_heads, Path):
        exported_heads = [exported_heads]
    checked = 0
    try:
        exported = _read_exported_heads(exported_heads or [])
    except _ConflictingHeads as conflict:
        return VerifyResult(
            ok=False, checked=0, first_bad_seq=conflict.seq, reason=Problem.EXPORTED_HEAD
        )

    def bad(seq: int, reason: Problem) -> VerifyResult:
        return VerifyResult(
            ok=False,
            checked=checked,
            first_bad_seq=seq,
            reason=reason,
            checkpoints=len(checkpoints),
        )

    def forged(entry: AuditEntry) -> VerifyResult:
        return VerifyResult(
            ok=False,
            checked=checked,
            first_bad_seq=entry.seq,
            reason=Problem.FORGED,
            checkpoints=len(checkpoints),
            forged_entry_id=entry.pk,
        )

    for checkpoint in checkpoints:
        if checkpoint.key_id != key_id or not signing.signature_valid(
            body=checkpoint.body(), signature=checkpoint.signature, key=key
        ):
            return bad(checkpoint.seq, Problem.BAD_SIGNATURE)
    for seq, item in sorted(exported.items()):
        if not _exported_head_valid(item, key):
            return bad(seq, Problem.EXPORTED_HEAD)
    signed = {checkpoint.seq: checkpoint.head_hash for checkpoint in checkpoints}
    covered = checkpoints[-1].seq if checkpoints else 0

    expected_seq, prev_hash = 1, GENESIS_HASH
    first_forged: AuditEntry | None = None
    entries = AuditEntry.objects.filter(seq__isnull=False, seq__lte=covered).order_by("seq")
    for entry in entries.iterator(chunk_size=chunk_size):
        assert entry.seq is not None  # noqa: S101 — filtered above
        if entry.seq != expected_seq:
            return bad(expected_seq, Problem.MISSING)
        if entry.compute_hash() != entry.entry_hash:
            return bad(entry.seq, Problem.CHANGED)
        if entry.prev_hash != prev_hash:
            # This entry is intact, so the one before it was replaced, hash and all.
            return bad(entry.seq - 1, Problem.REWRITTEN)
        if entry.seq in signed and signed[entry.seq] != entry.entry_hash:
            return bad(entry.seq, Problem.REWRITTEN)
        if first_forged is None and entry.mac is not None and not entry.mac_valid():
            # Only entries sealed before MACs existed have none; removing one changes the hash.
            # Reported after the chain's own checks, which name a rewrite more precisely.
            first_forged = entry
        if entry.seq in exported and exported[entry.seq]["hash"] != entry.entry_hash:
            return bad(entry.seq, Problem.EXPORTED_HEAD)
        checked += 1
        expected_seq, prev_hash = entry.seq + 1, str(entry.entry_hash)

    last_seq = expected_seq - 1
    if last_seq < covered:
        return bad(last_seq + 1, Problem.MISSING_TAIL)
    if exported and max(exported) > last_seq:
        return bad(last_seq + 1, Problem.MISSING_TAIL)
    newest = AuditEntry.objects.filter(seq__isnull=False).order_by("-seq").first()
    if newest is not None and newest.seq is not None and newest.seq > covered:
        # The sealer may have committed a batch while we walked: read its checkpoint again.
        latest = AuditCheckpoint.objects.order_by("-seq").first()
        if latest is None or latest.seq < newest.seq:
            return bad(covered + 1, Problem.NOT_IN_HEAD)

    if first_forged is not None:
        return forged(first_forged)
    unsealed = AuditEntry.objects.filter(seq__isnull=True)
    for entry in unsealed.order_by("id").iterator(chunk_size=chunk_size):
        if not entry.mac_valid():
            return forged(entry)
    stale = unsealed.filter(created_at__lt=started - unsealed_after).count()
    return VerifyResult(
        ok=stale == 0,
        checked=checked,
        reason=Problem.UNSEALED if stale else None,
        checkpoints=len(checkpoints),
        unsealed=unsealed.count(),
        stale_unsealed=stale,
    )


def audit_unsealed_exists() -> bool:
    """Whether any committed entry waits for the sealer (a read of a small partial index)."""
    return AuditEntry.objects.filter(seq__isnull=True).exists()
