"""The audit log is readable in the admin: every column, the fields, filters, prefix search;
and reading it there is audited too."""

import pytest
from django.urls import reverse
from django.utils import translation

from isigurt.audit.models import AuditEntry
from isigurt.audit.services import audit_record
from isigurt.audit.tests.helpers import entries_since, last_entry_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(operator):
    return audit_record(
        actor=operator,
        action="evidence.erased",
        object_type="reports.evidence",
        object_id="placeholder-id",
        fields=["file", "pdq_hash"],
    )


def admin_get(client, name, *args, **query):
    with translation.override("en"):
        path = reverse(name, args=args)
    return client.get(path, query)


def test_an_entry_page_shows_every_column(entry, staff_client, platform_admin):
    entry = AuditEntry.objects.get(pk=entry.pk)
    response = admin_get(staff_client(platform_admin), "admin:audit_auditentry_change", entry.pk)
    assert response.status_code == 200
    page = response.content.decode()
    for value in ["persona.operator", "reports.evidence", "placeholder-id", "file, pdq_hash"]:
        assert value in page, value
    shown = response.context["adminform"].readonly_fields
    for name in [
        "created_at",
        "actor_label",
        "ip",
        "field_names",
        "prev_hash",
        "entry_hash",
        "seq",
    ]:
        assert name in shown, name
    assert 'name="_save"' not in page  # still read-only


def test_the_list_has_a_fields_column_and_prefix_search(entry, staff_client, platform_admin):
    client = staff_client(platform_admin)
    response = admin_get(client, "admin:audit_auditentry_changelist", q="evidence")
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [AuditEntry.objects.get(pk=entry.pk)]
    assert "file, pdq_hash" in response.content.decode()
    response = admin_get(client, "admin:audit_auditentry_changelist", q="persona.op")
    assert entry.pk in [e.pk for e in response.context["cl"].result_list]


def test_the_list_filters_by_sealed_or_not(entry, staff_client, platform_admin):
    client = staff_client(platform_admin)
    sealed = admin_get(client, "admin:audit_auditentry_changelist", sealed="yes")
    waiting = admin_get(client, "admin:audit_auditentry_changelist", sealed="no")
    assert all(e.seq is not None for e in sealed.context["cl"].result_list)
    assert all(e.seq is None for e in waiting.context["cl"].result_list)


def test_reading_the_log_in_the_admin_is_audited(entry, staff_client, platform_admin):
    client = staff_client(platform_admin)
    since = last_entry_id()
    admin_get(client, "admin:audit_auditentry_changelist")
    admin_get(client, "admin:audit_auditentry_change", entry.pk)
    assert [(e.action, e.actor_id) for e in entries_since(since)] == [
        ("auditentry.list", platform_admin.pk),
        ("auditentry.read", platform_admin.pk),
    ]
