"""The append-only audit log (S12), sealed in batches into a signed hash chain.

See docs/decisions/0004-audit-log.md and 0007-audit-sealing.md. Entries hold identifiers and
field names, never values or personal data about the subject. An entry is inserted with no
sequence number; the sealer later gives it ``seq``, ``prev_hash`` and ``entry_hash`` (the only
change the database allows on a row) and signs a checkpoint over the chain.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from isigurt.audit import signing

GENESIS_HASH = "0" * 64

_M = TypeVar("_M", bound=models.Model)

# The one fixed JSON form of the hashed and MACed bytes; built once, used for every entry.
_encode = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def normalised_ip(ip: Any) -> str | None:
    """An address in the form the database gives it back (inet), or None."""
    return ipaddress.ip_address(str(ip)).compressed if ip else None


def mac_content(
    *,
    created_at: datetime,
    actor_id: int | None,
    actor_label: str,
    organisation_id: int | None,
    action: str,
    object_type: str,
    object_id: str,
    fields: list[str],
    ip: str | None,
) -> bytes:
    """The bytes an entry's MAC covers (see AuditEntry.mac_content); ``ip`` normalised."""
    data = {
        "v": "isigurt/audit/entry/v1",
        "created_at": created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": actor_id,
        "actor_label": actor_label,
        "organisation_id": organisation_id,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "fields": list(fields),
        "ip": ip,
    }
    return _encode(data).encode()


class AuditLogIsAppendOnly(Exception):
    """Raised on any attempt to change or remove an audit entry or checkpoint."""


