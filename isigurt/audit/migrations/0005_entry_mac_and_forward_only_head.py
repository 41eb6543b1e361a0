"""Entries carry a MAC; the chain head only moves forward.

The entry trigger of 0004 now also keeps ``mac`` unchanged when an entry is sealed. A new
trigger on the head row refuses any change that lowers its ``seq`` (or changes the hash at the
same ``seq``), and on PostgreSQL its deletion: rewinding the head to hide removed entries needs
the trigger disabled first. SQLite keeps its UPDATE-only triggers (the test runner empties
tables with DELETE there). See docs/decisions/0007-audit-sealing.md.
"""

from django.db import migrations, models

OLD_CONTENT = (
    "id", "created_at", "actor_id", "actor_label", "organisation_id", "action",
    "object_type", "object_id", "fields", "ip",
)
SEALING = (
    "OLD.seq IS NULL AND OLD.prev_hash IS NULL AND OLD.entry_hash IS NULL"
    " AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW.entry_hash IS NOT NULL"
)


def pg_entry(content):
    new_row = ", ".join(f"NEW.{column}" for column in content)
    old_row = ", ".join(f"OLD.{column}" for column in content)
    return (
        "CREATE OR REPLACE FUNCTION audit_entry_refuse_change() RETURNS trigger AS $$\n"
        "BEGIN\n"
        "    -- The one change allowed: the sealer gives an unsealed entry its place in the chain.\n"
        f"    IF TG_OP = 'UPDATE' AND {SEALING}\n"
        f"       AND ({new_row}) IS NOT DISTINCT FROM ({old_row}) THEN\n"
        "        RETURN NEW;\n"
        "    END IF;\n"
        "    RAISE EXCEPTION 'audit entries are append-only: % refused', TG_OP;\n"
        "END;\n"
        "$$ LANGUAGE plpgsql;"
    )


def sqlite_entry(content):
    same_row = " AND ".join(f"NEW.{column} IS OLD.{column}" for column in content)
    return (
        "CREATE TRIGGER audit_auditentry_append_only\n"
        "BEFORE UPDATE ON audit_auditentry\n"
        f"WHEN NOT ({SEALING} AND {same_row})\n"
        "BEGIN\n"
        "    SELECT RAISE(ABORT, 'audit entries are append-only: UPDATE refused');\n"
        "END"
    )


CONTENT = (*OLD_CONTENT, "mac")
FORWARD = (
    "NEW.id = OLD.id AND (NEW.seq > OLD.seq"
    " OR (NEW.seq = OLD.seq AND NEW.entry_hash = OLD.entry_hash))"
)
PG_HEAD = (
    "CREATE OR REPLACE FUNCTION audit_head_only_forward() RETURNS trigger AS $$\n"
    "BEGIN\n"
    f"    IF TG_OP = 'UPDATE' AND {FORWARD} THEN\n"
    "        RETURN NEW;\n"
    "    END IF;\n"
    "    RAISE EXCEPTION 'the audit chain head only moves forward: % refused', TG_OP;\n"
    "END;\n"
    "$$ LANGUAGE plpgsql;\n"
    "CREATE TRIGGER audit_auditchainhead_forward_only\n"
    "    BEFORE UPDATE OR DELETE ON audit_auditchainhead\n"
    "    FOR EACH ROW EXECUTE FUNCTION audit_head_only_forward();"
)
PG_HEAD_DROP = (
    "DROP TRIGGER IF EXISTS audit_auditchainhead_forward_only ON audit_auditchainhead;\n"
    "DROP FUNCTION IF EXISTS audit_head_only_forward();"
)
SQLITE_HEAD = (
    "CREATE TRIGGER audit_auditchainhead_forward_only\n"
    "BEFORE UPDATE ON audit_auditchainhead\n"
    f"WHEN NOT ({FORWARD})\n"
    "BEGIN\n"
    "    SELECT RAISE(ABORT, 'the audit chain head only moves forward: UPDATE refused');\n"
    "END"
)


def _run(schema_editor, *statements):
    with schema_editor.connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, pg_entry(CONTENT), PG_HEAD)
    elif vendor == "sqlite":
        _run(
            schema_editor,
            "DROP TRIGGER IF EXISTS audit_auditentry_append_only",
            sqlite_entry(CONTENT),
            SQLITE_HEAD,
        )


def restore_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, PG_HEAD_DROP, pg_entry(OLD_CONTENT))
    elif vendor == "sqlite":
        _run(
            schema_editor,
            "DROP TRIGGER IF EXISTS audit_auditchainhead_forward_only",
            "DROP TRIGGER IF EXISTS audit_auditentry_append_only",
            sqlite_entry(OLD_CONTENT),
        )


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0004_unsealed_entries_and_checkpoints"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="mac",
            field=models.CharField(editable=False, max_length=64, null=True, verbose_name="MAC"),
        ),
        migrations.CreateModel(
            name="AuditForgedEntry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("entry_id", models.BigIntegerField(editable=False, unique=True, verbose_name="entry id")),
                ("found_at", models.DateTimeField(editable=False, verbose_name="found at")),
            ],
            options={
                "verbose_name": "forged audit entry",
                "verbose_name_plural": "forged audit entries",
            },
        ),
        migrations.RunPython(create_triggers, restore_triggers),
    ]
