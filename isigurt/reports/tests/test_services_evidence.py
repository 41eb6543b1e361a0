"""Evidence: cleaned, hashed, stored encrypted; hashed and discarded for abuse material (S11)."""

import hashlib

import pytest
from django.http import Http404

from isigurt.audit.models import AuditEntry
from isigurt.lib.images import ImageRejected
from isigurt.reports.models import Evidence
from isigurt.reports.permissions import access_evidence
from isigurt.reports.services import (
    EvidenceNotStored,
    EvidenceRefused,
    evidence_attach,
    evidence_open,
)
from isigurt.reports.tests.factories import (
    evidence_root,  # noqa: F401 — fixture
    files_under,
    jpeg_bytes,
    png_bytes,
    submitted,
)

pytestmark = pytest.mark.django_db


def test_a_screenshot_is_stored_encrypted_under_its_evidence_id(evidence_root):  # noqa: F811
    report = submitted(category="grooming").report
    original = png_bytes()
    evidence = evidence_attach(report=report, data=original, filename="Name Of Child.png")
    files = files_under(evidence_root)
    assert [f.name for f in files] == [str(evidence.id)]
    on_disk = files[0].read_bytes()
    assert b"PNG" not in on_disk[:16]
    assert original not in on_disk
    assert evidence.stored is True
    assert evidence.sha256 == hashlib.sha256(original).hexdigest()
    assert len(evidence.pdq_hash) == 64
    assert evidence.storage_name == str(evidence.id)
    assert "Name Of Child" not in repr(Evidence.objects.filter(pk=evidence.pk).values().get())


def test_metadata_is_stripped_before_storing(evidence_root, operator):  # noqa: F811
    report = submitted(category="sextortion").report
    evidence = evidence_attach(report=report, data=jpeg_bytes())
    data, mime = evidence_open(evidence=access_evidence(operator, evidence.id), actor=operator)
    assert mime == "image/jpeg"
    assert data.startswith(b"\xff\xd8")
    assert b"PlaceholderCameraMaker" not in data


def test_abuse_material_is_hashed_and_discarded(evidence_root):  # noqa: F811
    report = submitted(category="abuse_material").report
    original = png_bytes()
    evidence = evidence_attach(report=report, data=original, filename="x.png")
    assert files_under(evidence_root) == []
    evidence.refresh_from_db()
    assert evidence.stored is False
    assert evidence.storage_name == ""
    assert evidence.sha256 == hashlib.sha256(original).hexdigest()
    assert len(evidence.pdq_hash) == 64
    assert AuditEntry.objects.filter(action="evidence.hashed_and_discarded").count() == 1


def test_discarded_evidence_cannot_be_opened(evidence_root, operator):  # noqa: F811
    report = submitted(category="abuse_material").report
    evidence = evidence_attach(report=report, data=png_bytes())
    with pytest.raises(EvidenceNotStored):
        evidence_open(evidence=access_evidence(operator, evidence.id), actor=operator)


def test_it_refuses_evidence_where_the_category_takes_none(evidence_root):  # noqa: F811
    report = submitted(category="harmful_content").report
    with pytest.raises(EvidenceRefused) as caught:
        evidence_attach(report=report, data=png_bytes())
    assert caught.value.code == "not_allowed"
    assert files_under(evidence_root) == []


def test_it_refuses_a_sixth_file(evidence_root):  # noqa: F811
    report = submitted(category="bullying").report
    for n in range(5):
        evidence_attach(report=report, data=png_bytes(20 + n, 20))
    with pytest.raises(EvidenceRefused) as caught:
        evidence_attach(report=report, data=png_bytes(40, 40))
    assert caught.value.code == "too_many_files"
    assert Evidence.objects.filter(report=report).count() == 5
    assert len(files_under(evidence_root)) == 5


@pytest.mark.parametrize(
    "data",
    [
        b"<html><script>alert(1)</script></html>",
        b"GIF89a" + b"\x00" * 10,
        b"\x89PNG\r\n\x1a\n" + b"not really a png",
        b"",
    ],
)
def test_it_refuses_files_that_lie_about_being_pictures(evidence_root, data):  # noqa: F811
    report = submitted(category="hate").report
    with pytest.raises(ImageRejected):
        evidence_attach(report=report, data=data, filename="picture.png")
    assert Evidence.objects.count() == 0
    assert files_under(evidence_root) == []


def test_only_helpline_staff_open_evidence(evidence_root, operator, outsider):  # noqa: F811
    report = submitted(category="bullying").report
    evidence = evidence_attach(report=report, data=png_bytes())
    with pytest.raises(Http404):
        access_evidence(outsider, evidence.id)
    with pytest.raises(Http404):
        access_evidence(operator, "not-a-uuid")
    data, mime = evidence_open(evidence=access_evidence(operator, evidence.id), actor=operator)
    assert mime == "image/png" and data.startswith(b"\x89PNG")
    read = AuditEntry.objects.get(action="evidence.read")
    assert read.actor_id == operator.id
    assert read.object_id == str(evidence.id)


def test_a_file_moved_to_another_evidence_name_does_not_decrypt(evidence_root, operator):  # noqa: F811
    from isigurt.lib.crypto import DecryptionError

    report = submitted(category="bullying").report
    first = evidence_attach(report=report, data=png_bytes(30, 30))
    second = evidence_attach(report=report, data=png_bytes(31, 31))
    files = {f.name: f for f in files_under(evidence_root)}
    files[str(second.id)].write_bytes(files[str(first.id)].read_bytes())
    with pytest.raises(DecryptionError):
        evidence_open(evidence=access_evidence(operator, second.id), actor=operator)
