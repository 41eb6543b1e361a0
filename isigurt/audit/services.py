"""Writing the audit log. Call these inside the transaction of the action they record.

    from isigurt.audit.services import audit_read, audit_record

    with transaction.atomic():
        case = access_case(user, case_id)
        audit_read(actor=user, target=case, fields=["summary", "child_name"], request=request)
    return render(...)  # reached only if the audit entry was written

If the entry cannot be written the call raises, the caller's transaction rolls back and the
data is not returned (S12). Entries carry identifiers and field names, never values.

Writing an entry is a plain insert; ``audit_seal`` (the sealer) later chains entries in batches
and signs a checkpoint. See docs/decisions/0007-audit-sealing.md.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from isigurt.audit import signing
from isigurt.audit.models import (
    GENESIS_HASH,
    AuditChainHead,
    AuditCheckpoint,
    AuditEntry,
    AuditForgedEntry,
    mac_content,
    normalised_ip,
)
from isigurt.lib.client import client_address
from isigurt.lib.db import prepared_cursor

if TYPE_CHECKING:
    from django.http import HttpRequest

logger = logging.getLogger(__name__)

# Entries per signed checkpoint at most, and per UPDATE statement.
SEAL_BATCH = 5000
SEAL_STATEMENT_ROWS = 500


# The columns audit_record writes; seq and the hashes stay NULL until the sealer runs.
_INSERTED = (
    "created_at",
    "actor_id",
    "actor_label",
    "organisation_id",
    "action",
    "object_type",
    "object_id",
    "fields",
    "ip",
    "mac",
)


class AuditSealingFailed(Exception):
    """The sealer found the log in a state it must not extend."""


_ACTION_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
_FIELD_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]{0,63}$")
_OBJECT_TYPE_RE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


def _actor_parts(actor: Any) -> tuple[int | None, str, int | None]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, "", None
    return actor.pk, actor.get_username(), getattr(actor, "organisation_id", None)


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    # The same address the lockout and the limiter see ("" for a socket path or garbage:
    # record no address rather than fail the action).
    return client_address(request) or None


def _check_fields(fields: Iterable[str]) -> list[str]:
    names = list(fields)
    for name in names:
        if not isinstance(name, str) or not _FIELD_RE.match(name):
            # Never echo the bad value: it might be a value rather than a name.
            raise ValueError("Audit entries take field names only (identifiers).")
    return names


def audit_record(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    fields: Iterable[str] = (),
    request: HttpRequest | None = None,
) -> AuditEntry:
    """Append one entry to the log, inside the caller's transaction.

    ``actor`` is a user (or None / anonymous for the public); ``action`` a dotted verb such as
    ``report.read`` or ``login.failure``; ``target`` the object acted on (or give
    ``object_type`` as ``app_label.model`` and ``object_id``); ``fields`` the names of the
    fields read or changed. Raises on any failure, so the caller's action fails with it.
    """
    if not _ACTION_RE.match(action) or len(action) > 64:
        raise ValueError("An audit action looks like 'report.read'.")
    if target is not None:
        object_type = target._meta.label_lower
        object_id = target.pk
    if object_type and not _OBJECT_TYPE_RE.match(object_type):
        raise ValueError("An audit object type looks like 'reports.report'.")
    names = _check_fields(fields)
    actor_id, actor_label, organisation_id = _actor_parts(actor)
    ip = normalised_ip(_client_ip(request))
    created_at = timezone.now()
    object_type = object_type or ""
    object_id = "" if object_id is None else str(object_id)
    # The MAC proves the row was written here, by code holding the key, and not inserted
    # straight into the table: the sealer chains only entries whose MAC verifies.
    mac = signing.entry_mac(
        mac_content(
            created_at=created_at,
            actor_id=actor_id,
            actor_label=actor_label,
            organisation_id=organisation_id,
            action=action,
            object_type=object_type,
            object_id=object_id,
            fields=names,
            ip=ip,
        )
    )
    values = [
        created_at,
        actor_id,
        actor_label,
        organisation_id,
        action,
        object_type,
        object_id,
        names,
        ip,
        mac,
    ]
    # A plain insert with an automatic id: no lock shared with any other request. The sealer
    # gives the entry its place in the chain after the commit (see audit_seal). One raw
    # statement rather than Model.save(): every audited action pays for this line.
    connection = transaction.get_connection()
    entry_id = _insert(connection, values)
    # Positional, in the model's field order (id, seq, content, prev_hash, entry_hash, mac).
    row: list[Any] = [entry_id, None, *values[:9], None, None, mac]
    entry = AuditEntry(*row)  # type: ignore[misc]
    entry._state.adding = False
    entry._state.db = connection.alias
    _seal_after_commit()
    return entry


@cache
def _insert_fields() -> list[Any]:
    names = _INSERTED
    return [AuditEntry._meta.get_field(name) for name in names]


@cache
def _insert_sql(vendor: str) -> str:
    quote = transaction.get_connection().ops.quote_name
    columns = ", ".join(quote(field.column) for field in _insert_fields())
    if vendor == "postgresql":
        # Values bound as they are: the JSON list as text, the address as text, cast here.
        marks = ", ".join(
            {"fields": "%s::jsonb", "ip": "%s::inet"}.get(name, "%s") for name in _INSERTED
        )
    else:
        marks = ", ".join(["%s"] * len(_INSERTED))
    table = quote(AuditEntry._meta.db_table)
    return f"INSERT INTO {table} ({columns}) VALUES ({marks}) RETURNING {quote('id')}"  # noqa: S608 — names from the model


def _insert(connection: Any, values: list[Any]) -> int:
    """Insert one entry's columns (in the order of _INSERTED); its new id."""
    if connection.vendor == "postgresql":
        # The values are already plain: no per-field preparation through the model.
        values = [*values[:7], _encode_fields(values[7]), *values[8:]]
        with prepared_cursor(connection) as cursor:
            cursor.execute(_insert_sql(connection.vendor), values)
            return int(cursor.fetchone()[0])
    values = [
        field.get_db_prep_save(value, connection)
        for field, value in zip(_insert_fields(), values, strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(connection.vendor), values)
        return int(cursor.fetchone()[0])


_encode_fields = json.JSONEncoder(ensure_ascii=False).encode


def audit_read(
    *,
    actor: Any,
    target: models.Model,
    request: HttpRequest | None = None,
    fields: Iterable[str] = (),
) -> AuditEntry:
    """Record that ``actor`` read ``target`` (action ``<model>.read``)."""
    return audit_record(
        actor=actor,
        action=f"{target._meta.model_name}.read",
        target=target,
        fields=fields,
        request=request,
    )


def _seal_after_commit() -> None:
    """Once per transaction: seal what it wrote as soon as it commits (when there is no broker).

    With a broker the request never waits on the sealer nor on the broker (R3): the outbox
    relay notices committed unsealed entries and hands one seal task to Celery (see handlers.py),
    and Celery beat runs the same task as a safety net.
    """
    if settings.CELERY_BROKER_URL:
        return
    connection = transaction.get_connection()
    if any(func is _seal_inline for _sids, func, _robust in connection.run_on_commit):
        return  # already asked for by an earlier entry of this transaction
    transaction.on_commit(_seal_inline, robust=True)


def _seal_inline() -> None:
    try:
        audit_seal()
    except Exception as exc:  # the action has committed; the safety net seals it later
        logger.error("audit sealing after commit failed error=%s", type(exc).__name__)


@dataclass(frozen=True)
class SealResult:
    sealed: int  # entries given their place in the chain by this run
    seq: int  # the chain's length afterwards
    checkpoints: int  # signed checkpoints written by this run
    forged: int = 0  # entries refused by this run: their MAC did not verify


def _write_seals(rows: list[tuple[int, int, str, str]]) -> None:
    """Give each (id, seq, prev_hash, entry_hash) its place: the only UPDATE the triggers allow."""
    values = ", ".join(["(CAST(%s AS BIGINT), CAST(%s AS BIGINT), %s, %s)"] * len(rows))
    params = [value for row in rows for value in row]
    table = AuditEntry._meta.db_table
    sql = (
        f"UPDATE {table} SET seq = v.column2, prev_hash = v.column3, entry_hash = v.column4 "  # noqa: S608 — table name from the model, values bound
        f"FROM (VALUES {values}) AS v WHERE {table}.id = v.column1 AND {table}.seq IS NULL"
    )
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.rowcount != len(rows):
            # Someone else set a seq on one of these rows: refuse to extend a chain we cannot trust.
            raise AuditSealingFailed("An entry to seal was changed under the sealer.")


def _flag_forged(entries: list[AuditEntry]) -> None:
    now = timezone.now()
    for entry in entries:
        # The id only: the row's content is not to be trusted, and may hold anything.
        logger.error("audit entry failed its MAC check; left unsealed entry_id=%s", entry.pk)
        AuditForgedEntry.objects.get_or_create(entry_id=entry.pk, defaults={"found_at": now})


def _seal_batch(limit: int) -> tuple[int, int, int, AuditCheckpoint | None]:
    """One transaction: lock the head, chain up to ``limit`` entries, sign a checkpoint.

    Returns (entries sealed, chain length, forged entries refused, new checkpoint or None).
    """
    with transaction.atomic():
        head, _created = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        pending = list(
            AuditEntry.objects.filter(seq__isnull=True)
            .exclude(pk__in=AuditForgedEntry.objects.values("entry_id"))
            .order_by("id")[:limit]
        )
        genuine: list[AuditEntry] = []
        forged: list[AuditEntry] = []
        for entry in pending:
            (genuine if entry.mac_valid() else forged).append(entry)
        if forged:
            _flag_forged(forged)
        if not genuine:
            return 0, head.seq, len(forged), None
        seq, prev_hash = head.seq, head.entry_hash
        for start in range(0, len(genuine), SEAL_STATEMENT_ROWS):
            rows = []
            for entry in genuine[start : start + SEAL_STATEMENT_ROWS]:
                seq += 1
                entry.seq, entry.prev_hash = seq, prev_hash
                prev_hash = entry.entry_hash = entry.compute_hash()
                rows.append((entry.pk, seq, entry.prev_hash, prev_hash))
            _write_seals(rows)
        now = timezone.now()
        key = signing.signing_key()
        checkpoint = AuditCheckpoint(
            seq=seq,
            head_hash=prev_hash,
            created_at=now,
            key_id=signing.key_id(key.public_key()),
            signature=signing.sign(signing.checkpoint_body(seq=seq, head_hash=prev_hash, at=now)),
        )
        checkpoint.save()
        head.seq, head.entry_hash, head.updated_at = seq, prev_hash, now
        head.save(update_fields=["seq", "entry_hash", "updated_at"])
        return len(genuine), seq, len(forged), checkpoint


def _checkpoint_line(checkpoint: AuditCheckpoint | None) -> dict[str, Any]:
    return {
        "seq": checkpoint.seq if checkpoint else 0,
        "hash": checkpoint.head_hash if checkpoint else GENESIS_HASH,
        "at": checkpoint.created_at.isoformat() if checkpoint else None,
        "key_id": checkpoint.key_id if checkpoint else None,
        "signature": checkpoint.signature if checkpoint else None,
    }


def _append_line(path: Path, line: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = (json.dumps(line, sort_keys=True) + "\n").encode("utf-8")
    # One write() on an O_APPEND descriptor: concurrent sealers never interleave their lines.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def _log_checkpoint(checkpoint: AuditCheckpoint) -> None:
    """Append a new checkpoint to AUDIT_CHECKPOINT_LOG, outside the database (empty: off).

    Written after the batch committed. A failure is logged, never raised: the entries are
    sealed, and the next checkpoint written covers them too.
    """
    target = str(getattr(settings, "AUDIT_CHECKPOINT_LOG", "") or "")
    if not target:
        return
    try:
        _append_line(Path(target), _checkpoint_line(checkpoint))
    except OSError as exc:
        logger.error("audit checkpoint log not written seq=%s error=%s", checkpoint.seq, exc)


def audit_seal(*, batch: int = SEAL_BATCH, max_batches: int = 100) -> SealResult:
    """Give every committed unsealed entry its place in the chain, in order of arrival.

    The sealer is the only writer of the chain: it alone locks the head row, so sealers queue
    behind each other and never behind (or in front of) the actions being audited. Each batch
    commits with one signed checkpoint (tree size, head hash, time), then appends that
    checkpoint to AUDIT_CHECKPOINT_LOG. An entry whose MAC does not verify was not written by
    the platform: it is left unsealed and recorded as forged (AuditForgedEntry). Call it outside
    any transaction: the checkpoint log is written when each batch's own transaction ends.
    """
    sealed = checkpoints = forged = 0
    seq = 0
    for _ in range(max_batches):
        count, seq, refused, checkpoint = _seal_batch(batch)
        forged += refused
        if checkpoint is not None:
            _log_checkpoint(checkpoint)
            checkpoints += 1
        sealed += count
        if count + refused < batch:
            break
    return SealResult(sealed=sealed, seq=seq, checkpoints=checkpoints, forged=forged)


def audit_head_export(*, path: Path) -> dict[str, Any]:
    """Append the latest signed checkpoint as one JSON line to ``path`` (outside the database)."""
    checkpoint = AuditCheckpoint.objects.order_by("-seq").first()
    line = _checkpoint_line(checkpoint) | {"exported_at": timezone.now().isoformat()}
    _append_line(path, line)
    return line
