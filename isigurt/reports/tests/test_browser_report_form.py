"""The report form in Chromium at 360x740: the danger question, the character counter, several
things that happened, the county filled in from the municipality; JavaScript on and off."""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from isigurt.lib.testing.site import site_ready
from isigurt.reports.models import Report
from isigurt.reports.validation import MAX_DESCRIPTION_LENGTH

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

CHOOSE = "Choose what happened, so we can ask the right questions."
PIECES = ["👨‍👩‍👧‍👦", "🇦🇱", "👍🏽", "e\u0301", "1\ufe0f\u20e3", "a"]


def text_of(characters: int) -> str:
    return "".join(PIECES[i % len(PIECES)] for i in range(characters))


@pytest.fixture(autouse=True)
def _server(live_server, settings, tmp_path):
    site_ready(settings, tmp_path)
    settings.RATE_LIMIT_ENABLED = False
    return live_server


def danger_choices(page) -> list[tuple[str, bool]]:
    return page.eval_on_selector_all(
        "input[name=child_in_danger]", "inputs => inputs.map(i => [i.value, i.checked])"
    )


@pytest.mark.parametrize("javascript", [True, False])
def test_the_web_danger_question_starts_empty_and_not_sure_shows_the_numbers(
    new_context, live_server, javascript
):
    page = new_context(java_script_enabled=javascript).new_page()
    page.goto(f"{live_server.url}/en/report/?audience=teen")
    assert danger_choices(page) == [["yes", False], ["no", False], ["not_sure", False]]
    assert page.locator("#danger-now").is_hidden()
    page.check("input[name=child_in_danger][value=not_sure]")
    if javascript:  # at once
        assert page.locator("#danger-now").is_visible()
        assert page.locator('#danger-now a[href="tel:116111"]').is_visible()
    page.check("input[name=category][value=bullying]")
    page.click("#start-form button[type=submit]")
    page.wait_for_url("**/en/report/details/")
    assert page.locator('#danger-now a[href="tel:112"]').is_visible()
    page.click("#report-form button[type=submit]")
    page.wait_for_url("**/en/report/sent/")
    assert page.locator('#danger-now a[href="tel:112"]').is_visible()
    assert "Then you can finish this report" not in page.locator("#danger-now").inner_text()
    assert Report.objects.get().child_in_danger is False


def test_the_web_danger_question_can_be_left_unanswered(page, live_server):
    page.goto(f"{live_server.url}/en/report/?audience=child")
    page.check("input[name=category][value=bullying]")
    page.click("#start-form button[type=submit]")
    page.wait_for_url("**/en/report/details/")
    assert page.locator("#danger-now").count() == 0


def test_the_app_danger_question_starts_empty_and_not_sure_shows_the_numbers(page, live_server):
    page.goto(f"{live_server.url}/app/en/")
    page.check("input[name=audience][value=teen]")
    page.check("input[name=category][value=bullying]")
    assert danger_choices(page) == [["yes", False], ["no", False], ["not_sure", False]]
    assert page.locator("#danger-now").is_hidden()
    page.check("input[name=child_in_danger][value=not_sure]")
    assert page.locator("#danger-now").is_visible()
    page.check("input[name=child_in_danger][value=no]")
    assert page.locator("#danger-now").is_hidden()


def test_the_counter_counts_emoji_as_one_and_never_cuts(page, live_server):
    page.goto(f"{live_server.url}/en/report/?audience=teen")
    page.check("input[name=category][value=bullying]")
    page.click("#start-form button[type=submit]")
    page.wait_for_url("**/en/report/details/")
    counter = page.locator("#id_description_counter")
    assert counter.is_hidden()  # far from the limit: nothing to say
    assert page.get_attribute("#id_description", "maxlength") is None
    assert page.get_attribute("#id_description_counter_live", "aria-live") == "polite"

    page.fill("#id_description", text_of(MAX_DESCRIPTION_LENGTH))
    assert counter.is_visible()
    assert (
        counter.inner_text() == f"{MAX_DESCRIPTION_LENGTH} of {MAX_DESCRIPTION_LENGTH} characters"
    )
    # The screen reader hears it once the writer pauses.
    page.wait_for_function(
        "() => document.getElementById('id_description_counter_live').textContent !== ''"
    )

    over = text_of(MAX_DESCRIPTION_LENGTH + 1)
    page.fill("#id_description", over)
    assert counter.inner_text().startswith(f"{MAX_DESCRIPTION_LENGTH + 1} characters: 1 more")
    page.click("#report-form button[type=submit]")
    assert page.locator("#id_description_error").is_visible()
    assert page.url.endswith("/en/report/details/")
    assert page.input_value("#id_description") == over  # nothing cut
    assert Report.objects.count() == 0

    at_limit = text_of(MAX_DESCRIPTION_LENGTH)
    page.fill("#id_description", at_limit)
    page.click("#report-form button[type=submit]")
    page.wait_for_url("**/en/report/sent/")
    assert Report.objects.get().description == at_limit


