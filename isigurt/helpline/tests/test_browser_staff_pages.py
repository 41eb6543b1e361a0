"""A counsellor's shift on a phone-sized screen (360 x 740): the danger-now banner comes to the
page without a reload, Esc does not leave a staff page, and the tables and the timer stay
readable."""

from typing import Any

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


def cells_in_view(page: Any, table: str) -> list[dict[str, Any]]:
    """Each cell of the table's first row: its column name and whether it is on screen."""
    return page.evaluate(
        """t => Array.from(document.querySelectorAll(t + ' tbody tr:first-child td')).map(td => {
            const box = td.getBoundingClientRect();
            return {label: td.dataset.label, left: box.left, right: box.right,
                    width: box.width, before: getComputedStyle(td, '::before').content};
        })""",
        table,
    )


def test_the_staff_tables_are_cards_on_a_phone(context, live_server, operator):
    from isigurt.helpline.tests.factories import logged

    submitted(child_in_danger=True, categories=["grooming", "sextortion"], category=None)
    logged(operator, issues=["online.cyberbullying", "peers.friendship", "online.grooming"])
    signed_in(context, live_server, operator)
    page = context.new_page()
    for url, table, labels in (
        (reverse("reports:staff_list"), "#reports", {"Status", "Channel", "Received"}),
        (reverse("helpline:contact_list"), "#contacts", {"Started", "Channel", "Issues"}),
    ):
        page.goto(live_server.url + url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        wrap = page.locator(".table-wrap")
        assert wrap.evaluate("n => n.scrollWidth <= n.clientWidth"), url
        cells = {cell["label"]: cell for cell in cells_in_view(page, table)}
        assert labels <= set(cells), url
        for label in labels:
            cell = cells[label]
            assert cell["width"] > 0 and cell["left"] >= 0 and cell["right"] <= 360, (url, cell)
            assert label in cell["before"], (url, cell)


def test_the_timer_stays_in_view_while_the_form_is_filled(context, live_server, operator):
    signed_in(context, live_server, operator)
    page = context.new_page()
    page.goto(live_server.url + reverse("helpline:contact_new"))
    page.wait_for_selector("#timer-box:not([hidden])")
    page.focus('textarea[name="summary"]')
    page.keyboard.type("Placeholder summary.")
    assert page.evaluate("window.scrollY") > 600  # the summary is far down the form
    box = page.locator("#timer-box").bounding_box()
    assert box is not None
    assert box["y"] >= 0 and box["y"] + box["height"] <= 740
    assert page.evaluate(
        "document.elementFromPoint(20, " + str(box["y"] + 5) + ").closest('#timer-box') !== null"
    )
