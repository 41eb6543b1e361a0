"""The report's shape as a reporter meets it: the danger question, characters counted as a
person counts them, several things that happened, the county, the error summary's words."""

import json
import re
import time
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from isigurt.geography.services import geography_load
from isigurt.reports.categories import advice_for, advice_for_all
from isigurt.reports.models import Category, Report
from isigurt.reports.tests.factories import (
    clear_cache,  # noqa: F401 — fixture
    new_key,
    report_payload,
    submitted,
)
from isigurt.reports.validation import (
    MAX_DESCRIPTION_CODE_POINTS,
    MAX_DESCRIPTION_LENGTH,
    ReportDraft,
    grapheme_count,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]

REPORTS = "/api/v1/reports"
# One character each as a person sees it, many code points behind most of them: a family
# joined by ZWJs, a flag, a thumb with its skin tone, a letter with a combining accent, a
# keycap, a plain letter.
PIECES = ["👨‍👩‍👧‍👦", "🇦🇱", "👍🏽", "e\u0301", "1\ufe0f\u20e3", "a"]


def text_of(characters: int) -> str:
    return "".join(PIECES[i % len(PIECES)] for i in range(characters))


def url(name: str, language: str = "en") -> str:
    with translation.override(language):
        return reverse(name)


def start(client: Client, *, categories=("bullying",), audience="teen", danger=None):
    data: dict = {"audience": audience, "category": list(categories)}
    if danger is not None:
        data["child_in_danger"] = danger
    return client.post(url("reports:start"), data)


def form_key(html: str) -> str:
    match = re.search(r'name="form_key" value="([0-9a-f]+)"', html)
    assert match
    return match.group(1)


def send(client: Client, **values: str):
    html = client.get(url("reports:form")).content.decode()
    data = {"form_key": form_key(html), "contact_method": "anonymous", **values}
    return client.post(url("reports:form"), data)


def post_report(client: Client, body: dict):
    return client.post(
        REPORTS,
        data=json.dumps(body, ensure_ascii=False).encode(),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=new_key(),
        HTTP_ACCEPT_LANGUAGE="en",
    )


# --- "Is a child in danger right now?" ------------------------------------------------------


def test_the_danger_question_starts_with_nothing_chosen(client):
    html = client.get(url("reports:start"), {"audience": "teen"}).content.decode()
    radios = re.findall(r'<input[^>]*name="child_in_danger"[^>]*>', html)
    assert [re.search(r'value="([^"]+)"', r).group(1) for r in radios] == [
        "yes",
        "no",
        "not_sure",
    ]
    assert not [r for r in radios if "checked" in r]
    assert not [r for r in radios if "required" in r]


def test_a_reporter_who_does_not_answer_the_danger_question_goes_on(client):
    response = start(client)
    assert response.status_code == 302
    assert response["Location"] == url("reports:form")
    assert send(client, description="Placeholder.").status_code == 302
    assert Report.objects.get().child_in_danger is False


def test_not_sure_shows_the_numbers_on_step_two_without_marking_the_report(client):
    assert start(client, danger="not_sure").status_code == 302
    html = client.get(url("reports:form")).content.decode()
    box = re.search(r'<section class="danger-box" id="danger-now"[^>]*>', html)
    assert box and "hidden" not in box.group(0)
    assert 'href="tel:112"' in html
    assert send(client, description="Placeholder.").status_code == 302
    assert Report.objects.get().child_in_danger is False


def test_the_confirmation_does_not_ask_to_finish_a_report_already_sent(client):
    start(client, danger="yes")
    send(client, description="Placeholder.")
    html = client.get(url("reports:done")).content.decode()
    assert 'href="tel:112"' in html
    assert "Then you can finish this report" not in html
    assert "Your report was sent" in html
    # Before sending, the same box still says so.
    start(client, danger="yes")
    assert "Then you can finish this report" in client.get(url("reports:form")).content.decode()


# --- characters as a person counts them -----------------------------------------------------


def test_emoji_flags_and_accents_count_as_one_character_each():
    assert grapheme_count("👨‍👩‍👧‍👦🇦🇱👍🏽e\u0301a") == 5
    at_limit = text_of(MAX_DESCRIPTION_LENGTH)
    assert grapheme_count(at_limit) == MAX_DESCRIPTION_LENGTH
    assert len(at_limit) > 2 * MAX_DESCRIPTION_LENGTH  # code points: far more


def test_the_web_form_takes_exactly_the_limit_and_refuses_one_more_keeping_the_text(client):
    start(client)
    over = text_of(MAX_DESCRIPTION_LENGTH + 1)
    response = send(client, description=over)
    assert response.status_code == 200
    html = response.content.decode()
    assert Report.objects.count() == 0
    assert f"Please keep this to {MAX_DESCRIPTION_LENGTH} characters" in html
    assert f"it has {MAX_DESCRIPTION_LENGTH + 1} now" in html
    textarea = re.search(r'<textarea name="description"[^>]*>\n?(.*?)</textarea>', html, re.S)
    assert textarea and unescape(textarea.group(1)) == over  # nothing cut, nothing lost
    assert "maxlength" not in textarea.group(0)

    at_limit = text_of(MAX_DESCRIPTION_LENGTH)
    assert send(client, description=at_limit).status_code == 302
    assert Report.objects.get().description == at_limit


