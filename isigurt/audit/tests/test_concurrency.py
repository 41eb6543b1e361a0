"""The chain stays contiguous and valid when many writers append at once (PostgreSQL)."""

import threading

import pytest
from django.db import connection, connections

from isigurt.audit.models import AuditEntry
from isigurt.audit.selectors import verify_audit_chain
from isigurt.audit.services import audit_record


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has a single writer")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_writers_keep_one_contiguous_valid_chain():
    errors = []
    start = threading.Barrier(4)

    def writer(n):
        try:
            start.wait()
            for i in range(10):
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

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True)) == list(
        range(1, 41)
    )
    result = verify_audit_chain()
    assert (result.ok, result.checked) == (True, 40)
