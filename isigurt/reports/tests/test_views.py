"""The public report pages without JavaScript: step 1, step 2, the one-time confirmation."""

import json
import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import translation

from isigurt.reports.models import Evidence, Report
from isigurt.reports.services import report_open
from isigurt.reports.tests.factories import png_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits_and_evidence(tmp_path, settings):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    cache.clear()


def url(name: str, language: str = "en") -> str:
    with translation.override(language):
        return reverse(name)


def start(
    client: Client, *, category: str = "bullying", audience: str = "child", danger: str = "no"
):
    return client.post(
        url("reports:start"),
        {"audience": audience, "category": category, "child_in_danger": danger},
    )


def form_page(client: Client) -> str:
    return client.get(url("reports:form")).content.decode()


def form_key(html: str) -> str:
    match = re.search(r'name="form_key" value="([0-9a-f]+)"', html)
    assert match, "the form carries its idempotency key"
    return match.group(1)


def details(html: str, **values: str) -> dict[str, str]:
    data = {
        "form_key": form_key(html),
        "platform": "ExampleChat",
        "urls": "https://example.com/post/1",
        "description": "Placeholder description.",
        "contact_method": "anonymous",
    }
    data.update(values)
    return data


# --- step 1 --------------------------------------------------------------------------------


def test_the_start_page_first_asks_who_is_telling_us(client):
    html = client.get(url("reports:start")).content.decode()
    assert "I am a child (8 to 12 years old)" in html
    assert "I am a teenager (13 to 17 years old)" in html
    assert 'name="category"' not in html


def test_step_one_speaks_to_a_child_in_a_childs_words(client):
    html = client.get(url("reports:start"), {"audience": "child"}).content.decode()
    assert "Someone is being mean to me or to a friend online" in html
    assert "Is a child in danger right now?" in html
    adult = client.get(url("reports:start"), {"audience": "adult"}).content.decode()
    assert "Bullying, harassment or humiliation of a child online" in adult
    assert "Someone is being mean to me" not in adult


def test_step_one_without_a_category_explains_what_is_missing(client):
    response = client.post(url("reports:start"), {"audience": "child", "child_in_danger": "no"})
    assert response.status_code == 200
    assert "Choose what happened, so we can ask the right questions." in response.content.decode()
    assert "report_step1" not in client.session


def test_step_one_leads_to_step_two(client):
    response = start(client)
    assert response.status_code == 302
    assert response["Location"] == url("reports:form")


def test_a_child_in_danger_sees_the_call_buttons_before_anything_else(client):
    start(client, danger="yes")
    html = form_page(client)
    danger = html.index('id="danger-now"')
    assert html.index('href="tel:112"', danger) < html.index("<form", danger)
    assert html.index('href="tel:116111"', danger) < html.index("<form", danger)
    assert danger < html.index("<h1>Tell us more</h1>")


def test_without_danger_the_call_box_is_not_shown_on_step_two(client):
    start(client, danger="no")
    assert 'id="danger-now"' not in form_page(client)


def test_step_two_without_step_one_goes_back_to_the_start(client):
    response = client.get(url("reports:form"))
    assert response.status_code == 302
    assert response["Location"] == url("reports:start")


# --- step 2: only the questions that fit ---------------------------------------------------


def test_harmful_content_does_not_ask_who_it_happened_to(client):
    start(client, category="harmful_content", audience="teen")
    html = form_page(client)
    assert 'name="description"' in html
    assert 'name="municipality_slug"' not in html
    assert 'name="evidence"' not in html


def test_bullying_asks_everything_and_takes_screenshots(client):
    start(client, category="bullying")
    html = form_page(client)
    for name in ("platform", "urls", "occurred_on", "affected", "county_code", "description"):
        assert f'name="{name}"' in html, name
    assert 'type="file" name="evidence"' in html
    assert "multiple" in html


def test_abuse_material_asks_for_the_link_and_explains_why_no_picture(client):
    start(client, category="abuse_material", audience="adult")
    html = form_page(client)
    assert 'name="evidence"' not in html
    assert 'name="urls"' in html
    assert "Please do not send a picture or a screenshot." in html
    assert "is itself a crime" in html