def test_the_api_takes_exactly_the_limit_and_refuses_one_more(client):
    at_limit = text_of(MAX_DESCRIPTION_LENGTH)
    response = post_report(client, report_payload(description=at_limit))
    assert response.status_code == 201, response.content
    assert Report.objects.get().description == at_limit

    response = post_report(client, report_payload(description=text_of(MAX_DESCRIPTION_LENGTH + 1)))
    assert response.status_code == 422
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert f"{MAX_DESCRIPTION_LENGTH} characters" in errors["description"]
    assert Report.objects.count() == 1


@pytest.mark.parametrize(
    "flags", [10_002, MAX_DESCRIPTION_CODE_POINTS, 4 * MAX_DESCRIPTION_CODE_POINTS]
)
def test_a_long_run_of_flag_letters_is_counted_at_once_through_the_web_form(client, flags):
    # The regex engine's grapheme rule is quadratic on regional indicators: 40,000 took
    # half a minute before pairs were folded, with no rate limit spent on a refused report.
    start(client)
    began = time.monotonic()
    response = send(client, description="\U0001f1e6" * flags)
    assert time.monotonic() - began < 5
    assert response.status_code == 200 and Report.objects.count() == 0
    assert grapheme_count("\U0001f1e6" * flags) == flags // 2
    assert f"Please keep this to {MAX_DESCRIPTION_LENGTH} characters" in response.content.decode()


def test_text_far_over_the_ceiling_is_refused_without_counting_it(client):
    response = post_report(
        client, report_payload(description="a" * (MAX_DESCRIPTION_CODE_POINTS + 1))
    )
    assert response.status_code == 422
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert "it is much longer now" in errors["description"]


def test_the_schema_states_the_limit_in_characters(client):
    spec = client.get("/api/v1/openapi.json").json()
    description = spec["components"]["schemas"]["ReportDraft"]["properties"]["description"]
    assert description["x-max-characters"] == MAX_DESCRIPTION_LENGTH


# --- several things that happened -----------------------------------------------------------


def test_step_one_takes_several_things_and_step_two_asks_for_all_of_them(client):
    assert start(client, categories=("harmful_content", "bullying")).status_code == 302
    html = client.get(url("reports:form")).content.decode()
    chosen = re.search(r'<p class="chosen" id="chosen-categories">(.*?)</p>', html, re.S)
    assert chosen
    # The main one is the first in the list's order (bullying comes before harmful content).
    assert chosen.group(1).index("Bullying") < chosen.group(1).index("Harmful content")
    assert 'name="county_code"' in html  # asked for bullying, not for harmful content
    assert 'name="evidence"' not in html  # pictures only when every category takes them
    assert send(client, description="Placeholder.").status_code == 302
    report = Report.objects.get()
    assert (report.category, report.other_categories) == ("bullying", ["harmful_content"])


def test_the_confirmation_gives_the_advice_for_everything_named(client):
    start(client, categories=("grooming", "sextortion"))
    send(client, description="Placeholder.")
    html = unescape(client.get(url("reports:done")).content.decode())
    assert "Do not agree to meet." in html  # grooming
    assert "Do not send more images." in html  # sextortion
    # Both lists say to save the messages before blocking, and to stop replying: said once.
    assert html.count("First save the messages and the name of the profile") == 1
    assert html.count("Stop replying") == 1


@pytest.mark.parametrize("language", ["sq", "en"])
def test_a_teenager_blackmailed_reads_do_not_pay_first_and_stop_replying_once(language):
    with translation.override(language):
        do_not_pay = gettext("Do not pay: paying does not make it stop, they usually ask for more.")
        alone = advice_for(Category.SEXTORTION, "teen")
        combined = advice_for_all([Category.GROOMING, Category.SEXTORTION], "teen")
        stop = gettext("Stop replying.")
    for lines in (alone, combined):
        assert lines.index(do_not_pay) == 1  # right after "it is not your fault"
        assert sum(stop.rstrip(".").lower() in line.lower() for line in lines) == 1
    if language == "sq":
        assert not any("mos iu përgjigj" in line for line in combined)


def test_step_one_still_needs_something_chosen(client):
    response = client.post(url("reports:start"), {"audience": "teen"})
    assert response.status_code == 200
    assert "Choose what happened" in response.content.decode()


