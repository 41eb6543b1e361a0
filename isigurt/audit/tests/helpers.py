"""Tampering with the log the way someone with database access would."""

from django.db import connection

TRIGGERS = {
    "audit_auditentry": "audit_auditentry_append_only",
    "audit_auditcheckpoint": "audit_auditcheckpoint_append_only",
    "audit_auditchainhead": "audit_auditchainhead_forward_only",
}


def tamper(sql: str, params: list | None = None, *, table: str = "audit_auditentry") -> None:
    """Run raw SQL on an audit table, past its append-only trigger (rolled back with the test).

    PostgreSQL disables and re-enables the trigger; SQLite, which cannot disable one, drops it and
    creates it again (DDL is transactional there too).
    """
    trigger = TRIGGERS[table]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
        elif connection.vendor == "sqlite":
            cursor.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s", [trigger]
            )
            (create,) = cursor.fetchone()
            cursor.execute(f"DROP TRIGGER {trigger}")
        cursor.execute(sql, params or [])
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")
        elif connection.vendor == "sqlite":
            cursor.execute(create)


def make_entries(n: int, *, actor=None, seal: bool = True) -> list:
    """``n`` entries, sealed in one batch unless ``seal`` is false (then as written: unsealed)."""
    from isigurt.audit.models import AuditEntry
    from isigurt.audit.services import audit_record, audit_seal

    written = [
        audit_record(actor=actor, action="case.update", object_type="cases.case", object_id=i)
        for i in range(1, n + 1)
    ]
    if not seal:
        return written
    audit_seal()
    return list(AuditEntry.objects.filter(pk__in=[e.pk for e in written]).order_by("seq"))


def last_entry_id() -> int:
    """The newest audit entry's id (entries get their ``seq`` only when sealed; ids at once)."""
    from isigurt.audit.models import AuditEntry

    entry = AuditEntry.objects.order_by("-pk").first()
    return entry.pk if entry else 0


def entries_since(entry_id: int) -> list:
    """Audit entries written after ``entry_id``, oldest first."""
    from isigurt.audit.models import AuditEntry

    return list(AuditEntry.objects.filter(pk__gt=entry_id).order_by("pk"))
