"""An operator searches and filters the intake queue on a phone-sized screen (360 x 740), with
the keyboard, with JavaScript on and off; axe-core finds no serious or critical violation."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from isigurt.helpline.tests.test_browser import signed_in, tab_to
from isigurt.lib.testing.site import assert_accessible, reference_geography
from isigurt.reports.tests.factories import submitted

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _geography(live_server):
    reference_geography()


def queue_url(live_server: Any) -> str:
    with translation.override("en"):
        return live_server.url + reverse("reports:staff_list")


def shown(page: Any) -> list[str]:
    return page.eval_on_selector_all("#reports tbody tr", "rows => rows.map(r => r.dataset.report)")


@pytest.fixture
def queue():
    return {
        "keys": submitted(
            description="Dikush kërkon çelësin e llogarisë.",
            county_code="AL-02",
            municipality_slug="kruje",
            language="sq",
        ).report,
        "durres": submitted(
            description="Placeholder narrative.",
            county_code="AL-02",
            municipality_slug="durres",
            usernames=["@placeholder_user"],
        ).report,
        "danger": submitted(child_in_danger=True, category="grooming").report,
        "tirane": submitted(county_code="AL-11", municipality_slug="tirane").report,
    }


def test_an_operator_searches_and_filters_the_queue_with_the_keyboard(
    context, live_server, operator, queue
):
    signed_in(context, live_server, operator)
    page = context.new_page()
    page.goto(queue_url(live_server))
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert shown(page)[0] == queue["danger"].display_code
    assert page.text_content("#result-count").startswith("4 reports")
    assert_accessible(page, "intake queue")

    # Search by a word typed without ë and ç, sent with Enter.
    tab_to(page, "#id_q")
    page.keyboard.type("celesin")
    page.keyboard.press("Enter")
    page.wait_for_selector("#result-count")
    assert shown(page) == [queue["keys"].display_code]
    assert page.input_value("#id_q") == "celesin"

    # Clear the search, then filter by county and municipality: the municipalities narrow to
    # the county's own.
    page.fill("#id_q", "")
    assert not page.is_visible("#id_county")  # the filters fold away on a phone...
    tab_to(page, "#more-filters summary")
    page.keyboard.press("Enter")  # ...and open from the keyboard
    tab_to(page, "#id_county")
    page.select_option("#id_county", "AL-02")
    towns = page.eval_on_selector_all(
        "#id_municipality option", "options => options.map(o => o.value).filter(Boolean)"
    )
    assert set(towns) == {"durres", "kruje", "shijak"}
    page.select_option("#id_municipality", "durres")
    tab_to(page, "#apply-filters")
    page.keyboard.press("Enter")
    page.wait_for_selector("#result-count")
    assert shown(page) == [queue["durres"].display_code]
    assert "county=AL-02" in page.url and "municipality=durres" in page.url
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # A username within the county filter, then nothing: the page says so.
    page.fill("#id_q", "@placeholder_user")
    page.keyboard.press("Enter")
    page.wait_for_selector("#result-count")
    assert shown(page) == [queue["durres"].display_code]
    page.fill("#id_q", "@nobody.here")
    page.keyboard.press("Enter")
    page.wait_for_selector("#no-reports")
    assert "No report matches" in page.text_content("#no-reports")
    assert_accessible(page, "intake queue, no match")

    # Show every report again.
    page.click("#clear-filters")
    page.wait_for_selector("#reports")
    assert len(shown(page)) == 4


def test_a_refused_filter_takes_the_focus_and_keeps_the_choices(
    context, live_server, operator, queue
):
    signed_in(context, live_server, operator)
    page = context.new_page()
    page.goto(queue_url(live_server) + "?county=AL-11&municipality=durres")
    page.wait_for_selector("#error-summary")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert "is not in Tiranë" in page.text_content("#error-summary")
    assert page.input_value("#id_municipality") == "durres"  # still there, to be corrected
    assert page.locator("#reports").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_accessible(page, "intake queue, refused filter")
    page.click("#error-summary a")
    assert page.evaluate("document.activeElement.id") == "id_municipality"


def test_the_queue_filters_and_searches_with_javascript_off(
    new_context, live_server, operator, queue
):
    context = new_context(java_script_enabled=False)
    signed_in(context, live_server, operator)
    page = context.new_page()
    page.goto(queue_url(live_server))
    page.click("#more-filters summary")
    page.select_option("#id_county", "AL-02")
    page.fill("#id_q", "celesin")
    page.keyboard.press("Enter")
    page.wait_for_selector("#result-count")
    assert shown(page) == [queue["keys"].display_code]
    assert page.is_visible("#id_county")  # a chosen filter keeps the filters open
    page.check("#id_danger")
    page.fill("#id_q", "")
    page.select_option("#id_county", "")
    page.click("#apply-filters")
    page.wait_for_selector("#result-count")
    assert shown(page) == [queue["danger"].display_code]
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
