"""Reading the audit log: verification of the chain."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from isigurt.audit.models import GENESIS_HASH, AuditChainHead, AuditEntry


class Problem(StrEnum):
    MISSING = "missing"  # an entry was removed: the sequence has a gap
    CHANGED = "changed"  # the entry no longer matches its own hash
    REWRITTEN = "rewritten"  # the entry and its hash were replaced: the next link is broken
    MISSING_TAIL = "missing_tail"  # the newest entries were removed
    NOT_IN_HEAD = "not_in_head"  # entries exist that the chain head never recorded
    EXPORTED_HEAD = "exported_head"  # differs from a chain head exported earlier


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: Problem | None = None


def _read_exported_heads(path: Path) -> dict[int, str]:
    heads: dict[int, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            heads[int(item["seq"])] = str(item["hash"])
    return heads


def verify_audit_chain(
    *, exported_heads: Path | None = None, chunk_size: int = 2000
) -> VerifyResult:
    """Walk the chain in order; report the first entry that was changed or removed.

    ``exported_heads`` is a file written by ``export_audit_head``; each head in it must still be
    in the chain (this catches a rewrite of the whole chain from some entry onwards).
    """
    head = AuditChainHead.objects.filter(pk=1).first()
    head_seq = head.seq if head else 0
    head_hash = head.entry_hash if head else GENESIS_HASH
    exported = _read_exported_heads(exported_heads) if exported_heads else {}

    expected_seq, prev_hash, checked = 1, GENESIS_HASH, 0

    def bad(seq: int, reason: Problem) -> VerifyResult:
        return VerifyResult(ok=False, checked=checked, first_bad_seq=seq, reason=reason)

    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=chunk_size):
        if entry.seq != expected_seq:
            return bad(expected_seq, Problem.MISSING)
        if entry.compute_hash() != entry.entry_hash:
            return bad(entry.seq, Problem.CHANGED)
        if entry.prev_hash != prev_hash:
            # This entry is intact, so the one before it was replaced, hash and all.
            return bad(entry.seq - 1, Problem.REWRITTEN)
        if entry.seq == head_seq and entry.entry_hash != head_hash:
            return bad(entry.seq, Problem.REWRITTEN)
        if entry.seq in exported and exported[entry.seq] != entry.entry_hash:
            return bad(entry.seq, Problem.EXPORTED_HEAD)
        checked += 1
        expected_seq, prev_hash = entry.seq + 1, entry.entry_hash

    last_seq = expected_seq - 1
    if last_seq < head_seq:
        return bad(last_seq + 1, Problem.MISSING_TAIL)
    if exported and max(exported) > last_seq:
        return bad(last_seq + 1, Problem.MISSING_TAIL)
    if last_seq > head_seq:
        # Entries appended while we walked move the head too; read it again before judging.
        head = AuditChainHead.objects.filter(pk=1).first()
        if head is None or head.seq < last_seq:
            return bad((head.seq if head else 0) + 1, Problem.NOT_IN_HEAD)
    return VerifyResult(ok=True, checked=checked)
