"""The reporting API: happy paths, the bad inputs people send, languages, rate limits (S13)."""

import json

import pytest
from django.test import Client

from isigurt.reports.models import Channel, Evidence, Report, ReportMessage
from isigurt.reports.tests.factories import (
    clear_cache,  # noqa: F401 — fixture
    evidence_root,  # noqa: F401 — fixture
    files_under,
    new_key,
    png_bytes,
    report_payload,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]

REPORTS = "/api/v1/reports"


def post_report(client, body=None, *, key=None, raw=None, content_type="application/json", **extra):
    data = raw if raw is not None else json.dumps(body if body is not None else report_payload())
    headers = {"HTTP_IDEMPOTENCY_KEY": key or new_key(), **extra}
    return client.post(REPORTS, data=data, content_type=content_type, **headers)


def field_errors(response):
    return {error["field"] for error in response.json()["errors"]}


@pytest.fixture
def client():
    return Client()


@pytest.fixture
def filed(client):
    body = post_report(client, report_payload(category="bullying")).json()
    return body["tracking_code"], body["secret"]


# --- happy paths ---------------------------------------------------------------------------


def test_categories_are_listed_for_an_audience(client):
    response = client.get("/api/v1/categories?audience=child", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.json()
    by_name = {c["category"]: c for c in body["categories"]}
    assert len(by_name) == 8
    assert by_name["abuse_material"]["evidence_allowed"] is False
    assert by_name["abuse_material"]["evidence_note"]
    assert by_name["grooming"]["evidence_allowed"] is True
    assert "urls" in by_name["bullying"]["fields"]
    assert body["helpline_number"] == "116 111"


def test_an_unknown_audience_is_a_field_error(client):
    response = client.get("/api/v1/categories?audience=robot")
    assert response.status_code == 422


def test_a_report_is_created_with_code_secret_and_advice(client):
    response = post_report(client, report_payload(category="sextortion"))
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"tracking_code", "secret", "status", "advice"}
    assert body["status"] == "received"
    assert len(body["advice"]) >= 4
    assert response["Cache-Control"] == "no-store"
    report = Report.objects.get()
    assert report.channel == "api" and report.flagged is False


def test_the_reporter_follows_a_report_with_code_and_secret(client, filed, operator):
    code, secret = filed
    report = Report.objects.get()
    from isigurt.reports.services import report_message_post

    report_message_post(report=report, body="We are looking at it.", actor=operator)
    response = client.get(f"{REPORTS}/{code}", HTTP_X_REPORT_SECRET=secret)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "received"
    assert body["messages"][0]["body"] == "We are looking at it."
    assert body["messages"][0]["from_helpline"] is True
    assert operator.username not in response.content.decode()


def test_a_wrong_secret_or_code_looks_like_no_report(client, filed):
    code, _secret = filed
    assert (
        client.get(f"{REPORTS}/{code}", HTTP_X_REPORT_SECRET="AAAA-AAAA-AAAA-AAAA").status_code
        == 404
    )
    assert client.get(f"{REPORTS}/{code}").status_code == 404
    assert client.get(f"{REPORTS}/ZZZZ-ZZZZ", HTTP_X_REPORT_SECRET=_secret).status_code == 404


def test_the_reporter_answers_and_adds_information(client, filed):
    code, secret = filed
    response = client.post(
        f"{REPORTS}/{code}/messages",
        data=json.dumps({"body": "Placeholder answer."}),
        content_type="application/json",
        HTTP_X_REPORT_SECRET=secret,
    )
    assert response.status_code == 201
    response = client.post(
        f"{REPORTS}/{code}/information",
        data=json.dumps({"text": "Placeholder detail."}),
        content_type="application/json",
        HTTP_X_REPORT_SECRET=secret,
    )
    assert response.status_code == 201
    assert [m.kind for m in ReportMessage.objects.order_by("created_at")] == [
        "message",
        "information",
    ]


def test_messages_need_the_secret(client, filed):
    code, _secret = filed
    response = client.post(
        f"{REPORTS}/{code}/messages",
        data=json.dumps({"body": "x"}),
        content_type="application/json",
    )
    assert response.status_code == 404
    assert ReportMessage.objects.count() == 0


def test_evidence_is_uploaded_as_multipart(client, filed, evidence_root):  # noqa: F811
    code, secret = filed
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("shot.png", png_bytes(), content_type="image/png")
    response = client.post(
        f"{REPORTS}/{code}/evidence", {"file": upload}, HTTP_X_REPORT_SECRET=secret
    )
    assert response.status_code == 201, response.content
    assert response.json()["stored"] is True
    assert len(files_under(evidence_root)) == 1


