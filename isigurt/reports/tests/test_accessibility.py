"""WCAG 2.2 AA at a phone's size: axe-core finds no serious or critical violation.

Pages: the report form (who, what happened with the danger box open, step 2 for two
categories, a step 2 with errors), the confirmation with its advice, the tracking page with a
report open, and the app, in Albanian (the default) and in English.
"""

import pytest
from django.urls import reverse
from django.utils import translation

from isigurt.lib.testing.site import assert_accessible, site_ready
from isigurt.reports.services import report_message_post
from isigurt.reports.tests.factories import submitted

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def _server(live_server, settings, tmp_path):
    site_ready(settings, tmp_path)


def path_in(language: str, name: str) -> str:
    with translation.override(language):
        return reverse(name)


def test_axe_finds_a_planted_violation(new_context):
    page = new_context(bypass_csp=True).new_page()
    page.set_content('<html lang="en"><title>x</title><main><input type="text"></main></html>')
    with pytest.raises(AssertionError, match="label"):
        assert_accessible(page, "planted")


@pytest.mark.parametrize("language", ["sq", "en"])
def test_the_report_pages_have_no_serious_violation(new_context, live_server, operator, language):
    # axe is injected as a script: the policy is bypassed for this context only.
    page = new_context(bypass_csp=True).new_page()
    report_path = path_in(language, "reports:start")
    track_path = path_in(language, "reports:track")

    page.goto(live_server.url + report_path)
    assert_accessible(page, "who is telling us")

    page.goto(f"{live_server.url}{report_path}?audience=child")
    page.check("input[name=child_in_danger][value=yes]")
    assert_accessible(page, "what happened, danger box open")
    page.check("input[name=category][value=abuse_material]")
    page.click("#start-form button[type=submit]")
    page.wait_for_selector("#report-form")
    assert_accessible(page, "step 2, abuse material")

    page.goto(f"{live_server.url}{report_path}?audience=teen")
    page.check("input[name=category][value=grooming]")
    page.click("#start-form button[type=submit]")
    page.wait_for_selector("#report-form")
    assert_accessible(page, "step 2, grooming")
    page.check("input[name=contact_method][value=email]")
    page.fill("#id_contact_value", "not-an-address")
    page.click("#report-form button[type=submit]")
    page.wait_for_selector("#error-summary:not([hidden])")
    assert_accessible(page, "step 2 with errors")
    page.fill("#id_contact_value", "someone@example.com")
    page.check("#id_contact_consent")
    page.click("#report-form button[type=submit]")
    page.wait_for_selector("#tracking-code")
    assert_accessible(page, "confirmation and advice")

    result = submitted(category="grooming")
    report_message_post(report=result.report, body="Placeholder answer.", actor=operator)
    page.goto(live_server.url + track_path)
    assert_accessible(page, "tracking form")
    page.fill("#id_tracking_code", result.tracking_code)
    page.fill("#id_secret", result.secret)
    page.click("#track-form button[type=submit]")
    page.wait_for_selector("#report-status")
    assert_accessible(page, "tracking, report open")


@pytest.mark.parametrize("path", ["/app/", "/app/en/"], ids=["sq", "en"])
def test_the_app_has_no_serious_violation(new_context, live_server, path):
    page = new_context(bypass_csp=True, service_workers="block").new_page()
    page.goto(live_server.url + path)
    assert_accessible(page, "app start")
    page.check("input[name=audience][value=child]")
    page.check("input[name=category][value=bullying]")
    page.wait_for_selector("#details:not([hidden])")
    assert_accessible(page, "app form")
    advice = "advice/child/"
    page.goto(live_server.url + path + advice)
    assert_accessible(page, "app advice")
