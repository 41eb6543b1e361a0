"""In Chromium: a report form sent after its cookies expired, and the privacy notice."""

import pytest

from isigurt.lib.testing.site import site_ready
from isigurt.reports.models import Report
from isigurt.reports.services import report_open

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _server(live_server, settings, tmp_path):
    site_ready(settings, tmp_path)
    return live_server


@pytest.mark.parametrize("javascript", [True, False])
def test_a_report_sent_after_the_cookies_expired_is_sent_again_once(
    new_context, live_server, javascript
):
    context = new_context(java_script_enabled=javascript)
    page = context.new_page()
    page.goto(f"{live_server.url}/en/report/?audience=adult")
    page.check("input[name=category][value=bullying]")
    page.check("input[name=child_in_danger][value=no]")
    page.click("#start-form button[type=submit]")
    page.wait_for_url("**/en/report/details/")
    page.fill("#id_description", 'Words typed before a long pause: "<i>kept</i>" & all.')
    page.check("input[name=contact_method][value=anonymous]")

    context.clear_cookies()  # the session and the CSRF cookie expired meanwhile
    page.click("#report-form button[type=submit]")
    assert page.locator("h1").inner_text() == "This page was open for a long time"
    assert page.locator("#quick-exit").is_visible()
    assert page.locator('a[href="tel:116111"]').first.is_visible()
    assert Report.objects.count() == 0

    page.click("#resend-form button[type=submit]")
    page.wait_for_url("**/en/report/sent/")
    code = page.locator("#tracking-code").inner_text().strip()
    secret = page.locator("#tracking-secret").inner_text().strip()
    report = report_open(tracking_code=code, secret=secret)
    assert report is not None and Report.objects.count() == 1
    assert report.description == 'Words typed before a long pause: "<i>kept</i>" & all.'


def test_the_privacy_notice_opens_from_the_form_without_javascript(new_context, live_server):
    page = new_context(java_script_enabled=False).new_page()
    page.goto(f"{live_server.url}/raporto/?audience=child")
    page.click(".privacy-link a")
    page.wait_for_url("**/privatesia/femijet/")
    assert page.locator("h1").inner_text() == "Të dhënat e tua dhe të drejtat e tua"
    assert page.locator("#quick-exit").is_visible()
    page.click("text=Njoftimi i plotë, për të rriturit")
    page.wait_for_url("**/privatesia/")
    assert page.locator("h1").inner_text() == "Njoftimi i privatësisë"
