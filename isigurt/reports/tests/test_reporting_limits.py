"""Public reporting under load and attack: budget spent before pictures, tracking locks shared
by the web and the API, idempotency keys scoped to their client, no-store pages, bidi controls.
"""

import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.test import Client

from isigurt.lib.tests.test_ratelimit import CLOSED_REDIS_URL, redis_cache
from isigurt.reports.models import Evidence, Report, ReportMessage
from isigurt.reports.tests.factories import (
    evidence_root,  # noqa: F401 — fixture
    png_bytes,
    report_payload,
    submitted,
)
from isigurt.reports.tests.test_views import _upload, details, form_page, start, url

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def _fresh_keys(settings):
    # Counters may live in a shared Redis: a new secret key makes every client and code key new.
    settings.SECRET_KEY = f"reporting-limits-{uuid.uuid4()}-" + "x" * 40
    settings.RATE_LIMIT_ENABLED = True


def address() -> str:
    return f"198.51.100.{uuid.uuid4().int % 250 + 1}"


def api(client: Client, method: str, path: str, **extra):  # type: ignore[no-untyped-def]
    return getattr(client, method)(f"/api/v1{path}", **extra)


def opened(client: Client, tracking_code: str, secret: str) -> None:
    response = client.post(url("reports:track"), {"tracking_code": tracking_code, "secret": secret})
    assert response.status_code == 302


# --- 1. pictures: budget first, decoding bounded -------------------------------------------


MEMORY_PROBE = r"""
import json, sys
import django
django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import setup_test_environment

setup_test_environment()
connection.creation.create_test_db(verbosity=0, serialize=False)

from isigurt.lib.tests.test_image_bounds import png_bomb
from isigurt.reports.tests.factories import submitted
from isigurt.reports.tests.test_views import _upload, details, form_page, start, url

def peak_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024

bomb = png_bomb(6300, 6300)  # 168 KB declaring 6300 x 6300: about 1 GB decoded the old way
report = submitted(category="bullying")
rounds = int(sys.argv[1])
statuses = {"web_form": [], "web_track": [], "api_evidence": []}
before = peak_mb()

web = Client(REMOTE_ADDR="198.51.100.1")
start(web)
page = form_page(web)
for _ in range(rounds):
    # An answer refused (not a phone number): no report, the pictures are not decoded, yet
    # the request carried pictures and spends the budget.
    data = details(page, phone_numbers="call me maybe")
    data["evidence"] = [_upload("a.png", bomb), _upload("b.txt", b"not a picture")]
    statuses["web_form"].append(web.post(url("reports:form"), data).status_code)

tracker = Client(REMOTE_ADDR="198.51.100.2")
tracker.post(url("reports:track"), {"tracking_code": report.tracking_code, "secret": report.secret})
for _ in range(rounds):
    data = {"evidence": [_upload("a.png", bomb), _upload("b.txt", b"not a picture")]}
    statuses["web_track"].append(tracker.post(url("reports:track_evidence"), data).status_code)

app = Client(REMOTE_ADDR="198.51.100.3")
for _ in range(rounds):
    response = app.post(
        f"/api/v1/reports/{report.tracking_code}/evidence",
        {"file": _upload("a.png", bomb)},
        HTTP_X_REPORT_SECRET=report.secret,
    )
    statuses["api_evidence"].append(response.status_code)

print(json.dumps({"before": before, "after": peak_mb(), "statuses": statuses}))
"""

# Growth of the peak resident memory of a process answering all the requests below: one
# bomb decoded the old way cost about 1 GB.
REQUESTS_MEMORY_CEILING_MB = 60


def test_picture_requests_spend_the_budget_first_and_never_decode_a_bomb(tmp_path):
    rounds = 34  # past the intake (10 a minute) and follow-up (30 a minute) limits
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL")  # SQLite in memory, a local cache
    }
    env.update(
        DJANGO_SETTINGS_MODULE="isigurt.settings.test",
        PYTHONPATH=str(ROOT),
        ISIGURT_RATE_LIMIT="true",
    )
    done = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, str(rounds)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    growth = figures["after"] - figures["before"]
    statuses = figures["statuses"]
    print(f"peak memory growth over {3 * rounds} requests with a 6300x6300 PNG: {growth:.0f} MB")
    assert statuses["web_form"] == [200] * 10 + [429] * (rounds - 10)
    assert statuses["web_track"] == [200] * 30 + [429] * (rounds - 30)
    assert statuses["api_evidence"] == [422] * 30 + [429] * (rounds - 30)
    assert growth < REQUESTS_MEMORY_CEILING_MB


