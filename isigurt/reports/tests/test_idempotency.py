"""R4: Idempotency-Key (IETF draft): same key and body → one row, same answer; other body → 422;
a concurrent duplicate → 409."""

import json
import threading

import pytest
from django.db import connection
from django.test import Client

from isigurt.outbox.models import OutboxMessage
from isigurt.reports.models import IdempotencyRecord, Report
from isigurt.reports.services import report_open
from isigurt.reports.tests.factories import clear_cache, new_key, report_payload  # noqa: F401

pytestmark = pytest.mark.usefixtures("clear_cache")

REPORTS = "/api/v1/reports"


def post(client, body, key, **extra):
    return client.post(
        REPORTS,
        data=json.dumps(body),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
        **extra,
    )


@pytest.mark.django_db
def test_the_same_key_and_body_give_the_same_answer_and_one_row():
    client, key, body = Client(), new_key(), report_payload()
    first = post(client, body, key)
    again = post(client, body, key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Report.objects.count() == 1
    assert OutboxMessage.objects.filter(topic="reports.received").count() == 1
    code, secret = first.json()["tracking_code"], first.json()["secret"]
    assert report_open(tracking_code=code, secret=secret) == Report.objects.get()


@pytest.mark.django_db
def test_the_same_body_reordered_or_in_another_language_is_the_same_request():
    client, key = Client(), new_key()
    body = report_payload()
    first = post(client, body, key, HTTP_ACCEPT_LANGUAGE="en")
    reordered = dict(reversed(list(body.items())))
    again = post(client, reordered, key, HTTP_ACCEPT_LANGUAGE="sq")
    assert again.status_code == 201
    assert again.json()["tracking_code"] == first.json()["tracking_code"]
    assert Report.objects.count() == 1


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_422_and_changes_nothing():
    client, key = Client(), new_key()
    first = post(client, report_payload(), key)
    other = post(client, report_payload(description="A different placeholder."), key)
    assert other.status_code == 422
    assert {e["field"] for e in other.json()["errors"]} == {"idempotency_key"}
    assert Report.objects.count() == 1
    assert first.status_code == 201


@pytest.mark.django_db
def test_different_keys_make_different_reports():
    client, body = Client(), report_payload()
    codes = {post(client, body, new_key()).json()["tracking_code"] for _ in range(3)}
    assert len(codes) == 3
    assert Report.objects.count() == 3


@pytest.mark.django_db
def test_the_first_secret_is_kept_only_encrypted():
    client, key = Client(), new_key()
    secret = post(client, report_payload(), key).json()["secret"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM reports_idempotencyrecord")
        (stored,) = cursor.fetchone()
    assert stored.startswith("enc1:")
    assert secret.replace("-", "") not in stored


def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite serialises writers (BEGIN IMMEDIATE): a concurrent duplicate waits for the "
            "first and then replays it, so there is no in-flight window to answer 409 for."
        )


@pytest.mark.django_db(transaction=True)
def test_a_concurrent_duplicate_gets_409_then_the_retry_replays(settings):
    _postgres_only()
    settings.RATE_LIMIT_ENABLED = False
    key, body = new_key(), report_payload()
    inside, release = threading.Event(), threading.Event()
    results = {}

    def first_request():
        from django.db import connection as thread_connection

        def pause_after_key_insert(execute, sql, params, many, context):
            result = execute(sql, params, many, context)
            if 'INSERT INTO "reports_idempotencyrecord"' in sql:
                inside.set()
                release.wait(10)
            return result

        try:
            with thread_connection.execute_wrapper(pause_after_key_insert):
                results["first"] = post(Client(), body, key)
        finally:
            thread_connection.close()

    thread = threading.Thread(target=first_request)
    thread.start()
    try:
        assert inside.wait(10), "the first request never reached its key"
        duplicate = post(Client(), body, key)
    finally:
        release.set()
        thread.join(20)
    assert duplicate.status_code == 409
    assert duplicate["Retry-After"]
    assert results["first"].status_code == 201
    retry = post(Client(), body, key)
    assert retry.status_code == 201
    assert retry.json() == results["first"].json()
    assert Report.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_the_same_request_makes_exactly_one_report(settings):
    _postgres_only()
    settings.RATE_LIMIT_ENABLED = False
    key, body = new_key(), report_payload()
    barrier = threading.Barrier(8)
    responses = []
    lock = threading.Lock()

    def send():
        from django.db import connection as thread_connection

        try:
            barrier.wait(5)
            response = post(Client(), body, key)
            with lock:
                responses.append(response)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    statuses = {r.status_code for r in responses}
    assert statuses <= {201, 409}
    assert 201 in statuses
    codes = {r.json()["tracking_code"] for r in responses if r.status_code == 201}
    assert len(codes) == 1
    assert Report.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_new_report_costs_one_statement_for_its_key_and_code_on_postgresql():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from isigurt.reports.services import report_submit
    from isigurt.reports.tests.factories import draft

    if connection.vendor != "postgresql":
        pytest.skip("the key lock and the lookups share one statement on PostgreSQL only")
    with CaptureQueriesContext(connection) as queries:
        report_submit(draft=draft(), channel="api", idempotency_key="one-statement-key")
    before_insert = []
    for query in queries.captured_queries:
        sql = query["sql"].lstrip().upper()
        if sql.startswith(("INSERT", "WITH")):
            break
        if not sql.startswith(("BEGIN", "SAVEPOINT")):
            before_insert.append(query["sql"])
    # The key's lock, its record and the tracking code's check: one round trip.
    assert len(before_insert) == 1
    assert "pg_try_advisory_xact_lock" in before_insert[0]


@pytest.mark.django_db(transaction=True)
def test_a_new_report_and_its_key_record_are_written_in_one_statement_on_postgresql():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from isigurt.reports.models import IdempotencyRecord
    from isigurt.reports.services import report_submit
    from isigurt.reports.tests.factories import draft

    if connection.vendor != "postgresql":
        pytest.skip("one statement for several rows on PostgreSQL only")
    with CaptureQueriesContext(connection) as queries:
        submitted = report_submit(draft=draft(), channel="api", idempotency_key="together-key")
    writing = [
        q["sql"]
        for q in queries.captured_queries
        if "reports_report" in q["sql"] and "INSERT" in q["sql"].upper()
    ]
    assert len(writing) == 1
    assert '"reports_idempotencyrecord"' in writing[0]
    record = IdempotencyRecord.objects.select_related("report").get(key="together-key")
    assert record.report == submitted.report
    # The secret is kept encrypted and still opens: a retry gets the first answer.
    again = report_submit(draft=draft(), channel="api", idempotency_key="together-key")
    assert again.replayed and again.secret == submitted.secret
