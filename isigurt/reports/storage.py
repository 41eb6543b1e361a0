"""Evidence files: encrypted (AES-GCM, isigurt.lib.crypto) under settings.EVIDENCE_ROOT.

EVIDENCE_ROOT lies outside the web root; files are named by the evidence id only, written
atomically (temporary file, fsync, rename) with owner-only permissions, and bound by their
associated data to the evidence row, so a file moved to another row's name does not decrypt.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from django.conf import settings

_NAME_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def evidence_root() -> Path:
    return Path(settings.EVIDENCE_ROOT)


def _path(name: str) -> Path:
    if not _NAME_RE.match(name):
        raise ValueError("An evidence file name is an evidence id.")
    return evidence_root() / name[:2] / name


def evidence_write(*, name: str, data: bytes, aad: str) -> None:
    path = _path(name)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    from isigurt.lib.crypto import encrypt_bytes

    blob = encrypt_bytes(data, aad=aad.encode())
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(blob)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def evidence_read(*, name: str, aad: str) -> bytes:
    from isigurt.lib.crypto import decrypt_bytes

    return decrypt_bytes(_path(name).read_bytes(), aad=aad.encode())


def evidence_delete(*, name: str) -> None:
    _path(name).unlink(missing_ok=True)


def evidence_file_count() -> int:
    """How many evidence files exist (for tests and checks)."""
    root = evidence_root()
    if not root.exists():
        return 0
    return sum(1 for path in root.rglob("*") if path.is_file())
