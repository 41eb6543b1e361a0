"""Re-encrypt stored values with the newest field encryption key (``rotate_encryption_key``).

Encrypted model fields are found by walking the models. Encrypted files (blobs made with
``isigurt.lib.crypto.encrypt_bytes``) live wherever their app keeps them, so each such app
registers a rotator here (``register_blob_rotator``, from its ``AppConfig.ready()``) and lib stays
free of any knowledge of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from django.apps import apps
from django.db import models, transaction

from isigurt.lib.crypto import encrypt_text, get_keyring, token_key_id
from isigurt.lib.fields import EncryptedTextField, Sealed


class BlobRotator(Protocol):
    def __call__(self, *, batch_size: int) -> int:
        """Re-encrypt every stored blob not made with the newest key; return how many."""
        ...


_blob_rotators: dict[str, BlobRotator] = {}


def register_blob_rotator(name: str, fn: BlobRotator) -> None:
    """Have ``rotate_encrypted_files`` call ``fn(batch_size=...)``; registering a name again
    replaces the earlier function (``ready()`` may run more than once)."""
    _blob_rotators[name] = fn


def unregister_blob_rotator(name: str) -> None:
    _blob_rotators.pop(name, None)


def blob_rotators() -> dict[str, BlobRotator]:
    return dict(_blob_rotators)


def rotate_encrypted_files(*, batch_size: int = 500) -> dict[str, int]:
    """Run every registered blob rotator; the number of files each re-encrypted, by name."""
    return {name: fn(batch_size=batch_size) for name, fn in sorted(_blob_rotators.items())}


@dataclass(frozen=True)
class RotationResult:
    fields: int
    rows: int
    models: int


def encrypted_fields(model: type[models.Model]) -> list[EncryptedTextField]:
    """The encrypted fields stored in this model's own table."""
    return [
        field
        for field in model._meta.local_concrete_fields
        if isinstance(field, EncryptedTextField)
    ]


def models_with_encrypted_fields() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models()
        if not model._meta.proxy and model._meta.managed and encrypted_fields(model)
    ]


def rotate_encryption(
    *, models_to_rotate: Iterable[type[models.Model]] | None = None, batch_size: int = 500
) -> RotationResult:
    """Re-encrypt every token not made with the newest key. Idempotent; safe to re-run.

    Rows are read in primary-key order, one batch per transaction, locked while rewritten so a
    concurrent edit is not overwritten. Only the token columns are written (no save() hooks,
    no ``auto_now`` changes).
    """
    newest = get_keyring().newest_id
    total_fields = total_rows = total_models = 0
    targets = models_with_encrypted_fields() if models_to_rotate is None else models_to_rotate
    for model in targets:
        fields = encrypted_fields(model)
        if not fields:
            continue
        rows_here = _rotate_model(model, fields, newest=newest, batch_size=batch_size)
        if rows_here[1]:
            total_models += 1
        total_fields += rows_here[0]
        total_rows += rows_here[1]
    return RotationResult(fields=total_fields, rows=total_rows, models=total_models)


def _rotate_model(
    model: type[models.Model], fields: list[EncryptedTextField], *, newest: str, batch_size: int
) -> tuple[int, int]:
    manager = model._base_manager
    names = [field.attname for field in fields]
    fields_done = rows_done = 0
    last_pk = None
    while True:
        with transaction.atomic():
            batch = manager.select_for_update().only("pk", *names).order_by("pk")
            if last_pk is not None:
                batch = batch.filter(pk__gt=last_pk)
            rows = list(batch[:batch_size])
            for row in rows:
                changes = {}
                for field in fields:
                    current = row.__dict__.get(field.attname)
                    if not isinstance(current, Sealed) or token_key_id(current.token) == newest:
                        continue
                    plaintext = field.open_sealed(row, current)
                    aad = field.aad_for(row)
                    text = field._serialise(plaintext)
                    changes[field.attname] = Sealed(encrypt_text(text, aad=aad), aad=aad)
                if changes:
                    manager.filter(pk=row.pk).update(**changes)
                    fields_done += len(changes)
                    rows_done += 1
        if len(rows) < batch_size:
            return fields_done, rows_done
        last_pk = rows[-1].pk