def test_an_abuse_material_upload_is_hashed_and_discarded_via_the_api(client, evidence_root):  # noqa: F811
    body = post_report(client, report_payload(category="abuse_material")).json()
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("x.png", png_bytes(), content_type="image/png")
    response = client.post(
        f"{REPORTS}/{body['tracking_code']}/evidence",
        {"file": upload},
        HTTP_X_REPORT_SECRET=body["secret"],
    )
    assert response.status_code == 201
    assert response.json()["stored"] is False
    assert files_under(evidence_root) == []
    assert Evidence.objects.get().stored is False


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "a.png"),
        (b"%PDF-1.4 placeholder", "a.jpg"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "a.png"),
    ],
)
def test_files_that_lie_about_their_type_get_422(client, filed, evidence_root, data, name):  # noqa: F811
    code, secret = filed
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(name, data, content_type="image/png")
    response = client.post(
        f"{REPORTS}/{code}/evidence", {"file": upload}, HTTP_X_REPORT_SECRET=secret
    )
    assert response.status_code == 422
    assert field_errors(response) == {"file"}
    assert files_under(evidence_root) == []


def test_evidence_without_a_file_is_a_4xx(client, filed):
    code, secret = filed
    response = client.post(f"{REPORTS}/{code}/evidence", {}, HTTP_X_REPORT_SECRET=secret)
    assert 400 <= response.status_code < 500


# --- bad input -----------------------------------------------------------------------------


def test_a_missing_idempotency_key_is_400_with_a_message(client):
    response = client.post(
        REPORTS, data=json.dumps(report_payload()), content_type="application/json"
    )
    assert response.status_code == 400
    assert field_errors(response) == {"idempotency_key"}
    assert Report.objects.count() == 0


def test_a_malformed_idempotency_key_is_400(client):
    response = post_report(client, key="x" * 300)
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"audience": "teen"}, "category"),
        ({"category": "bullying"}, "audience"),
        (report_payload(category="aliens"), "category"),
        (report_payload(category=7), "category"),
        (report_payload(child_in_danger="perhaps"), "child_in_danger"),
        (report_payload(urls="https://example.com"), "urls"),
        (report_payload(urls=[1, 2]), "urls"),
        (report_payload(urls=["javascript:alert(1)"]), "urls"),
        (report_payload(urls=["https://example.com/" + "a" * 3000]), "urls"),
        (report_payload(urls=[f"https://example.com/{n}" for n in range(21)]), "urls"),
        (report_payload(urls=["http://"]), "urls"),
        (report_payload(occurred_on="yesterday"), "occurred_on"),
        (report_payload(occurred_on="2999-01-01"), "occurred_on"),
        (report_payload(description="a" * 5001), "description"),
        (report_payload(description=["not", "text"]), "description"),
        (report_payload(county_code="AL-11", municipality_slug="durres"), "municipality_slug"),
        (report_payload(county_code="AL-11", outside_albania=True), "county_code"),
        (
            report_payload(contact_method="email", contact_value="nope", contact_consent=True),
            "contact_value",
        ),
        (
            report_payload(contact_method="phone", contact_value="12345", contact_consent=True),
            "contact_value",
        ),
        (
            report_payload(
                contact_method="email",
                contact_value='"a,b@evil.example"@example.com',
                contact_consent=True,
            ),
            "contact_value",
        ),
        (
            report_payload(
                contact_method="email", contact_value="x@[127.0.0.1]", contact_consent=True
            ),
            "contact_value",
        ),
        (report_payload(contact_method="carrier_pigeon"), "contact_method"),
        (report_payload(platform="x" * 101), "platform"),
        (report_payload(description="nul\u0000byte"), "description"),
    ],
)
def test_bad_fields_get_422_with_field_messages(client, body, field):
    response = post_report(client, body)
    assert response.status_code == 422, response.content
    payload = response.json()
    assert field in field_errors(response)
    assert all(error["message"] for error in payload["errors"])
    assert Report.objects.count() == 0


def test_field_messages_follow_accept_language(client):
    english = post_report(client, report_payload(category="aliens"), HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["errors"][0]["message"] == "Choose what happened from the list."
    albanian = post_report(client, report_payload(category="aliens"), HTTP_ACCEPT_LANGUAGE="sq")
    assert albanian.status_code == 422
    assert albanian.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("{not json", 400),
        ('{"category": "bullying",', 400),
        ("\xff\xfe", 400),
        ("[1, 2, 3]", 422),
        ('"just a string"', 422),
        ("null", 422),
    ],
)
def test_broken_json_gets_a_4xx_with_a_message(client, raw, status):
    response = post_report(client, raw=raw)
    assert response.status_code == status
    assert response.json()["detail"]