def test_without_intl_segmenter_the_counter_still_counts_as_a_person_does(new_context, live_server):
    context = new_context()
    context.add_init_script("delete Intl.Segmenter;")
    page = context.new_page()
    page.goto(f"{live_server.url}/en/report/?audience=teen")
    page.check("input[name=category][value=bullying]")
    page.click("#start-form button[type=submit]")
    page.wait_for_url("**/en/report/details/")
    assert page.evaluate("typeof Intl.Segmenter") == "undefined"
    page.fill("#id_description", text_of(MAX_DESCRIPTION_LENGTH))
    counter = page.locator("#id_description_counter")
    assert (
        counter.inner_text() == f"{MAX_DESCRIPTION_LENGTH} of {MAX_DESCRIPTION_LENGTH} characters"
    )


def test_without_javascript_a_text_over_the_limit_comes_back_whole(new_context, live_server):
    page = new_context(java_script_enabled=False).new_page()
    page.goto(f"{live_server.url}/en/report/?audience=teen")
    page.check("input[name=category][value=bullying]")
    page.click("#start-form button[type=submit]")
    page.wait_for_url("**/en/report/details/")
    over = text_of(MAX_DESCRIPTION_LENGTH + 1)
    page.fill("#id_description", over)
    page.click("#report-form button[type=submit]")
    assert page.locator("#id_description_error").is_visible()
    assert "Please keep this to" in page.locator("#error-summary").inner_text()
    assert page.input_value("#id_description") == over
    assert Report.objects.count() == 0


@pytest.mark.parametrize("javascript", [True, False])
def test_a_reporter_names_several_things_that_happened(new_context, live_server, javascript):
    page = new_context(java_script_enabled=javascript).new_page()
    page.goto(f"{live_server.url}/en/report/?audience=teen")
    page.check("input[name=category][value=sextortion]")
    page.check("input[name=category][value=grooming]")
    page.click("#start-form button[type=submit]")
    page.wait_for_url("**/en/report/details/")
    chosen = page.locator("#chosen-categories").inner_text()
    assert chosen.index("Someone asks me for sexual pictures") < chosen.index(
        "Someone threatens to share intimate images"
    )
    page.fill("#id_description", "Placeholder.")
    page.click("#report-form button[type=submit]")
    page.wait_for_url("**/en/report/sent/")
    report = Report.objects.get()
    assert (report.category, report.other_categories) == ("grooming", ["sextortion"])


def test_several_things_chosen_survive_a_reload(page, live_server):
    page.goto(f"{live_server.url}/en/report/?audience=teen")
    page.check("input[name=category][value=grooming]")
    page.check("input[name=category][value=sextortion]")
    page.reload()
    checked = page.eval_on_selector_all(
        "input[name=category]:checked", "boxes => boxes.map(b => b.value)"
    )
    assert checked == ["grooming", "sextortion"]


def test_with_javascript_step_one_asks_for_something_before_sending(page, live_server):
    page.goto(f"{live_server.url}/en/report/?audience=teen")
    page.click("#start-form button[type=submit]")
    assert page.locator("#error-summary").is_visible()
    assert "Choose what happened" in page.locator("#error-summary").inner_text()
    assert page.url.endswith("/en/report/?audience=teen")