def test_a_child_reporting_abuse_material_is_told_kindly_not_frightened(client):
    start(client, category="abuse_material", audience="child")
    html = form_page(client)
    assert "Please do not send the picture." in html
    assert "the link is enough" in html
    assert "You did the right thing by telling us." in html
    assert "crime" not in html


def test_a_child_gets_plain_words_for_hate_and_harmful_content(client):
    html = client.get(url("reports:start"), {"audience": "child"}).content.decode()
    assert "Someone is unkind to people because of where they come from" in html
    assert "made you feel scared or sad" in html
    assert "origin, religion, disability" not in html
    assert "Content that could hurt children" not in html


def test_municipalities_are_grouped_by_county_and_outside_albania_is_offered(client):
    start(client)
    html = form_page(client)
    assert '<optgroup label="Tiranë">' in html
    assert re.search(r'<option value="tirane" data-county="AL-11"', html)
    assert '<option value="outside">Outside Albania</option>' in html


# --- submitting ----------------------------------------------------------------------------


def test_a_valid_report_is_stored_and_the_code_is_shown_once(client):
    start(client, category="bullying", audience="child")
    response = client.post(url("reports:form"), details(form_page(client), county_code="AL-11"))
    assert response.status_code == 302
    assert response["Location"] == url("reports:done")
    report = Report.objects.get()
    assert (report.channel, report.category, report.audience) == ("web", "bullying", "child")
    assert report.county.code == "AL-11"
    assert report.language == "en"

    done = client.get(url("reports:done"))
    assert done["Cache-Control"] == "no-store"
    html = done.content.decode()
    code = re.search(r'id="tracking-code">([^<]+)<', html).group(1)
    secret = re.search(r'id="tracking-secret">([^<]+)<', html).group(1)
    assert code == report.display_code
    assert report_open(tracking_code=code, secret=secret) == report
    assert "Do not answer back." in html  # the child's advice for bullying

    again = client.get(url("reports:done")).content.decode()
    assert secret not in again
    assert code not in again


def test_outside_albania_is_stored_without_a_county(client):
    start(client)
    client.post(url("reports:form"), details(form_page(client), county_code="outside"))
    report = Report.objects.get()
    assert report.outside_albania is True
    assert report.county is None