def test_a_busy_decoder_asks_to_try_again_and_keeps_what_was_typed(client, monkeypatch):
    from isigurt.lib import images

    def busy(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise images._busy()

    monkeypatch.setattr(images, "_load", busy)
    start(client)
    data = details(form_page(client), description="Typed before the wait.")
    data["evidence"] = [_upload("one.png", png_bytes())]
    response = client.post(url("reports:form"), data)
    assert response.status_code == 503 and response["Retry-After"] == "5"
    html = response.content.decode()
    assert "Typed before the wait." in html and "Wait a moment" in html
    assert Report.objects.count() == 0


def test_a_busy_decoder_is_503_with_retry_after_in_the_api(client, monkeypatch, evidence_root):  # noqa: F811
    from isigurt.lib import images

    def busy(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise images._busy()

    monkeypatch.setattr(images, "_load", busy)
    report = submitted(category="bullying")
    response = api(
        client,
        "post",
        f"/reports/{report.tracking_code}/evidence",
        data={"file": _upload("a.png", png_bytes())},
        HTTP_X_REPORT_SECRET=report.secret,
    )
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert set(response.json()) == {"detail", "errors"}
    assert Evidence.objects.count() == 0


# --- 2. tracking: one set of limits for the web and the API --------------------------------


def test_wrong_secrets_in_the_api_lock_the_code_for_the_web_too():
    report = submitted()
    attacker = Client(REMOTE_ADDR=address())
    for _ in range(5):
        response = api(
            attacker, "get", f"/reports/{report.tracking_code}", HTTP_X_REPORT_SECRET="WRONG"
        )
        assert response.status_code == 404
    refused = api(attacker, "get", f"/reports/{report.tracking_code}", HTTP_X_REPORT_SECRET="X")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    # The code under attack is locked, even for its reporter elsewhere, on the web page too...
    reporter = Client(REMOTE_ADDR=address())
    page = reporter.post(
        url("reports:track"), {"tracking_code": report.tracking_code, "secret": report.secret}
    )
    assert page.status_code == 429
    # ...but not the attacker's address for someone else's code (a school's shared address).
    classmate = submitted()
    response = api(
        attacker,
        "get",
        f"/reports/{classmate.tracking_code}",
        HTTP_X_REPORT_SECRET=classmate.secret,
    )
    assert response.status_code == 200


def test_wrong_secrets_on_the_web_lock_the_code_not_the_address():
    report = submitted()
    attacker = Client(REMOTE_ADDR=address())
    for _ in range(5):
        attacker.post(
            url("reports:track"), {"tracking_code": report.tracking_code, "secret": "WRONG"}
        )
    elsewhere = Client(REMOTE_ADDR=address())
    locked = elsewhere.post(
        url("reports:track"), {"tracking_code": report.tracking_code, "secret": report.secret}
    )
    assert locked.status_code == 429
    other = submitted()
    opened(attacker, other.tracking_code, other.secret)


@pytest.mark.parametrize(
    ("path", "body"),
    [("messages", {"body": "Hello."}), ("information", {"text": "More."})],
)
def test_api_follow_ups_share_the_web_allowance(path, body):
    report = submitted(category="bullying")
    where = address()
    web = Client(REMOTE_ADDR=where)
    opened(web, report.tracking_code, report.secret)
    for number in range(30):
        response = web.post(url("reports:track_message"), {"body": f"Message {number}."})
        assert response.status_code == 302
    app = Client(REMOTE_ADDR=where)
    response = api(
        app,
        "post",
        f"/reports/{report.tracking_code}/{path}",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_X_REPORT_SECRET=report.secret,
    )
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert ReportMessage.objects.filter(report=report.report).count() == 30


def test_api_follow_ups_are_limited_on_their_own():
    report = submitted()
    app = Client(REMOTE_ADDR=address())
    statuses = [
        api(
            app,
            "post",
            f"/reports/{report.tracking_code}/messages",
            data=json.dumps({"body": f"Message {number}."}),
            content_type="application/json",
            HTTP_X_REPORT_SECRET=report.secret,
        ).status_code
        for number in range(31)
    ]
    assert statuses == [201] * 30 + [429]


def test_tracking_fails_closed_when_the_limiter_is_down(settings):
    report = submitted()
    settings.CACHES = redis_cache(CLOSED_REDIS_URL)
    client = Client(REMOTE_ADDR=address())
    response = api(
        client, "get", f"/reports/{report.tracking_code}", HTTP_X_REPORT_SECRET=report.secret
    )
    assert response.status_code == 503 and response["Retry-After"]
    assert set(response.json()) == {"detail", "errors"}
    page = client.post(
        url("reports:track"), {"tracking_code": report.tracking_code, "secret": report.secret}
    )
    assert page.status_code == 503


# --- 3. idempotency keys belong to their client --------------------------------------------


def _create(client: Client, key: str, body: dict, **headers: str):  # type: ignore[no-untyped-def]
    return api(
        client,
        "post",
        "/reports",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
        **headers,
    )


def test_a_key_replayed_from_another_client_never_gets_the_secret():
    body, key = report_payload(), "shared-or-guessed-key"
    first = _create(Client(REMOTE_ADDR=address()), key, body)
    assert first.status_code == 201
    other = _create(Client(REMOTE_ADDR=address()), key, body)
    assert other.status_code == 201 and "Idempotent-Replayed" not in other
    assert other.json()["secret"] != first.json()["secret"]
    assert other.json()["tracking_code"] != first.json()["tracking_code"]


def test_the_same_client_still_gets_its_answer_back_and_a_conflict_for_another_body():
    client = Client(REMOTE_ADDR=address())
    body, key = report_payload(), str(uuid.uuid4())
    first = _create(client, key, body)
    again = _create(client, key, body)
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["secret"] == first.json()["secret"]
    assert _create(client, key, report_payload(description="Another.")).status_code == 422
    assert Report.objects.count() == 1


def test_the_app_retrying_from_a_new_address_gets_its_answer_back():
    body, key = report_payload(), str(uuid.uuid4())
    first = _create(Client(REMOTE_ADDR=address()), key, body, HTTP_X_ISIGURT_CLIENT="app")
    moved = _create(Client(REMOTE_ADDR=address()), key, body, HTTP_X_ISIGURT_CLIENT="app")
    assert moved.status_code == 201 and moved["Idempotent-Replayed"] == "true"
    assert moved.json()["secret"] == first.json()["secret"]
    assert Report.objects.count() == 1


# --- 4. pages that echo a reporter's words are no-store ------------------------------------


def test_step_two_shown_again_after_an_error_is_no_store(client):
    start(client)
    data = details(form_page(client), phone_numbers="call me maybe", description="My words.")
    response = client.post(url("reports:form"), data)
    assert response.status_code == 200 and "My words." in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_step_two_refused_by_the_limit_is_no_store():
    client = Client(REMOTE_ADDR=address())
    start(client)
    for _ in range(10):
        assert client.post(url("reports:form"), details(form_page(client))).status_code == 302
        start(client)
    response = client.post(url("reports:form"), details(form_page(client), description="Mine."))
    assert response.status_code == 429 and "Mine." in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_every_tracking_page_with_the_reporters_words_is_no_store(client):
    report = submitted(category="bullying")
    opened(client, report.tracking_code, report.secret)
    pages = {
        "thread": client.get(url("reports:track")),
        "message refused": client.post(url("reports:track_message"), {"body": "x" * 6000}),
        "information refused": client.post(url("reports:track_information"), {"text": ""}),
        "picture refused": client.post(
            url("reports:track_evidence"), {"evidence": [_upload("b.txt", b"not a picture")]}
        ),
    }
    for name, response in pages.items():
        assert "no-store" in response["Cache-Control"], name


# --- 6. bidi controls ----------------------------------------------------------------------

RLO = "\u202e"


def test_bidi_controls_are_neutralised_on_intake_and_shown_to_staff(client):
    from isigurt.reports.services import report_message_post

    report = submitted(category="bullying", description=f"Paid {RLO}gpj.exe", platform=f"A{RLO}B")
    report.report.refresh_from_db()
    assert RLO not in report.report.description and "[U+202E]" in report.report.description
    assert RLO not in report.report.platform
    response = api(
        client,
        "post",
        f"/reports/{report.tracking_code}/messages",
        data=json.dumps({"body": f"see {RLO}this"}),
        content_type="application/json",
        HTTP_X_REPORT_SECRET=report.secret,
    )
    assert response.status_code == 201
    web = Client(REMOTE_ADDR=address())
    opened(web, report.tracking_code, report.secret)
    web.post(url("reports:track_information"), {"text": f"and {RLO}that"})
    bodies = [message.body for message in ReportMessage.objects.filter(report=report.report)]
    assert len(bodies) == 2 and all(RLO not in body and "[U+202E]" in body for body in bodies)
    assert report_message_post(report=report.report, body=f"{RLO}x").body == "[U+202E]x"


def test_staff_see_where_a_direction_control_was():
    from django.template import Context, Template

    html = Template("{% load bidi %}{{ text|bidi_marked|linebreaksbr }}").render(
        Context({"text": f"a{RLO}b\nc"})
    )
    assert RLO not in html and re.search(
        r'<mark class="bidi-control"[^>]*>\[U\+202E\]</mark>', html
    )
    template = (ROOT / "isigurt/reports/templates/reports/staff/detail.html").read_text()
    for field in ("f.platform", "f.description", "f.contact_value", "message.body", "name", "url"):
        assert re.search(r"\{\{ " + re.escape(field) + r"[^}]*\|bidi_marked", template), field


# --- 5. the API's answers stay in its one shape --------------------------------------------


def test_a_multipart_body_without_a_boundary_is_a_json_error(client):
    report = submitted(category="bullying")
    response = api(
        client,
        "post",
        f"/reports/{report.tracking_code}/evidence",
        data=b"--x\r\n",
        content_type="multipart/form-data",
        HTTP_X_REPORT_SECRET=report.secret,
    )
    assert 400 <= response.status_code < 500
    assert set(response.json()) == {"detail", "errors"}
    assert "Traceback" not in response.content.decode()


def test_the_spec_links_a_created_report_to_its_follow_ups(client):
    spec = client.get("/api/v1/openapi.json").json()
    links = spec["paths"]["/api/v1/reports"]["post"]["responses"]["201"]["links"]
    assert {link["operationId"] for link in links.values()} == {
        "isigurt_reports_api_report_status",
        "isigurt_reports_api_report_message",
        "isigurt_reports_api_report_information",
        "isigurt_reports_api_report_evidence",
    }
    body = spec["components"]["schemas"]["MessageIn"]["properties"]["body"]
    assert re.fullmatch(body["pattern"], "Hello\nthere") and not re.fullmatch(
        body["pattern"], "a\x07"
    )


# --- 7. follow-ups retried with the same Idempotency-Key are added once ---------------------


@pytest.mark.parametrize(("path", "field"), [("messages", "body"), ("information", "text")])
def test_a_follow_up_retried_with_its_key_is_added_once(client, path, field):
    report = submitted()

    def send(text: str, key: str | None = "retry-1"):  # type: ignore[no-untyped-def]
        headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
        return api(
            client,
            "post",
            f"/reports/{report.tracking_code}/{path}",
            data=json.dumps({field: text}),
            content_type="application/json",
            HTTP_X_REPORT_SECRET=report.secret,
            HTTP_X_ISIGURT_CLIENT="app",
            **headers,
        )

    first, again = send("Hello."), send("Hello.")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert send("Another text.").status_code == 422
    assert ReportMessage.objects.filter(report=report.report).count() == 1
    send("Hello.", key=None)
    assert ReportMessage.objects.filter(report=report.report).count() == 2
