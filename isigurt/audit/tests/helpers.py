"""Tampering with the log the way someone with database access would."""

from django.db import connection

TRIGGER = "audit_auditentry_append_only"


def tamper(sql: str, params: list | None = None) -> None:
    """Run raw SQL on the audit table, past the append-only trigger (rolled back with the test).

    PostgreSQL disables and re-enables the trigger; SQLite, which cannot disable one, drops it and
    creates it again (DDL is transactional there too).
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE audit_auditentry DISABLE TRIGGER {TRIGGER}")
        elif connection.vendor == "sqlite":
            cursor.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s", [TRIGGER]
            )
            (create,) = cursor.fetchone()
            cursor.execute(f"DROP TRIGGER {TRIGGER}")
        cursor.execute(sql, params or [])
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE audit_auditentry ENABLE TRIGGER {TRIGGER}")
        elif connection.vendor == "sqlite":
            cursor.execute(create)


def make_entries(n: int, *, actor=None) -> list:
    from isigurt.audit.services import audit_record

    return [
        audit_record(actor=actor, action="case.update", object_type="cases.case", object_id=i)
        for i in range(1, n + 1)
    ]
