"""A form sent after its page went stale: a kind page, and "send again" only where it is safe."""

import re
from html import unescape

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.urls import reverse

from isigurt.lib.views import csrf_failure
from isigurt.reports.models import Report
from isigurt.reports.tests.test_views import details, url

pytestmark = pytest.mark.django_db

SAME_ORIGIN = {"HTTP_SEC_FETCH_SITE": "same-origin"}


@pytest.fixture(autouse=True)
def _fresh(settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    cache.clear()


def strict() -> Client:
    return Client(enforce_csrf_checks=True)


def hidden_fields(html: str) -> dict[str, str]:
    form = re.search(
        r'<form method="post" action="[^"]*" id="resend-form">(.*?)</form>', html, re.S
    )
    assert form, "the page offers to send again"
    pairs = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(1))
    return {name: unescape(value) for name, value in pairs if name != "csrfmiddlewaretoken"}


def step_two_page(client: Client, audience: str = "adult") -> str:
    page = client.get(url("reports:start"), {"audience": audience}).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    client.post(
        url("reports:start"),
        {
            "audience": audience,
            "category": "bullying",
            "child_in_danger": "no",
            "csrfmiddlewaretoken": token,
        },
    )
    return client.get(url("reports:form")).content.decode()


def test_a_stale_report_form_gets_a_kind_page_and_is_filed_once_when_sent_again():
    client = strict()
    html = step_two_page(client)
    data = details(html, audience="adult", category="bullying", child_in_danger="no")
    data["description"] = 'He wrote "<b>hello</b>" & more'
    client.cookies.clear()  # the session and the CSRF cookie are gone
    stale = client.post(url("reports:form"), data, **SAME_ORIGIN)
    assert stale.status_code == 403
    page = stale.content.decode()
    assert "This page was open for a long time" in page
    assert 'id="quick-exit"' in page and 'href="tel:116111"' in page
    assert "<b>hello</b>" not in page and "&lt;b&gt;hello&lt;/b&gt;" in page
    assert stale["Cache-Control"] == "no-store"
    fields = hidden_fields(page)
    assert fields["form_key"] == data["form_key"] and fields["audience"] == "adult"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    resend = dict(fields)
    resend["csrfmiddlewaretoken"] = token
    sent = client.post(url("reports:form"), resend, **SAME_ORIGIN)
    assert sent.status_code == 302 and sent["Location"].endswith(url("reports:done"))
    assert Report.objects.count() == 1
    assert Report.objects.get().description == data["description"]
    again = client.post(url("reports:form"), resend, **SAME_ORIGIN)  # pressed twice
    assert again.status_code in (200, 302)
    assert Report.objects.count() == 1


def test_the_kind_page_speaks_the_pages_language():
    client = strict()
    stale = client.post(
        url("reports:start", "sq"),
        {"audience": "child", "category": "bullying", "child_in_danger": "no"},
        **SAME_ORIGIN,
    )
    page = stale.content.decode()
    assert stale.status_code == 403 and 'lang="sq"' in page
    assert "Kjo faqe qëndroi e hapur për shumë kohë" in page
    assert hidden_fields(page) == {
        "audience": "child",
        "category": "bullying",
        "child_in_danger": "no",
    }


def test_an_origin_header_equal_to_the_site_counts_as_same_origin():
    stale = strict().post(
        url("reports:start"),
        {"audience": "teen", "category": "hate", "child_in_danger": "no"},
        HTTP_ORIGIN="http://testserver",
    )
    assert hidden_fields(stale.content.decode())["category"] == "hate"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_SEC_FETCH_SITE": "cross-site"},
        {"HTTP_SEC_FETCH_SITE": "same-site"},
        {"HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_ORIGIN": "null"},
    ],
)
def test_a_post_from_elsewhere_is_never_offered_back(headers):
    stale = strict().post(
        url("reports:start"),
        {"audience": "adult", "category": "hate", "child_in_danger": "no", "note": "forged"},
        **headers,
    )
    page = stale.content.decode()
    assert stale.status_code == 403 and "This page was open for a long time" in page
    assert 'id="resend-form"' not in page and "forged" not in page
    assert f'href="{url("reports:start")}" id="start-again"' in page


def test_staff_and_admin_posts_are_never_offered_back():
    for path in (reverse("accounts:login"), "/admin/login/"):
        stale = strict().post(
            path, {"username": "someone", "password": "p4ssw0rd-typed-here"}, **SAME_ORIGIN
        )
        page = stale.content.decode()
        assert stale.status_code == 403 and 'id="resend-form"' not in page
        assert "someone" not in page and "p4ssw0rd-typed-here" not in page
        assert 'id="quick-exit"' in page


def test_the_tracking_secret_is_never_written_back():
    stale = strict().post(
        url("reports:track"),
        {"tracking_code": "K7QM-4TZP", "secret": "ABCD-EFGH-JKLM"},
        **SAME_ORIGIN,
    )
    page = stale.content.decode()
    assert stale.status_code == 403 and "ABCD-EFGH-JKLM" not in page
    assert f'href="{url("reports:track")}"' in page


def test_a_message_on_the_tracking_page_is_offered_back_without_secret_fields():
    stale = strict().post(
        url("reports:track_message"),
        {"body": "Please call me.", "secret": "ABCD-EFGH-JKLM", "password": "x"},
        **SAME_ORIGIN,
    )
    assert hidden_fields(stale.content.decode()) == {"body": "Please call me."}


def test_pictures_are_never_kept_and_the_page_says_so():
    from django.core.files.uploadedfile import SimpleUploadedFile

    stale = strict().post(
        url("reports:form"),
        {
            "audience": "adult",
            "category": "bullying",
            "child_in_danger": "no",
            "evidence": SimpleUploadedFile("a.png", b"\x89PNG", content_type="image/png"),
        },
        **SAME_ORIGIN,
    )
    page = stale.content.decode()
    assert "evidence" not in hidden_fields(page) and 'type="file"' not in page
    assert "we do not keep pictures" in page


def test_the_api_answers_in_json():

    response = csrf_failure(RequestFactory().post("/api/v1/reports"), reason="x")
    assert response.status_code == 403 and response["Content-Type"] == "application/json"
