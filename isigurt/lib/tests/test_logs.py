"""S14: neither the logs nor the audit log carry the sensitive values they are about."""

import logging

from django.db import connection
from django.test import RequestFactory

from isigurt.audit.models import AuditEntry
from isigurt.audit.services import audit_read, audit_record

CANARY = "CANARY-S14-Arta-Krasniqi"
CANARY_PHONE = "CANARY-0691112223"


def test_encrypted_saves_and_audit_writes_log_no_personal_values(probe, operator, caplog):
    caplog.set_level(logging.DEBUG)  # every logger, every level
    for name in ("django", "django.db.backends", "django.request"):
        caplog.set_level(logging.DEBUG, logger=name)
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.7")
    connection.force_debug_cursor = True  # and every SQL statement with its parameters
    try:
        row = probe.objects.create(secret=CANARY, handles=[CANARY_PHONE])
        audit_record(
            actor=operator,
            action="probe.create",
            target=row,
            fields=["secret", "handles"],
            request=request,
        )
        loaded = probe.objects.get(pk=row.pk)
        assert loaded.secret == CANARY
        audit_read(actor=operator, target=loaded, fields=["secret"], request=request)
        loaded.handles = [*loaded.handles, CANARY_PHONE + "-2"]
        loaded.save()
        audit_record(actor=operator, action="probe.update", target=loaded, fields=["handles"])
    finally:
        connection.force_debug_cursor = False

    assert "audit_auditentry" in caplog.text  # the audit writes were captured
    assert "lib_test_probe" in caplog.text  # so were the encrypted saves
    assert CANARY not in caplog.text
    assert CANARY_PHONE not in caplog.text


def test_audit_entries_hold_field_names_and_identifiers_only(probe, operator):
    row = probe.objects.create(secret=CANARY, handles=[CANARY_PHONE])
    audit_read(actor=operator, target=row, fields=["secret", "handles"])
    entry = AuditEntry.objects.get()
    assert entry.fields == ["secret", "handles"]
    assert (entry.object_type, entry.object_id) == ("lib.probe", str(row.pk))
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM audit_auditentry")
        stored = repr(cursor.fetchall())
    assert CANARY not in stored
    assert CANARY_PHONE not in stored
