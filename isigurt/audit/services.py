"""Writing the audit log. Call these inside the transaction of the action they record.

    from isigurt.audit.services import audit_read, audit_record

    with transaction.atomic():
        case = access_case(user, case_id)
        audit_read(actor=user, target=case, fields=["summary", "child_name"], request=request)
    return render(...)  # reached only if the audit entry was written

If the entry cannot be written the call raises, the caller's transaction rolls back and the
data is not returned (S12). Entries carry identifiers and field names, never values.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from isigurt.audit.models import AuditChainHead, AuditEntry

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
    try:
        return str(ipaddress.ip_address(request.META.get("REMOTE_ADDR") or ""))
    except ValueError:
        return None  # a socket path or garbage: record no address rather than fail the action


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
    """Append one entry to the chain, inside the caller's transaction.

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
    ip = _client_ip(request)
    # No savepoint: an audit failure must fail the caller's whole transaction anyway, and the
    # two extra round trips would sit inside the chain lock that every audited action waits on.
    with transaction.atomic(savepoint=False):
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        now = timezone.now()
        entry = AuditEntry(
            seq=head.seq + 1,
            created_at=now,
            actor_id=actor_id,
            actor_label=actor_label,
            organisation_id=organisation_id,
            action=action,
            object_type=object_type or "",
            object_id="" if object_id is None else str(object_id),
            fields=names,
            ip=ip,
            prev_hash=head.entry_hash,
        )
        entry.entry_hash = entry.compute_hash()
        entry.save()
        head.seq = entry.seq
        head.entry_hash = entry.entry_hash
        head.updated_at = now
        head.save(update_fields=["seq", "entry_hash", "updated_at"])
    return entry


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


def audit_head_export(*, path: Path) -> dict[str, Any]:
    """Append the chain head as one JSON line to ``path`` (a file outside the database)."""
    head = AuditChainHead.objects.filter(pk=1).first()
    line = {
        "seq": head.seq if head else 0,
        "hash": head.entry_hash if head else AuditChainHead().entry_hash,
        "at": head.updated_at.isoformat() if head and head.updated_at else None,
        "exported_at": timezone.now().isoformat(),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(line, sort_keys=True) + "\n")
    return line
