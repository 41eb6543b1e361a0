"""S9: key rotation re-encrypts evidence files too, so the old key can really be removed."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation

from isigurt.lib.crypto import DecryptionError, blob_key_id
from isigurt.lib.rotation import blob_rotators, rotate_encrypted_files
from isigurt.reports import storage
from isigurt.reports.permissions import access_evidence
from isigurt.reports.services import evidence_attach, evidence_open
from isigurt.reports.tests.factories import (
    evidence_root,  # noqa: F401 — fixture
    files_under,
    png_bytes,
    submitted,
)

pytestmark = pytest.mark.django_db

K1 = "k1:aXNpZ3VydC10ZXN0LWtleS0xLTMyLWJ5dGVzLW9rISE="
K2 = "k2:aXNpZ3VydC10ZXN0LWtleS0yLTMyLWJ5dGVzLW9rISE="


def _stored_with_k1(count: int = 1) -> list:
    with override_settings(FIELD_ENCRYPTION_KEYS=K1):
        report = submitted(category="grooming").report
        return [evidence_attach(report=report, data=png_bytes(32 + n, 24)) for n in range(count)]


def _key_ids(root) -> set[str]:
    return {blob_key_id(path.read_bytes()) for path in files_under(root)}


def test_the_reports_app_registers_its_evidence_rotator():
    assert blob_rotators()["reports.evidence"] is storage.evidence_rotate_keys


def test_rotation_re_encrypts_evidence_files_with_the_newest_key(evidence_root, operator):  # noqa: F811
    evidence = _stored_with_k1()[0]
    expected, _mime = evidence_open(evidence=access_evidence(operator, evidence.id), actor=operator)
    assert _key_ids(evidence_root) == {"k1"}

    with override_settings(FIELD_ENCRYPTION_KEYS=f"{K2},{K1}"):
        assert rotate_encrypted_files() == {"reports.evidence": 1}
        assert _key_ids(evidence_root) == {"k2"}
        assert (
            evidence_open(evidence=access_evidence(operator, evidence.id), actor=operator)[0]
            == expected
        )

    with override_settings(FIELD_ENCRYPTION_KEYS=K2):  # the old key is gone
        data, _mime = evidence_open(evidence=access_evidence(operator, evidence.id), actor=operator)
        assert data == expected
    assert [p.name for p in files_under(evidence_root)] == [str(evidence.id)]  # no temp left


def test_without_rotation_removing_the_old_key_makes_evidence_unreadable(evidence_root, operator):  # noqa: F811
    evidence = _stored_with_k1()[0]
    with override_settings(FIELD_ENCRYPTION_KEYS=K2), pytest.raises(DecryptionError):
        evidence_open(evidence=access_evidence(operator, evidence.id), actor=operator)


def test_file_rotation_is_idempotent_and_works_in_batches(evidence_root, operator):  # noqa: F811
    made = _stored_with_k1(3)
    with override_settings(FIELD_ENCRYPTION_KEYS=f"{K2},{K1}"):
        assert storage.evidence_rotate_keys(batch_size=2) == 3
        before = {p.name: p.read_bytes() for p in files_under(evidence_root)}
        assert storage.evidence_rotate_keys(batch_size=2) == 0
        assert {p.name: p.read_bytes() for p in files_under(evidence_root)} == before
    with override_settings(FIELD_ENCRYPTION_KEYS=K2):
        for evidence in made:
            evidence_open(evidence=access_evidence(operator, evidence.id), actor=operator)


def test_the_command_reports_fields_and_files(evidence_root):  # noqa: F811
    _stored_with_k1(2)
    out = StringIO()
    with translation.override("en"), override_settings(FIELD_ENCRYPTION_KEYS=f"{K2},{K1}"):
        call_command("rotate_encryption_key", stdout=out)
    assert out.getvalue().strip().endswith(" and 2 files")
    assert _key_ids(evidence_root) == {"k2"}
