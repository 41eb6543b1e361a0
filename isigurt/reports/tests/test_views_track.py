"""Following a report with code and secret: status, thread, answers, information, evidence."""

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from isigurt.reports.models import Evidence, ReportMessage
from isigurt.reports.services import report_message_post
from isigurt.reports.tests.factories import png_bytes, submitted

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh(tmp_path, settings):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    cache.clear()


def url(name: str) -> str:
    with translation.override("en"):
        return reverse(name)


def open_report(client, result):
    return client.post(
        url("reports:track"), {"tracking_code": result.tracking_code, "secret": result.secret}
    )


def test_code_and_secret_open_the_status_and_the_helplines_message(client, operator):
    result = submitted()
    report_message_post(report=result.report, body="Placeholder answer from us.", actor=operator)
    response = open_report(client, result)
    assert response.status_code == 302
    assert response["Location"] == url("reports:track")
    page = client.get(url("reports:track"))
    html = page.content.decode()
    assert page["Cache-Control"] == "no-store"
    assert 'id="report-status">Received<' in html
    assert "Placeholder answer from us." in html
    assert "The helpline" in html
    assert operator.username not in html  # staff are never named to the reporter


def test_the_code_is_accepted_in_lower_case_and_without_the_dash(client):
    result = submitted()
    response = client.post(
        url("reports:track"),
        {"tracking_code": result.tracking_code.replace("-", "").lower(), "secret": result.secret},
    )
    assert response.status_code == 302


def test_a_wrong_secret_and_a_wrong_code_get_the_same_answer(client):
    result = submitted()
    wrong_secret = client.post(
        url("reports:track"),
        {"tracking_code": result.tracking_code, "secret": "AAAA-BBBB-CCCC-DDDD"},
    ).content.decode()
    wrong_code = client.post(
        url("reports:track"), {"tracking_code": "ZZZZ-ZZZZ", "secret": result.secret}
    ).content.decode()
    message = "We could not open a report with this code and secret."
    assert message in wrong_secret
    assert message in wrong_code
    assert "tracked_report" not in client.session


def test_the_secret_in_a_url_opens_nothing(client):
    result = submitted()
    response = client.get(
        url("reports:track"), {"tracking_code": result.tracking_code, "secret": result.secret}
    )
    assert 'id="report-status"' not in response.content.decode()
    assert 'method="post" action="' + url("reports:track") in response.content.decode()


def test_guessing_is_rate_limited(client):
    statuses = [
        client.post(url("reports:track"), {"tracking_code": "ZZZZ-ZZZZ", "secret": "x"}).status_code
        for _ in range(21)
    ]
    assert 429 in statuses


def test_with_the_limiter_store_down_tracking_refuses_kindly(client, settings):
    result = submitted()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    response = open_report(client, result)
    assert response.status_code == 503
    assert "We cannot check tracking codes right now." in response.content.decode()
    assert "tracked_report" not in client.session


def test_the_reporter_answers_and_adds_information(client):
    result = submitted()
    open_report(client, result)
    assert (
        client.post(url("reports:track_message"), {"body": "Placeholder reply."}).status_code == 302
    )
    assert (
        client.post(url("reports:track_information"), {"text": "Placeholder detail."}).status_code
        == 302
    )
    bodies = {m.body: m.from_helpline for m in ReportMessage.objects.filter(report=result.report)}
    assert bodies == {"Placeholder reply.": False, "Placeholder detail.": False}
    html = client.get(url("reports:track")).content.decode()
    assert "Placeholder reply." in html
    assert "Placeholder detail." in html


def test_an_empty_message_is_refused_next_to_the_field(client):
    result = submitted()
    open_report(client, result)
    response = client.post(url("reports:track_message"), {"body": "   "})
    assert response.status_code == 200
    assert 'id="id_body_error"' in response.content.decode()
    assert ReportMessage.objects.count() == 0


def test_the_reporter_adds_a_screenshot_where_the_category_allows(client):
    result = submitted(category="grooming")
    open_report(client, result)
    from django.core.files.uploadedfile import SimpleUploadedFile

    picture = SimpleUploadedFile("a.png", png_bytes(), content_type="image/png")
    assert client.post(url("reports:track_evidence"), {"evidence": picture}).status_code == 302
    assert Evidence.objects.filter(report=result.report, stored=True).count() == 1


def test_no_upload_is_offered_where_the_category_takes_none(client):
    result = submitted(category="harmful_content")
    open_report(client, result)
    assert 'name="evidence"' not in client.get(url("reports:track")).content.decode()


def test_without_opening_a_report_nothing_can_be_posted(client):
    result = submitted()
    response = client.post(url("reports:track_message"), {"body": "Placeholder."})
    assert response.status_code == 302
    assert response["Location"] == url("reports:track")
    assert ReportMessage.objects.filter(report=result.report).count() == 0


def test_closing_forgets_the_report_on_this_device(client):
    result = submitted()
    open_report(client, result)
    client.post(url("reports:track_leave"))
    assert 'id="report-status"' not in client.get(url("reports:track")).content.decode()


@pytest.mark.parametrize(
    "name",
    [
        "reports:track_message",
        "reports:track_information",
        "reports:track_evidence",
        "reports:track_leave",
    ],
)
def test_the_tracking_actions_refuse_get(client, name):
    assert client.get(url(name)).status_code == 405


def test_too_many_follow_ups_are_refused_kindly_and_keep_what_was_typed(client, monkeypatch):
    from isigurt.lib import ratelimit

    monkeypatch.setattr(ratelimit, "_clock", lambda: 1_800_000_000.0)  # one fixed minute
    result = submitted()
    open_report(client, result)
    for number in range(30):
        assert (
            client.post(url("reports:track_message"), {"body": f"Note {number}."}).status_code
            == 302
        )
    refused = client.post(url("reports:track_information"), {"text": "Typed and kept."})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    html = refused.content.decode()
    assert "Typed and kept." in html
    assert "You sent a lot in a short time." in html
    assert ReportMessage.objects.filter(report=result.report).count() == 30
    assert client.post(url("reports:track_message"), {"body": "One more."}).status_code == 429