def test_step_one_refuses_a_category_that_is_not_in_the_list(client):
    response = start(client, categories=("bullying", "nonsense"))
    assert response.status_code == 200
    assert Report.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "main", "others"),
    [
        ({"category": "bullying"}, "bullying", []),
        ({"categories": ["grooming", "sextortion"]}, "grooming", ["sextortion"]),
        ({"category": "sextortion", "categories": ["grooming"]}, "sextortion", ["grooming"]),
        ({"category": "grooming", "categories": ["grooming", "grooming"]}, "grooming", []),
        # A report that names abuse material is handled as one (pictures never kept).
        ({"categories": ["grooming", "abuse_material"]}, "abuse_material", ["grooming"]),
    ],
)
def test_the_api_takes_one_category_or_a_list(client, body, main, others):
    payload = {k: v for k, v in report_payload().items() if k != "category"}
    response = post_report(client, {**payload, **body})
    assert response.status_code == 201, response.content
    report = Report.objects.get()
    assert (report.category, report.other_categories) == (main, others)


@pytest.mark.parametrize(
    "body",
    [{}, {"categories": []}, {"categories": ["nonsense"]}, {"category": None}],
)
def test_the_api_refuses_a_report_that_names_nothing_that_happened(client, body):
    payload = {k: v for k, v in report_payload().items() if k != "category"}
    response = post_report(client, {**payload, **body})
    assert response.status_code == 422
    assert Report.objects.count() == 0


def test_every_example_in_the_openapi_spec_files_a_report(client):
    spec = client.get("/api/v1/openapi.json").json()
    operation = spec["paths"]["/api/v1/reports"]["post"]
    content = operation["requestBody"]["content"]["application/json"]
    schema = spec["components"]["schemas"]["ReportDraft"]
    examples = [content["example"], *schema["examples"]]
    assert any("categories" in example for example in examples)
    for example in examples:
        response = post_report(client, example)
        assert response.status_code == 201, (example, response.content)
    assert Report.objects.count() == len(examples)


def test_a_single_category_keeps_the_fingerprint_it_had_before():
    one = ReportDraft.model_validate({**report_payload(), "category": "bullying"})
    listed = ReportDraft.model_validate({**report_payload(), "categories": ["bullying"]})
    assert "categories" not in one.canonical()
    assert one.canonical() == listed.canonical()


@pytest.mark.parametrize(("language", "prefix"), [("en", "/en"), ("sq", "")])
def test_staff_see_every_category_beside_the_words_the_reporter_chose(
    staff_client, operator, language, prefix
):
    report = submitted(audience="teen", category="grooming", categories=["sextortion"]).report
    with translation.override(language):
        path = reverse("reports:staff_detail", kwargs={"report_id": report.pk})
        expected = [
            (
                str(Category.GROOMING.label),
                gettext("Someone asks me for sexual pictures or to meet in secret"),
            ),
            (
                str(Category.SEXTORTION.label),
                gettext("Someone threatens to share intimate images of me"),
            ),
        ]
    html = staff_client(operator).get(path).content.decode()
    listed = re.search(r'<ul class="categories" id="report-categories">(.*?)</ul>', html, re.S)
    assert listed
    items = re.findall(r"<li>(.*?)</li>", listed.group(1), re.S)
    assert len(items) == 2
    for item, (label, words) in zip(items, expected, strict=True):
        text = unescape(item)
        assert label in text
        assert words in text


# --- where, and the error summary -----------------------------------------------------------


def test_without_javascript_the_county_follows_from_the_municipality(client):
    geography_load()
    start(client)
    assert send(client, municipality_slug="tirane").status_code == 302
    report = Report.objects.get()
    assert (report.municipality.slug, report.county.code) == ("tirane", "AL-11")


def test_the_error_summary_never_doubles_a_colon_or_follows_a_question_with_one(client):
    start(client)
    response = send(client, occurred_on="2999-01-01", phone_numbers="call me maybe")
    html = unescape(response.content.decode())
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert summary
    lines = [
        re.sub(r"<[^>]+>", "", li).strip()
        for li in re.findall(r"<li>(.*?)</li>", summary.group(0), re.S)
    ]
    assert "When did it happen? This date is in the future." in lines
    assert any(line.startswith("Phone numbers (one per line): ") for line in lines)
    assert not [line for line in lines if "?:" in line or "::" in line]


def test_step_two_says_which_answers_are_needed_and_needs_no_others(client):
    start(client)
    html = client.get(url("reports:form")).content.decode()
    note = re.search(r'<p id="optional-note">(.*?)</p>', html, re.S)
    assert note
    assert "Every question is optional" in note.group(1)
    assert "phone number or e-mail and your agreement" in note.group(1)
    # Nothing at all: a report.
    assert send(client).status_code == 302
    # Asking to be contacted: exactly those two, as the page says.
    start(client)
    response = send(client, contact_method="phone")
    errors = set(re.findall(r'id="id_(\w+)_error"', response.content.decode()))
    assert errors == {"contact_value", "contact_consent"}
