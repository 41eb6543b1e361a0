"""A counsellor's shift on a phone-sized screen (360 x 740): the danger-now banner comes to the
page without a reload, Esc does not leave a staff page, and the tables and the timer stay
readable."""

import pytest
from django.urls import reverse

from isigurt.geography.models import Municipality
from isigurt.geography.services import geography_load
from isigurt.helpline.tests.test_browser import signed_in
from isigurt.reports.tests.factories import submitted

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _geography(live_server):
    if not Municipality.objects.exists():
        geography_load()


def test_a_new_danger_report_appears_on_an_open_contact_form(context, live_server, operator):
    signed_in(context, live_server, operator)
    page = context.new_page()
    page.clock.install()
    page.goto(live_server.url + reverse("helpline:contact_new"))
    title = page.title()
    assert page.locator("#danger-banner").count() == 0
    submitted(child_in_danger=True)
    submitted(child_in_danger=True)
    with page.expect_response(lambda r: "danger" in r.url):
        page.clock.run_for(26_000)
    page.wait_for_selector("#danger-banner[role=alert]")
    assert "2 reports wait" in page.text_content("#danger-banner")
    assert page.title() == "(2) " + title


def test_esc_in_the_issue_filter_keeps_the_contact_form(context, live_server, operator):
    signed_in(context, live_server, operator)
    page = context.new_page()
    start = live_server.url + reverse("helpline:contact_new")
    page.goto(start)
    page.wait_for_selector("#timer-box:not([hidden])")
    page.fill('textarea[name="summary"]', "Placeholder summary.")
    page.focus("#issue-filter")
    page.keyboard.type("sextor")
    page.keyboard.press("Escape")
    page.wait_for_timeout(500)
    assert page.url == start
    assert page.input_value('textarea[name="summary"]') == "Placeholder summary."
    page.keyboard.press("Escape")  # again, with the focus anywhere
    page.locator("h1").click()
    page.keyboard.press("Escape")
    page.wait_for_timeout(500)
    assert page.url == start
    assert page.locator("#quick-exit").is_visible()  # the button is still there
