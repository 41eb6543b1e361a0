"""Many writers append at once while the sealer runs; the chain stays contiguous (PostgreSQL)."""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from isigurt.audit.models import AuditEntry
from isigurt.audit.selectors import verify_audit_chain
from isigurt.audit.services import audit_record, audit_seal


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has a single writer")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_writers_and_sealers_keep_one_contiguous_valid_chain(settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6390/0"  # no inline sealing: sealers below
    errors = []
    start = threading.Barrier(6)
    writing = threading.Event()
    writing.set()

    def writer(n):
        try:
            start.wait()
            for i in range(10):
                with transaction.atomic():
                    audit_record(
                        actor=None,
                        action="case.update",
                        object_type="cases.case",
                        object_id=n * 100 + i,
                    )
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    def sealer():
        try:
            start.wait()
            while writing.is_set():
                audit_seal()
                time.sleep(0.005)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    writers = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    sealers = [threading.Thread(target=sealer) for _ in range(2)]
    for thread in writers + sealers:
        thread.start()
    for thread in writers:
        thread.join()
    writing.clear()
    for thread in sealers:
        thread.join()
    audit_seal()

    assert errors == []
    assert list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True)) == list(
        range(1, 41)
    )
    result = verify_audit_chain()
    assert (result.ok, result.checked, result.unsealed) == (True, 40, 0)