def test_an_empty_json_body_gets_400(client):
    response = client.generic(
        "POST", REPORTS, b"", CONTENT_TYPE="application/json", HTTP_IDEMPOTENCY_KEY=new_key()
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
def test_a_wrong_content_type_gets_415(client, content_type):
    response = post_report(client, raw=json.dumps(report_payload()), content_type=content_type)
    assert response.status_code == 415
    assert Report.objects.count() == 0


def test_multipart_to_the_json_endpoint_gets_415(client):
    response = client.post(REPORTS, {"category": "bullying"}, HTTP_IDEMPOTENCY_KEY=new_key())
    assert response.status_code == 415


def test_a_body_over_64_kb_gets_413(client):
    body = report_payload(description="a" * 70_000)
    response = post_report(client, body)
    assert response.status_code == 413
    assert Report.objects.count() == 0


def test_scripts_in_text_fields_are_kept_as_text_and_returned_as_json(client):
    script = "<script>alert(document.cookie)</script>"
    response = post_report(client, report_payload(description=script, platform=script[:50]))
    assert response.status_code == 201
    assert response["Content-Type"].startswith("application/json")
    assert Report.objects.get().description == script


def test_unknown_extra_fields_are_ignored(client):
    response = post_report(client, report_payload(favourite_colour="blue"))
    assert response.status_code == 201


# --- OpenAPI -------------------------------------------------------------------------------


def test_every_request_body_in_the_openapi_spec_has_a_working_example(client):
    spec = client.get("/api/v1/openapi.json").json()
    bodies = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if "requestBody" in operation:
                for content_type, media in operation["requestBody"]["content"].items():
                    bodies.append((path, method, content_type, media))
    assert len(bodies) >= 4
    for path, method, content_type, media in bodies:
        assert "example" in media or "examples" in media, (path, method, content_type)
    report_example = spec["paths"]["/api/v1/reports"]["post"]["requestBody"]["content"][
        "application/json"
    ]["example"]
    assert post_report(client, report_example).status_code == 201


# --- rate limits (S13) ---------------------------------------------------------------------


def test_the_eleventh_report_in_a_minute_gets_429_with_retry_after(client):
    statuses = [post_report(client).status_code for _ in range(10)]
    assert statuses == [201] * 10
    response = post_report(client)
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert Report.objects.count() == 10


def test_a_retry_of_an_acknowledged_report_is_still_answered_after_the_limit(client):
    key = new_key()
    first = post_report(client, key=key)
    for _ in range(9):
        post_report(client)
    assert post_report(client).status_code == 429
    retry = post_report(client, key=key)
    assert retry.status_code == 201
    assert retry.json()["tracking_code"] == first.json()["tracking_code"]
    assert Report.objects.count() == 10


def test_with_the_limiter_store_down_intake_stays_open_and_flags(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    response = post_report(client)
    assert response.status_code == 201
    assert Report.objects.get().flagged is True


def test_with_rate_limits_off_there_is_no_limit(client, settings):
    settings.RATE_LIMIT_ENABLED = False
    statuses = {post_report(client).status_code for _ in range(12)}
    assert statuses == {201}
    assert Report.objects.filter(flagged=False).count() == 12


def test_a_report_from_the_phone_app_is_counted_as_the_app_channel(client):
    response = post_report(client, HTTP_X_ISIGURT_CLIENT="app")
    assert response.status_code == 201
    report = Report.objects.get()
    assert report.channel == Channel.APP


def test_a_report_without_the_app_header_is_counted_as_the_api_channel(client):
    assert post_report(client).status_code == 201
    assert Report.objects.get().channel == Channel.API


def test_the_lang_parameter_chooses_the_language_of_the_categories(client):
    english = client.get("/api/v1/categories?audience=child&lang=en", HTTP_ACCEPT_LANGUAGE="sq")
    albanian = client.get("/api/v1/categories?audience=child&lang=sq", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == albanian.status_code == 200
    english_labels = [c["label"] for c in english.json()["categories"]]
    albanian_labels = [c["label"] for c in albanian.json()["categories"]]
    assert english_labels != albanian_labels


def test_the_site_language_cookie_does_not_change_the_api_language(client):
    client.cookies["django_language"] = "sq"
    response = post_report(client, report_payload(category="aliens"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["errors"][0]["message"] == "Choose what happened from the list."


def test_deeply_nested_json_is_bad_input_not_a_server_error(client):
    nested = '{"a":' * 10000 + "1" + "}" * 10000
    response = post_report(client, raw=nested)
    assert response.status_code == 400
    assert response.json()["detail"]


def test_a_large_upload_never_touches_the_disk():
    """S11: uploads stay in memory, capped just past the limit; never a temporary file."""
    from django.core.files.uploadedfile import InMemoryUploadedFile, SimpleUploadedFile
    from django.test import RequestFactory

    from isigurt.lib.images import MAX_UPLOAD_BYTES

    oversized = png_bytes() + b"\x00" * (13 * 1024 * 1024)
    request = RequestFactory().post(
        "/upload", {"file": SimpleUploadedFile("x.png", oversized, content_type="image/png")}
    )
    upload = request.FILES["file"]
    assert isinstance(upload, InMemoryUploadedFile)
    assert upload.size == MAX_UPLOAD_BYTES + 1


def test_intake_answers_201_at_once_with_the_broker_down(
    client, settings, django_capture_on_commit_callbacks
):
    """R3: the request path never talks to the broker; the work waits in the outbox."""
    import time

    from isigurt.outbox.models import OutboxMessage

    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6390/0"  # nothing listens there
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = post_report(client)
    assert response.status_code == 201
    assert time.monotonic() - started < 1
    message = OutboxMessage.objects.get()
    assert message.dispatched_at is None
    assert message.handled_at is None
