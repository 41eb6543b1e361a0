"""report_submit stores a report and its pictures together, each picture decoded once.

Pictures are decoded by pictures_decode (the views call it after spending the client's rate
limit) and handed to the service decoded: nothing decodes them again.
"""

import pytest

from isigurt.audit.models import AuditEntry
from isigurt.lib import images
from isigurt.reports.models import Evidence, IdempotencyRecord, Report
from isigurt.reports.services import (
    ReportInvalid,
    evidence_add,
    pictures_decode,
    report_submit,
)
from isigurt.reports.tests.factories import (
    draft,
    evidence_root,  # noqa: F401 — fixture
    files_under,
    png_bytes,
    submitted,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def decodes(monkeypatch):
    """How many times an upload's pixels are decoded (Pillow's work, the costly part)."""
    calls: list[int] = []
    real = images._load

    def counting(data: bytes, header):  # type: ignore[no-untyped-def]
        calls.append(len(data))
        return real(data, header)

    monkeypatch.setattr(images, "_load", counting)
    return calls


def submit(category: str = "grooming", *, uploads: list[bytes], **kwargs):  # type: ignore[no-untyped-def]
    """What a view does: decode the uploads once, then file the report with them."""
    pictures = pictures_decode(category=category, uploads=uploads)
    return report_submit(draft=draft(category=category), pictures=pictures, **kwargs)


def test_a_report_and_its_pictures_are_stored_together(evidence_root, decodes):  # noqa: F811
    pictures = [png_bytes(), png_bytes(32, 32)]
    result = submit("bullying", channel="web", idempotency_key="k-1", uploads=pictures)
    stored = Evidence.objects.filter(report=result.report, stored=True)
    assert stored.count() == 2
    assert sorted(f.name for f in files_under(evidence_root)) == sorted(str(e.id) for e in stored)
    assert len(decodes) == 2  # once each
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"report.submitted", "evidence.attached"} <= actions


def test_one_bad_picture_stores_nothing_and_says_which(evidence_root):  # noqa: F811
    with pytest.raises(ReportInvalid) as caught:
        submit("bullying", channel="web", uploads=[png_bytes(), b"not a picture"])
    problems = caught.value.errors["evidence"]
    assert any("2" in problem for problem in problems)
    assert Report.objects.count() == 0
    assert Evidence.objects.count() == 0
    assert files_under(evidence_root) == []


def test_picture_files_are_removed_when_the_transaction_rolls_back(
    evidence_root,  # noqa: F811
    monkeypatch,
):
    from isigurt.audit import services as audit_services

    real = audit_services.audit_record

    def failing_after_the_pictures(**kwargs):  # type: ignore[no-untyped-def]
        if kwargs.get("action") == "report.submitted":
            raise RuntimeError("the audit write failed")
        return real(**kwargs)

    monkeypatch.setattr(audit_services, "audit_record", failing_after_the_pictures)
    with pytest.raises(RuntimeError):
        submit("grooming", channel="web", uploads=[png_bytes()])
    assert Report.objects.count() == 0
    assert Evidence.objects.count() == 0
    assert files_under(evidence_root) == []


def test_pictures_on_a_category_that_takes_none_are_refused(evidence_root):  # noqa: F811
    with pytest.raises(ReportInvalid) as caught:
        submit("other", channel="web", uploads=[png_bytes()])
    assert "evidence" in caught.value.errors
    assert Report.objects.count() == 0


def test_abuse_material_pictures_are_hashed_and_discarded_with_the_report(evidence_root):  # noqa: F811
    result = submit(
        "abuse_material",
        channel="web",
        uploads=[png_bytes(), b"unreadable: the link is what counts"],
    )
    evidence = Evidence.objects.get(report=result.report)
    assert evidence.stored is False and len(evidence.pdq_hash) == 64
    assert files_under(evidence_root) == []


def test_a_retry_with_the_same_pictures_replays_and_other_pictures_conflict(evidence_root):  # noqa: F811
    from isigurt.reports.services import IdempotencyConflict

    first = submit(channel="api", idempotency_key="k-2", uploads=[png_bytes()])
    again = submit(channel="api", idempotency_key="k-2", uploads=[png_bytes()])
    assert again.replayed and again.secret == first.secret
    with pytest.raises(IdempotencyConflict):
        submit(channel="api", idempotency_key="k-2", uploads=[png_bytes(20, 20)])
    assert Evidence.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1


def test_pictures_added_later_are_all_stored_or_none(evidence_root, decodes):  # noqa: F811
    report = submitted(category="sextortion").report
    with pytest.raises(ReportInvalid):
        pictures_decode(category=report.category, uploads=[png_bytes(), b"broken"])
    assert Evidence.objects.count() == 0 and files_under(evidence_root) == []
    decodes.clear()
    pictures = pictures_decode(category=report.category, uploads=[png_bytes(), png_bytes(30, 30)])
    evidence_add(report=report, pictures=pictures)
    assert Evidence.objects.filter(report=report).count() == 2
    assert len(decodes) == 2


def test_an_abuse_material_report_never_stores_a_decoded_copy(evidence_root):  # noqa: F811
    # Decoded for another category by mistake: the service still keeps only the hashes (S11).
    pictures = pictures_decode(category="bullying", uploads=[png_bytes()])
    result = report_submit(draft=draft(category="abuse_material"), channel="web", pictures=pictures)
    assert Evidence.objects.get(report=result.report).stored is False
    assert files_under(evidence_root) == []
