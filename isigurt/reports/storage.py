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

    _replace_atomically(path, encrypt_bytes(data, aad=aad.encode()))


def evidence_read(*, name: str, aad: str) -> bytes:
    from isigurt.lib.crypto import decrypt_bytes

    return decrypt_bytes(_path(name).read_bytes(), aad=aad.encode())


def evidence_delete(*, name: str) -> None:
    _path(name).unlink(missing_ok=True)


def evidence_rotate_keys(*, batch_size: int = 500) -> int:
    """Re-encrypt every stored evidence file not made with the newest key; how many were.

    Registered with isigurt.lib.rotation (see ReportsConfig.ready), so ``manage.py
    rotate_encryption_key`` covers evidence. Rows are walked in primary-key order, one locked
    batch at a time (a concurrent erasure waits rather than racing the rewrite). Each new file is
    written next to the old one under a unique temporary name, fsynced and renamed over it, so a
    crash leaves either the old file or the new one, both readable while both keys are listed.
    The associated data stays the one the file was written with. Idempotent.
    """
    from django.db import transaction

    from isigurt.lib.crypto import blob_needs_rotation, reencrypt_bytes
    from isigurt.reports.models import Evidence
    from isigurt.reports.services import _evidence_aad

    done = 0
    last_pk = None
    while True:
        with transaction.atomic():
            batch = (
                Evidence._base_manager.select_for_update()
                .filter(stored=True)
                .exclude(storage_name="")
                .only("pk", "report_id", "storage_name")
                .order_by("pk")
            )
            if last_pk is not None:
                batch = batch.filter(pk__gt=last_pk)
            rows = list(batch[:batch_size])
            for evidence in rows:
                path = _path(evidence.storage_name)
                try:
                    blob = path.read_bytes()
                except FileNotFoundError:
                    continue
                if not blob_needs_rotation(blob):
                    continue
                _replace_atomically(
                    path, reencrypt_bytes(blob, aad=_evidence_aad(evidence).encode())
                )
                done += 1
        if len(rows) < batch_size:
            return done
        last_pk = rows[-1].pk


def _replace_atomically(path: Path, blob: bytes) -> None:
    """Write ``blob`` to a new file in ``path``'s directory (0600), fsync, rename over ``path``."""
    import tempfile

    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(blob)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