class AppendOnlyQuerySet(models.QuerySet[_M]):
    def update(self, **kwargs: Any) -> int:
        raise AuditLogIsAppendOnly("The audit log cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly("The audit log cannot be deleted.")

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        raise AuditLogIsAppendOnly("The audit log cannot be changed.")

    def bulk_create(self, *args: Any, **kwargs: Any) -> Any:
        raise AuditLogIsAppendOnly("Audit rows are written one at a time by their services.")

    def update_or_create(self, *args: Any, **kwargs: Any) -> Any:
        raise AuditLogIsAppendOnly("The audit log cannot be changed.")


class AppendOnlyModel(models.Model):
    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditLogIsAppendOnly("The audit log cannot be changed.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly("The audit log cannot be deleted.")


class AuditEntry(AppendOnlyModel):
    """One action by one actor on (at most) one object; once sealed, linked to the one before."""

    # Set by the sealer alone (services.audit_seal): NULL until then. Unique among sealed
    # entries only (see Meta): an unsealed entry costs no insertion into that index.
    seq = models.BigIntegerField(_("sequence"), null=True, editable=False)
    created_at = models.DateTimeField(_("time"), editable=False)
    # A plain number, not a foreign key: removing a user never touches the log.
    actor_id = models.BigIntegerField(_("actor id"), null=True, editable=False)
    actor_label = models.CharField(_("actor"), max_length=150, blank=True, editable=False)
    organisation_id = models.BigIntegerField(_("organisation id"), null=True, editable=False)
    action = models.CharField(_("action"), max_length=64, editable=False)
    object_type = models.CharField(_("object type"), max_length=100, blank=True, editable=False)
    object_id = models.CharField(_("object id"), max_length=64, blank=True, editable=False)
    fields = models.JSONField(_("fields"), default=list, blank=True, editable=False)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True, editable=False)
    # NULL, not "", until sealed. No index on the hash: every index is paid for twice per
    # entry (insert and seal), and the chain, not uniqueness, is what protects it.
    prev_hash = models.CharField(_("previous hash"), max_length=64, null=True, editable=False)  # noqa: DJ001
    entry_hash = models.CharField(_("hash"), max_length=64, null=True, editable=False)  # noqa: DJ001
    # HMAC-SHA256 of mac_content() with a key the database does not hold (signing.entry_mac),
    # computed before the insert: the sealer refuses to chain a row that lacks a valid one, so a
    # row inserted straight into the table is never sealed as genuine. NULL only on entries
    # sealed before MACs existed.
    mac = models.CharField(  # noqa: DJ001
        _("message authentication code"), max_length=64, null=True, editable=False
    )

    objects: ClassVar[AppendOnlyQuerySet[AuditEntry]] = AppendOnlyQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        # The refusing manager is also the base manager, so Django-internal and private paths
        # (``_base_manager.filter(...).update()``/``.delete()``) are refused as well.
        base_manager_name = "objects"
        ordering = ["-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            # The sealer's queue: small, since entries stay unsealed for seconds.
            models.Index(fields=["id"], condition=Q(seq__isnull=True), name="audit_unsealed_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["seq"], condition=Q(seq__isnull=False), name="audit_sealed_seq_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}" if self.seq else f"(unsealed {self.pk}) {self.action}"

    @property
    def is_sealed(self) -> bool:
        return self.seq is not None

    def canonical(self) -> bytes:
        """The bytes the hash covers: every column but the id and the hash, in a fixed form.

        The same form as before sealing was introduced, so chains written then still verify.
        """
        created = self.created_at.astimezone(UTC).isoformat(timespec="microseconds")
        data = {
            "seq": self.seq,
            "created_at": created,
            "actor_id": self.actor_id,
            "actor_label": self.actor_label,
            "organisation_id": self.organisation_id,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "fields": list(self.fields),
            "ip": str(self.ip) if self.ip else None,
            "prev_hash": self.prev_hash,
        }
        if self.mac is not None:
            # Only when present, so entries sealed before MACs existed keep their hash.
            data["mac"] = self.mac
        return _encode(data).encode()

    def compute_hash(self) -> str:
        return hashlib.sha256(self.canonical()).hexdigest()

    def mac_content(self) -> bytes:
        """The bytes the MAC covers: the entry's content, known before the insert.

        Not the id (not known yet) nor the chain columns (set later): order is bound by the
        chain. The address is normalised so that the database's own form of it (inet) gives
        the same bytes as the value written.
        """
        return mac_content(
            created_at=self.created_at,
            actor_id=self.actor_id,
            actor_label=self.actor_label,
            organisation_id=self.organisation_id,
            action=self.action,
            object_type=self.object_type,
            object_id=self.object_id,
            fields=self.fields,
            ip=normalised_ip(self.ip),
        )

    def mac_valid(self) -> bool:
        return self.mac is not None and signing.entry_mac_valid(self.mac_content(), self.mac)


class AuditCheckpoint(AppendOnlyModel):
    """A signed statement by the sealer: "the chain's entry ``seq`` has hash ``head_hash``".

    One per sealed batch, like a Certificate Transparency log's signed tree head (RFC 9162).
    """

    seq = models.BigIntegerField(_("tree size"), unique=True, editable=False)
    head_hash = models.CharField(_("head hash"), max_length=64, editable=False)
    created_at = models.DateTimeField(_("time"), editable=False)
    key_id = models.CharField(_("key id"), max_length=16, editable=False)
    signature = models.CharField(_("signature"), max_length=100, editable=False)

    objects: ClassVar[AppendOnlyQuerySet[AuditCheckpoint]] = AppendOnlyQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        base_manager_name = "objects"
        ordering = ["-seq"]
        verbose_name = _("audit checkpoint")
        verbose_name_plural = _("audit checkpoints")

    def __str__(self) -> str:
        return f"checkpoint {self.seq}"

    def body(self) -> bytes:
        return signing.checkpoint_body(seq=self.seq, head_hash=self.head_hash, at=self.created_at)


class AuditForgedEntry(models.Model):
    """An entry the sealer refused to chain because its MAC is missing or wrong.

    The entry itself stays in the log, unsealed, as evidence; this row only keeps the sealer
    from reading it again. ``verify_audit_log`` checks every entry's MAC itself and does not
    rely on this table.
    """

    entry_id = models.BigIntegerField(_("entry id"), unique=True, editable=False)
    found_at = models.DateTimeField(_("found at"), editable=False)

    class Meta:
        verbose_name = _("forged audit entry")
        verbose_name_plural = _("forged audit entries")

    def __str__(self) -> str:
        return f"forged entry {self.entry_id}"


class AuditChainHead(models.Model):
    """A single row: the newest sealed entry's number and hash. Only the sealer locks it.

    A trigger lets its ``seq`` only move forward (migration 0005).
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    seq = models.BigIntegerField(default=0)
    entry_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    updated_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain heads")

    def __str__(self) -> str:
        return f"#{self.seq}"
