"""Entries are inserted unsealed; the sealer alone gives them their place in the chain.

The triggers of 0002/0003 refused every UPDATE. Now exactly one is allowed: an unsealed entry
(no seq, no hashes) receives seq, prev_hash and entry_hash with every other column unchanged.
Checkpoints get the same refusals as entries. SQLite rebuilds the table for the altered columns,
which drops its trigger, so the trigger is created again after them.
See docs/decisions/0007-audit-sealing.md.
"""

from django.db import migrations, models

CONTENT = (
    "id", "created_at", "actor_id", "actor_label", "organisation_id", "action",
    "object_type", "object_id", "fields", "ip",
)
SEALING = (
    "OLD.seq IS NULL AND OLD.prev_hash IS NULL AND OLD.entry_hash IS NULL"
    " AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW.entry_hash IS NOT NULL"
)
NEW_ROW = ", ".join(f"NEW.{column}" for column in CONTENT)
OLD_ROW = ", ".join(f"OLD.{column}" for column in CONTENT)
SAME_ROW = " AND ".join(f"NEW.{column} IS OLD.{column}" for column in CONTENT)

# Executed without parameters, so a % in a function body stays literal.
PG_ENTRY = (
    "CREATE OR REPLACE FUNCTION audit_entry_refuse_change() RETURNS trigger AS $$\n"
    "BEGIN\n"
    "    -- The one change allowed: the sealer gives an unsealed entry its place in the chain.\n"
    f"    IF TG_OP = 'UPDATE' AND {SEALING}\n"
    f"       AND ({NEW_ROW}) IS NOT DISTINCT FROM ({OLD_ROW}) THEN\n"
    "        RETURN NEW;\n"
    "    END IF;\n"
    "    RAISE EXCEPTION 'audit entries are append-only: % refused', TG_OP;\n"
    "END;\n"
    "$$ LANGUAGE plpgsql;"
)
PG_ENTRY_BEFORE = """
CREATE OR REPLACE FUNCTION audit_entry_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit entries are append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""
PG_CHECKPOINT = """
CREATE OR REPLACE FUNCTION audit_checkpoint_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit checkpoints are append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_auditcheckpoint_append_only
    BEFORE UPDATE OR DELETE ON audit_auditcheckpoint
    FOR EACH ROW EXECUTE FUNCTION audit_checkpoint_refuse_change();
"""
PG_CHECKPOINT_DROP = """
DROP TRIGGER IF EXISTS audit_auditcheckpoint_append_only ON audit_auditcheckpoint;
DROP FUNCTION IF EXISTS audit_checkpoint_refuse_change();
"""

SQLITE_ENTRY = (
    "CREATE TRIGGER audit_auditentry_append_only\n"
    "BEFORE UPDATE ON audit_auditentry\n"
    f"WHEN NOT ({SEALING} AND {SAME_ROW})\n"
    "BEGIN\n"
    "    SELECT RAISE(ABORT, 'audit entries are append-only: UPDATE refused');\n"
    "END"
)
SQLITE_ENTRY_BEFORE = """
CREATE TRIGGER audit_auditentry_append_only
BEFORE UPDATE ON audit_auditentry
BEGIN
    SELECT RAISE(ABORT, 'audit entries are append-only: UPDATE refused');
END
"""
SQLITE_CHECKPOINT = """
CREATE TRIGGER audit_auditcheckpoint_append_only
BEFORE UPDATE ON audit_auditcheckpoint
BEGIN
    SELECT RAISE(ABORT, 'audit checkpoints are append-only: UPDATE refused');
END
"""


def checkpoint_existing_chain(apps, schema_editor):
    """A chain written before sealing existed gets its first signed checkpoint at its head."""
    from django.utils import timezone

    from isigurt.audit import signing

    head = apps.get_model("audit", "AuditChainHead").objects.filter(pk=1).first()
    if head is None or head.seq == 0:
        return
    now = timezone.now()
    key = signing.signing_key()
    apps.get_model("audit", "AuditCheckpoint").objects.create(
        seq=head.seq,
        head_hash=head.entry_hash,
        created_at=now,
        key_id=signing.key_id(key.public_key()),
        signature=signing.sign(
            signing.checkpoint_body(seq=head.seq, head_hash=head.entry_hash, at=now)
        ),
    )


def _run(schema_editor, *statements):
    with schema_editor.connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, PG_ENTRY, PG_CHECKPOINT)
    elif vendor == "sqlite":
        _run(
            schema_editor,
            "DROP TRIGGER IF EXISTS audit_auditentry_append_only",
            SQLITE_ENTRY,
            SQLITE_CHECKPOINT,
        )


def restore_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, PG_CHECKPOINT_DROP, PG_ENTRY_BEFORE)
    elif vendor == "sqlite":
        _run(
            schema_editor,
            "DROP TRIGGER IF EXISTS audit_auditcheckpoint_append_only",
            "DROP TRIGGER IF EXISTS audit_auditentry_append_only",
            SQLITE_ENTRY_BEFORE,
        )


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0003_base_manager_and_sqlite_trigger'),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditCheckpoint',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('seq', models.BigIntegerField(editable=False, unique=True, verbose_name='tree size')),
                ('head_hash', models.CharField(editable=False, max_length=64, verbose_name='head hash')),
                ('created_at', models.DateTimeField(editable=False, verbose_name='time')),
                ('key_id', models.CharField(editable=False, max_length=16, verbose_name='key id')),
                ('signature', models.CharField(editable=False, max_length=100, verbose_name='signature')),
            ],
            options={
                'verbose_name': 'audit checkpoint',
                'verbose_name_plural': 'audit checkpoints',
                'ordering': ['-seq'],
                'base_manager_name': 'objects',
            },
        ),
        migrations.AlterModelOptions(
            name='auditentry',
            options={'base_manager_name': 'objects', 'ordering': ['-id'], 'verbose_name': 'audit entry', 'verbose_name_plural': 'audit entries'},
        ),
        migrations.AlterField(
            model_name='auditentry',
            name='entry_hash',
            field=models.CharField(editable=False, max_length=64, null=True, verbose_name='hash'),
        ),
        migrations.AlterField(
            model_name='auditentry',
            name='prev_hash',
            field=models.CharField(editable=False, max_length=64, null=True, verbose_name='previous hash'),
        ),
        migrations.AlterField(
            model_name='auditentry',
            name='seq',
            field=models.BigIntegerField(editable=False, null=True, verbose_name='sequence'),
        ),
        migrations.AddConstraint(
            model_name='auditentry',
            constraint=models.UniqueConstraint(condition=models.Q(('seq__isnull', False)), fields=('seq',), name='audit_sealed_seq_unique'),
        ),
        migrations.AddIndex(
            model_name='auditentry',
            index=models.Index(condition=models.Q(('seq__isnull', True)), fields=['id'], name='audit_unsealed_idx'),
        ),
        migrations.RunPython(create_triggers, restore_triggers),
        migrations.RunPython(checkpoint_existing_chain, migrations.RunPython.noop),
    ]
