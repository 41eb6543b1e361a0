"""Erasing evidence: the row and an audit entry in one transaction, the encrypted file after
the commit; through the admin too."""

import pytest
from django.db import transaction
from django.urls import reverse

from isigurt.audit.models import AuditEntry
from isigurt.reports.models import Evidence
from isigurt.reports.services import evidence_attach, evidence_erase
from isigurt.reports.tests.factories import evidence_root, files_under, png_bytes, submitted

pytestmark = pytest.mark.django_db
__all__ = ["evidence_root"]  # the fixture, used by name


@pytest.fixture
def evidence(evidence_root) -> Evidence:
    return evidence_attach(report=submitted().report, data=png_bytes())


def test_erasing_removes_row_and_file_after_commit_and_is_audited(
    evidence, evidence_root, platform_admin, django_capture_on_commit_callbacks
):
    assert len(files_under(evidence_root)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        evidence_erase(evidence=evidence, actor=platform_admin)
    assert not Evidence.objects.filter(pk=evidence.pk).exists()
    assert files_under(evidence_root) == []
    entry = AuditEntry.objects.get(action="evidence.erased")
    assert (entry.object_id, entry.actor_id) == (str(evidence.pk), platform_admin.pk)


def test_a_rolled_back_erasure_keeps_the_file(evidence, evidence_root, platform_admin):
    with pytest.raises(RuntimeError), transaction.atomic():
        evidence_erase(evidence=evidence, actor=platform_admin)
        raise RuntimeError
    assert Evidence.objects.filter(pk=evidence.pk).exists()
    assert len(files_under(evidence_root)) == 1


def test_deleting_evidence_in_the_admin_erases_it(
    evidence, evidence_root, platform_admin, staff_client, django_capture_on_commit_callbacks
):
    url = reverse("admin:reports_evidence_delete", args=[evidence.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client(platform_admin).post(url, {"post": "yes"})
    assert response.status_code == 302
    assert files_under(evidence_root) == []
    assert AuditEntry.objects.filter(action="evidence.erased", object_id=str(evidence.pk)).exists()
