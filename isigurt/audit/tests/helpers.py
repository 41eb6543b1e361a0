"""Tampering with the log the way someone with database access would."""

from django.db import connection

TRIGGER = "audit_auditentry_append_only"


def tamper(sql: str, params: list | None = None) -> None:
    """Run raw SQL on the audit table, past the PostgreSQL trigger (rolled back with the test)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE audit_auditentry DISABLE TRIGGER {TRIGGER}")
        cursor.execute(sql, params or [])
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE audit_auditentry ENABLE TRIGGER {TRIGGER}")


def make_entries(n: int, *, actor=None) -> list:
    from isigurt.audit.services import audit_record

    return [
        audit_record(actor=actor, action="case.update", object_type="cases.case", object_id=i)
        for i in range(1, n + 1)
    ]