def test_a_validation_error_keeps_every_value_and_says_what_to_fix(client):
    start(client, category="grooming", audience="teen")
    data = details(
        form_page(client),
        platform="ExampleGame",
        usernames="@placeholder_one",
        description="Placeholder words that must survive.",
        contact_method="phone",
        contact_value="",
        county_code="AL-11",
        municipality_slug="tirane",
    )
    response = client.post(url("reports:form"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert Report.objects.count() == 0
    assert 'id="error-summary"' in html
    assert 'href="#id_contact_value"' in html
    assert 'id="id_contact_value_error"' in html
    assert 'aria-invalid="true"' in html
    assert 'value="ExampleGame"' in html
    assert "@placeholder_one" in html
    assert "Placeholder words that must survive." in html
    assert re.search(r'value="phone"[^>]*checked', html)
    assert re.search(r'<option value="tirane"[^>]*selected', html)
    assert f'value="{data["form_key"]}"' in html


def test_a_server_side_url_error_is_shown_next_to_the_links(client):
    start(client)
    response = client.post(url("reports:form"), details(form_page(client), urls="javascript:x"))
    html = response.content.decode()
    assert 'id="id_urls_error"' in html
    assert "javascript:x" in html  # the value is kept, escaped, to be corrected
    assert Report.objects.count() == 0


def test_pressing_send_twice_files_one_report(client):
    start(client)
    data = details(form_page(client))
    first = client.post(url("reports:form"), data)
    start(client)
    second = client.post(url("reports:form"), data)
    assert first.status_code == second.status_code == 302
    assert Report.objects.count() == 1


def test_screenshots_are_attached_to_a_bullying_report(client):
    start(client)
    data = details(form_page(client))
    data["evidence"] = [_upload("one.png", png_bytes()), _upload("two.png", png_bytes(32, 32))]
    response = client.post(url("reports:form"), data)
    assert response.status_code == 302
    report = Report.objects.get()
    assert Evidence.objects.filter(report=report, stored=True).count() == 2


def test_a_picture_sent_anyway_with_abuse_material_is_hashed_and_discarded(client, tmp_path):
    start(client, category="abuse_material", audience="adult")
    data = details(form_page(client))
    data["evidence"] = [_upload("sent-anyway.png", png_bytes())]
    response = client.post(url("reports:form"), data)
    assert response.status_code == 302
    evidence = Evidence.objects.get(report=Report.objects.get())
    assert evidence.stored is False
    assert len(evidence.sha256) == 64 and evidence.pdq_hash
    evidence_root = tmp_path / "evidence"
    assert not evidence_root.exists() or not any(p.is_file() for p in evidence_root.rglob("*"))


def test_a_file_that_is_not_a_picture_keeps_the_answers_and_stores_nothing(client):
    start(client)
    data = details(form_page(client), description="Keep this text.")
    data["evidence"] = [_upload("note.png", b"this is not a picture at all")]
    response = client.post(url("reports:form"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_evidence_error"' in html
    assert "Keep this text." in html
    assert Report.objects.count() == 0
    assert Evidence.objects.count() == 0


def test_more_than_five_pictures_are_refused(client):
    start(client)
    data = details(form_page(client))
    data["evidence"] = [_upload(f"p{i}.png", png_bytes(8, 8)) for i in range(6)]
    response = client.post(url("reports:form"), data)
    assert "at most 5 pictures" in response.content.decode()
    assert Report.objects.count() == 0


def test_too_many_reports_from_one_connection_get_429_and_keep_the_answers(client):
    refused = None
    for _ in range(21):  # two windows at most: at least one refusal whatever the clock does
        start(client)
        response = client.post(
            url("reports:form"), details(form_page(client), description="Still here.")
        )
        if response.status_code == 429:
            refused = response
            break
    assert refused is not None
    assert int(refused["Retry-After"]) > 0
    assert "Still here." in refused.content.decode()
    assert "call ALO 116 111" in refused.content.decode()


def test_with_the_limiter_store_down_a_report_is_accepted_and_flagged(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    start(client)
    response = client.post(url("reports:form"), details(form_page(client)))
    assert response.status_code == 302
    assert Report.objects.get().flagged is True


def test_the_done_page_without_a_report_does_not_fail(client):
    response = client.get(url("reports:done"))
    assert response.status_code == 200
    assert "shown only once" in response.content.decode()


def test_the_report_pages_answer_405_to_other_methods(client):
    assert client.put(url("reports:start")).status_code == 405
    assert client.delete(url("reports:form")).status_code == 405
    assert client.post(url("reports:done")).status_code == 405


def test_public_pages_carry_no_inline_script_or_style(client):
    start(client, danger="yes")
    for html in (
        client.get(url("reports:start"), {"audience": "teen"}).content.decode(),
        form_page(client),
        client.get(url("reports:track")).content.decode(),
    ):
        assert " style=" not in html
        for chunk in html.split("<script")[1:]:
            tag = chunk.split(">", 1)[0]
            assert "src=" in tag
            assert "nonce=" in tag


def _upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="image/png")


def _csrf_post(headers: dict[str, str]) -> int:
    client = Client(enforce_csrf_checks=True)
    page = client.get(url("reports:start"), {"audience": "child"}).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(
        url("reports:start"),
        {
            "csrfmiddlewaretoken": token,
            "audience": "child",
            "category": "other",
            "child_in_danger": "no",
        },
        headers=headers,
    )
    return response.status_code


def test_a_same_origin_form_post_works_although_no_referrer_makes_the_origin_null():
    # Browsers send "Origin: null" under Referrer-Policy: no-referrer (S8).
    assert _csrf_post({"Origin": "null", "Sec-Fetch-Site": "same-origin"}) == 302


def test_a_null_origin_from_another_site_is_still_refused():
    assert _csrf_post({"Origin": "null", "Sec-Fetch-Site": "cross-site"}) == 403
    assert _csrf_post({"Origin": "null"}) == 403


# --- step 2 stands on its own; the secret never sits in the session -------------------------


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', html)
    assert match, f"step 2 carries {name} in a hidden field"
    return match.group(1)


def test_step_two_still_files_the_report_after_the_session_expired(client):
    start(client, category="grooming", audience="teen", danger="yes")
    html = form_page(client)
    data = details(html, description="Typed slowly, over twenty minutes.")
    data.update({name: _hidden(html, name) for name in ("audience", "category", "child_in_danger")})
    client.session.flush()  # the session expired while the reporter was typing
    client.cookies.clear()

    response = client.post(url("reports:form"), data)

    assert response.status_code == 302
    assert response["Location"] == url("reports:done")
    report = Report.objects.get()
    assert (report.audience, report.category, report.child_in_danger) == ("teen", "grooming", True)
    assert report.description == "Typed slowly, over twenty minutes."


def test_step_two_refuses_a_category_that_does_not_fit_the_audience(client):
    data = {
        "audience": "child",
        "category": "no-such-category",
        "child_in_danger": "no",
        "description": "Placeholder.",
    }
    response = client.post(url("reports:form"), data)
    assert response.status_code == 302
    assert response["Location"] == url("reports:start")
    assert Report.objects.count() == 0


def test_the_secret_is_never_stored_in_the_session_table(client):
    from django.contrib.sessions.models import Session

    start(client)
    client.post(url("reports:form"), details(form_page(client)))
    report = Report.objects.get()
    assert Session.objects.exists()

    html = client.get(url("reports:done")).content.decode()
    secret = re.search(r'id="tracking-secret">([^<]+)<', html).group(1)
    assert report_open(tracking_code=report.display_code, secret=secret) == report
    for row in Session.objects.all():
        decoded = json.dumps(row.get_decoded())
        assert secret not in decoded
        assert secret.replace("-", "") not in decoded
    assert "report_done" not in client.session
    assert secret not in client.get(url("reports:done")).content.decode()


def test_the_web_form_and_the_api_share_one_intake_limit(client, monkeypatch):
    from isigurt.lib import ratelimit
    from isigurt.reports.tests.factories import new_key, report_payload

    monkeypatch.setattr(ratelimit, "_clock", lambda: 1_800_000_000.0)  # mid-window, fixed
    for _ in range(10):
        answer = client.post(
            "/api/v1/reports",
            data=json.dumps(report_payload()),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=new_key(),
        )
        assert answer.status_code == 201
    start(client)
    response = client.post(url("reports:form"), details(form_page(client), description="Kept."))
    assert response.status_code == 429
    assert "Kept." in response.content.decode()
    assert Report.objects.count() == 10


def test_each_picture_is_decoded_once_and_stored_with_the_report(client, monkeypatch):
    from isigurt.lib import images

    decoded: list[int] = []
    real = images._load  # the one place pixels are decoded

    def counting(data, header):  # type: ignore[no-untyped-def]
        decoded.append(len(data))
        return real(data, header)

    monkeypatch.setattr(images, "_load", counting)
    start(client)
    data = details(form_page(client))
    data["evidence"] = [_upload("one.png", png_bytes()), _upload("two.png", png_bytes(32, 32))]
    assert client.post(url("reports:form"), data).status_code == 302
    assert len(decoded) == 2
    assert Evidence.objects.filter(report=Report.objects.get()).count() == 2


def test_the_form_takes_its_bounds_from_the_draft(client):
    from isigurt.reports.validation import MAX_DESCRIPTION_LENGTH, MAX_PLATFORM_LENGTH

    start(client)
    html = form_page(client)
    assert f'maxlength="{MAX_PLATFORM_LENGTH}"' in html
    # The description is counted as a person counts characters: a counter, never a maxlength
    # that would cut pasted text.
    assert f'data-max-chars="{MAX_DESCRIPTION_LENGTH}"' in html
    assert f'maxlength="{MAX_DESCRIPTION_LENGTH}"' not in html


def test_the_form_and_the_api_give_the_same_message_for_the_same_answer(client):
    start(client)
    data = details(form_page(client), phone_numbers="call me maybe")
    page = client.post(url("reports:form"), data, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    api = client.post(
        "/api/v1/reports",
        data=json.dumps(
            {"category": "bullying", "audience": "child", "phone_numbers": ["call me maybe"]}
        ),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="same-message",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    message = api.json()["errors"][0]["message"]
    assert "phone number" in message
    assert message.replace("'", "&#x27;") in page
    assert Report.objects.count() == 0
