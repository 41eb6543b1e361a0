"""R2 (faults on 30% of statements, 10% of answers lost) and R6 (database unreachable)."""

import json
import random
import threading
import time

import pytest
from django.db import OperationalError, connections
from django.test import Client

from isigurt.outbox.models import OutboxMessage
from isigurt.reports.models import IdempotencyRecord, Report
from isigurt.reports.services import report_open
from isigurt.reports.tests.factories import clear_cache, new_key, report_payload  # noqa: F401

pytestmark = pytest.mark.usefixtures("clear_cache")

REPORTS = "/api/v1/reports"
_TRANSACTION_CONTROL = ("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT")


class FaultInjector:
    """Raise OperationalError on a fixed share of data statements (seeded, so reproducible).

    Transaction control statements are left alone: a failed ROLLBACK TO SAVEPOINT would leave
    the test's own connection unusable, which is not what R2 is about.
    """

    def __init__(self, share: float, seed: int) -> None:
        self.share = share
        self.random = random.Random(seed)
        self.injected = 0

    def __call__(self, execute, sql, params, many, context):
        control = sql.lstrip().upper().startswith(_TRANSACTION_CONTROL)
        if not control and self.random.random() < self.share:
            self.injected += 1
            raise OperationalError("injected fault: server closed the connection")
        return execute(sql, params, many, context)


@pytest.mark.django_db(transaction=True)
def test_r2_faults_and_lost_answers_lose_nothing_and_duplicate_nothing(settings):
    settings.RATE_LIMIT_ENABLED = False
    client = Client()
    faults = FaultInjector(0.30, seed=20250101)
    drop = random.Random(7)
    reports = 40
    statuses: list[int] = []
    acknowledged: dict[str, tuple[str, str]] = {}
    dropped = 0

    for n in range(reports):
        key = new_key()
        body = report_payload(description=f"Placeholder report number {n}.")
        for _attempt in range(100):
            with connections["default"].execute_wrapper(faults):
                response = client.post(
                    REPORTS,
                    data=json.dumps(body),
                    content_type="application/json",
                    HTTP_IDEMPOTENCY_KEY=key,
                )
            statuses.append(response.status_code)
            if response.status_code == 503:
                assert response["Retry-After"]
                continue
            if response.status_code == 201 and drop.random() < 0.10:
                dropped += 1  # the answer was lost on the way: the client retries
                continue
            break
        assert response.status_code == 201, response.content
        acknowledged[key] = (response.json()["tracking_code"], response.json()["secret"])

    assert set(statuses) <= {201, 503}
    assert faults.injected > 0 and dropped > 0 and statuses.count(503) > 0
    assert Report.objects.count() == reports  # 0 duplicates
    assert IdempotencyRecord.objects.count() == reports
    assert OutboxMessage.objects.filter(topic="reports.received").count() == reports
    codes = {code for code, _secret in acknowledged.values()}
    assert len(codes) == reports
    for code, secret in acknowledged.values():  # 0 lost, and each secret still opens its report
        assert report_open(tracking_code=code, secret=secret) is not None


def _unreachable(settings_dict: dict) -> dict:
    broken = dict(settings_dict)
    if broken["ENGINE"].endswith("sqlite3"):
        broken["NAME"] = "/nonexistent-isigurt-dir/unreachable.sqlite3"
        broken["TEST"] = {**broken.get("TEST", {}), "NAME": broken["NAME"]}
    else:
        broken["HOST"], broken["PORT"] = "127.0.0.1", "1"
    return broken


def _in_a_thread_with_the_database_down(func):
    """Run func in a fresh thread whose database connection points nowhere."""
    original = connections.settings["default"]
    connections.settings["default"] = _unreachable(original)
    result: dict = {}

    def run():
        try:
            result["value"] = func()
        finally:
            connections.close_all()

    try:
        thread = threading.Thread(target=run)
        thread.start()
        thread.join(30)
    finally:
        connections.settings["default"] = original
    return result["value"]


@pytest.mark.django_db
def test_r6_with_the_database_unreachable_intake_answers_503_fast(settings):
    settings.RATE_LIMIT_ENABLED = False

    def submit():
        started = time.monotonic()
        response = Client().post(
            REPORTS,
            data=json.dumps(report_payload()),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=new_key(),
        )
        return response, time.monotonic() - started

    response, elapsed = _in_a_thread_with_the_database_down(submit)
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert elapsed < 3
    assert response.json()["detail"]


@pytest.mark.django_db
def test_r6_with_the_database_unreachable_follow_up_and_categories_never_500():
    def calls():
        client = Client()
        return [
            client.get(f"{REPORTS}/K7QM-4TZP", HTTP_X_REPORT_SECRET="AAAA-AAAA-AAAA-AAAA"),
            client.post(
                f"{REPORTS}/K7QM-4TZP/messages",
                data=json.dumps({"body": "x"}),
                content_type="application/json",
                HTTP_X_REPORT_SECRET="AAAA-AAAA-AAAA-AAAA",
            ),
        ]

    responses = _in_a_thread_with_the_database_down(calls)
    assert [r.status_code for r in responses] == [503, 503]
    assert all(r["Retry-After"] for r in responses)


@pytest.mark.django_db
def test_r6_healthz_says_degraded():
    response = _in_a_thread_with_the_database_down(lambda: Client().get("/healthz"))
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["database"] == "unreachable"
