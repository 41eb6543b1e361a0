"""The refusing manager becomes the base manager; on SQLite, refuse UPDATE of audit entries.

SQLite has no way to disable a trigger for a session, and the test runner's flush empties tables
with DELETE there (TRUNCATE on PostgreSQL, which 0002 leaves to privileges for the same reason),
so SQLite gets a BEFORE UPDATE trigger only; deletes are refused by the model and its manager.
SQLite is for development and tests; production runs PostgreSQL (0002 covers UPDATE and DELETE).
See docs/decisions/0004-audit-log.md.
"""

from django.db import migrations

CREATE_SQLITE = """
CREATE TRIGGER IF NOT EXISTS audit_auditentry_append_only
BEFORE UPDATE ON audit_auditentry
BEGIN
    SELECT RAISE(ABORT, 'audit entries are append-only: UPDATE refused');
END
"""

DROP_SQLITE = "DROP TRIGGER IF EXISTS audit_auditentry_append_only"


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(CREATE_SQLITE)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(DROP_SQLITE)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_trigger")]

    operations = [
        migrations.AlterModelOptions(
            name="auditentry",
            options={
                "base_manager_name": "objects",
                "ordering": ["-seq"],
                "verbose_name": "audit entry",
                "verbose_name_plural": "audit entries",
            },
        ),
        migrations.RunPython(create_trigger, drop_trigger),
    ]