def test_the_app_sends_several_things_that_happened(page, live_server):
    page.goto(f"{live_server.url}/app/en/")
    page.check("input[name=audience][value=teen]")
    page.check("input[name=category][value=harmful_content]")
    assert page.locator("#id_county_code").is_hidden()  # harmful content does not ask where
    page.check("input[name=category][value=bullying]")
    assert page.locator("#id_county_code").is_visible()  # bullying does
    page.fill("#id_description", "Placeholder from the app.")
    page.click("#app-form button[type=submit]")
    page.wait_for_selector(".receipt .tracking-code", timeout=15_000)
    report = Report.objects.get()
    assert (report.category, report.other_categories) == ("bullying", ["harmful_content"])


def test_choosing_a_municipality_fills_in_its_county(page, live_server):
    page.goto(f"{live_server.url}/en/report/?audience=adult")
    page.check("input[name=category][value=bullying]")
    page.click("#start-form button[type=submit]")
    page.wait_for_url("**/en/report/details/")
    assert page.input_value("#id_county_code") == ""
    page.select_option("#id_municipality_slug", "tirane")
    assert page.input_value("#id_county_code") == "AL-11"
    assert page.input_value("#id_municipality_slug") == "tirane"


def test_the_error_summary_in_the_page_has_no_double_colons(page, live_server):
    page.goto(f"{live_server.url}/en/report/?audience=adult")
    page.check("input[name=category][value=bullying]")
    page.click("#start-form button[type=submit]")
    page.wait_for_url("**/en/report/details/")
    page.fill("#id_phone_numbers", "")
    page.check("input[name=contact_method][value=email]")
    page.fill("#id_contact_value", "not-an-address")
    page.click("#report-form button[type=submit]")
    lines = page.locator("#error-summary li").all_inner_texts()
    assert lines
    assert not [line for line in lines if "::" in line or "?:" in line]
    assert any(line.startswith("Your phone number or e-mail address: ") for line in lines)


@pytest.mark.parametrize("language", ["sq", "en"])
def test_with_javascript_the_choose_message_belongs_to_the_question_not_a_card(
    page, live_server, language
):
    with translation.override(language):
        start = reverse("reports:start")
    page.goto(f"{live_server.url}{start}?audience=child")
    card = page.locator(".choice-card").first
    height = card.bounding_box()["height"]
    page.click("#start-form button[type=submit]")
    error = page.locator("fieldset.categories > ul.errorlist")
    assert error.is_visible()
    assert page.locator(".choice-card .errorlist").count() == 0  # no card carries it
    assert page.locator(".choice-card [aria-invalid]").count() == 0
    assert card.bounding_box()["height"] == height  # the first card keeps its layout
    described = page.get_attribute("fieldset.categories", "aria-describedby") or ""
    assert error.get_attribute("id") in described.split()
    with translation.override(language):
        expected = f"{gettext('What happened?')} {gettext(CHOOSE)}"
    assert page.locator("#error-summary li").first.inner_text().strip() == expected
    page.check("input[name=category][value=bullying]")  # answered: the message goes
    assert page.locator("fieldset.categories ul.errorlist").count() == 0


@pytest.mark.parametrize("javascript", [True, False])
def test_a_junk_call_back_number_is_refused_on_the_web_as_by_the_api(
    new_context, live_server, javascript
):
    page = new_context(java_script_enabled=javascript).new_page()
    page.goto(f"{live_server.url}/en/report/?audience=teen")
    page.check("input[name=category][value=bullying]")
    page.click("#start-form button[type=submit]")
    page.wait_for_url("**/en/report/details/")
    page.check("input[name=contact_method][value=phone]")
    page.fill("#id_contact_value", "12345")
    page.check("#id_contact_consent")
    page.click("#report-form button[type=submit]")
    error = page.locator("#id_contact_value_error")
    error.wait_for()
    assert "8 to 15 digits" in error.inner_text()
    assert Report.objects.count() == 0
    page.fill("#id_contact_value", "+355 69 123 4567")
    page.click("#report-form button[type=submit]")
    page.wait_for_url("**/en/report/sent/")
    assert Report.objects.get().contact_value == "+355 69 123 4567"
