"""Reachability of the parts the platform depends on."""

import time

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


BROKER_CHECK_TTL = 10.0  # seconds: a public endpoint must not open a connection per request
_broker_checked: tuple[float, str, str] | None = None  # (when, broker URL, status)


def _broker_status() -> str:
    global _broker_checked
    url = settings.CELERY_BROKER_URL
    if not url:
        return "not_configured"
    now = time.monotonic()
    if (
        _broker_checked
        and _broker_checked[1] == url
        and now - _broker_checked[0] < BROKER_CHECK_TTL
    ):
        return _broker_checked[2]
    from kombu import Connection

    status = "ok"
    try:
        with Connection(url, connect_timeout=1) as conn:
            conn.ensure_connection(max_retries=1, timeout=1)
    except Exception:  # any failure means unreachable
        status = "unreachable"
    _broker_checked = (now, url, status)
    return status


def check() -> dict[str, str]:
    database = _database_status()
    broker = _broker_status()
    healthy = database == "ok" and broker in ("ok", "not_configured")
    return {
        "status": "ok" if healthy else "degraded",
        "database": database,
        "broker": broker,
    }
