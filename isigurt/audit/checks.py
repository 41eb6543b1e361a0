"""Deploy check: the application's database role must not be able to switch the audit triggers off.

PostgreSQL lets a table's owner (or a member of the owning role) and any superuser disable
triggers, truncate and drop. Running the platform under such a role leaves the append-only
triggers of the audit log as a formality. See docs/decisions/0007-audit-sealing.md.
"""

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.core.checks import CheckMessage, Tags, Warning
from django.db import DatabaseError, connections

AUDIT_TABLES = ("audit_auditentry", "audit_auditcheckpoint", "audit_auditchainhead")

_ROLE_SQL = """
SELECT
    (SELECT rolsuper FROM pg_roles WHERE rolname = current_user),
    ARRAY(
        SELECT c.relname FROM pg_class c
        WHERE c.relname = ANY(%s) AND c.relkind = 'r'
          AND pg_has_role(current_user, c.relowner, 'MEMBER')
        ORDER BY c.relname
    )
"""


def audit_role_check(
    *, app_configs: Sequence[AppConfig] | None, databases: Sequence[str] | None, **kwargs: Any
) -> list[CheckMessage]:
    """Warn (``check --deploy``, PostgreSQL) when the database user owns the audit tables or is
    a superuser: it could disable their triggers."""
    connection = connections["default"]
    if connection.vendor != "postgresql":
        return []
    try:
        with connection.cursor() as cursor:
            cursor.execute(_ROLE_SQL, [list(AUDIT_TABLES)])
            superuser, owned = cursor.fetchone()
    except DatabaseError:
        return []  # no database to ask (a build step): the check runs again at deploy
    problems = []
    if superuser:
        problems.append("is a superuser")
    if owned:
        problems.append(f"owns {', '.join(owned)}")
    if not problems:
        return []
    return [
        Warning(
            f"The database user {connection.settings_dict['USER'] or '(default)'} "
            f"{' and '.join(problems)}: it can disable the audit log's append-only triggers.",
            hint=(
                "Run the platform under a role that neither owns the audit tables nor is a "
                "superuser; let an owner role run migrations (see README, production notes)."
            ),
            id="isigurt.W010",
        )
    ]


def register_checks() -> None:
    from django.core.checks import register

    register(audit_role_check, Tags.security, deploy=True)
