"""Reachability of the parts the platform depends on."""

from django.conf import settings
from django.db import DatabaseError, connection


def _database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return "unreachable"
    return "ok"


def _broker_status() -> str:
    if not settings.CELERY_BROKER_URL:
        return "not_configured"
    from kombu import Connection

    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=1) as conn:
            conn.ensure_connection(max_retries=1, timeout=1)
    except Exception:  # any failure means unreachable
        return "unreachable"
    return "ok"


def check() -> dict[str, str]:
    database = _database_status()
    broker = _broker_status()
    healthy = database == "ok" and broker in ("ok", "not_configured")
    return {
        "status": "ok" if healthy else "degraded",
        "database": database,
        "broker": broker,
    }
