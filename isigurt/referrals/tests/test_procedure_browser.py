"""A child protection unit's officer records the procedure on a phone-sized screen (360 x 740)
with JavaScript off and the keyboard only; axe-core finds no serious or critical violation on
the unit's page nor on the helpline's summary."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from isigurt.helpline.tests.test_browser import signed_in, tab_to
from isigurt.lib.testing.site import assert_accessible, reference_geography
from isigurt.referrals.models import GroupMeeting
from isigurt.referrals.tests.procedure_factories import (
    days_ago,
    measure_for,
    plan_for,
    referral_to,
    tirana_unit,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _geography(live_server):
    reference_geography()


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def test_the_unit_records_a_meeting_with_the_keyboard_and_no_script(
    new_context, live_server, operator, municipality_officer
):
    referral = referral_to(tirana_unit(), sent_by=operator)
    plan_for(referral, municipality_officer, next_review_on=days_ago(2))
    context = new_context(java_script_enabled=False, locale="en-GB")
    signed_in(context, live_server, municipality_officer)
    page = context.new_page()
    url = live_server.url + reverse("referrals:procedure", kwargs={"referral_id": referral.pk})
    page.goto(url)
    assert fits_the_phone(page)
    assert page.is_visible("#review-overdue")

    tab_to(page, "#meeting-form-box > summary")
    page.keyboard.press("Enter")  # the folded form opens
    assert page.is_visible("#id_meeting-held_on")
    page.fill("#id_meeting-held_on", (timezone.localdate() + timedelta(days=2)).isoformat())
    tab_to(page, "#id_meeting-sectors_0")
    page.keyboard.press("Space")
    tab_to(page, "#id_meeting-decisions")
    page.keyboard.type("Placeholder decisions.")
    tab_to(page, "#meeting-form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_selector("#error-summary")
    assert "in the future" in page.text_content("#error-summary")
    assert page.is_visible("#id_meeting-held_on")  # the form is open again, answers kept
    assert page.input_value("#id_meeting-decisions") == "Placeholder decisions."
    assert page.is_checked("#id_meeting-sectors_0")
    assert fits_the_phone(page)

    page.fill("#id_meeting-held_on", days_ago(1).isoformat())
    tab_to(page, "#meeting-form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_selector("#meeting-list")
    meeting = GroupMeeting.objects.get()
    assert meeting.sectors == ["social"] and meeting.decisions == "Placeholder decisions."
    assert "Placeholder decisions." in page.text_content("#meeting-list")
    assert fits_the_phone(page)


@pytest.mark.parametrize("language", ["sq", "en"])
def test_the_procedure_pages_have_no_serious_violation(
    new_context, live_server, operator, municipality_officer, language
):
    referral = referral_to(tirana_unit(), sent_by=operator)
    plan = plan_for(referral, municipality_officer, next_review_on=days_ago(2))
    measure_for(plan, due_on=days_ago(1))
    GroupMeeting.objects.create(
        referral=referral,
        held_on=days_ago(3),
        sectors=["health", "police"],
        decisions="Placeholder decisions.",
        recorded_by=municipality_officer,
    )
    with translation.override(language):
        url = live_server.url + reverse("referrals:procedure", kwargs={"referral_id": referral.pk})
    unit = new_context(bypass_csp=True)  # axe is injected as a script
    signed_in(unit, live_server, municipality_officer)
    page = unit.new_page()
    page.goto(url)
    assert_accessible(page, "the unit's procedure page")
    page.click("#handoff-form-box > summary")
    page.click("#handoff-form button[type=submit]")
    page.wait_for_selector("#error-summary")
    assert_accessible(page, "the unit's page with errors")
    helpline = new_context(bypass_csp=True)
    signed_in(helpline, live_server, operator)
    page = helpline.new_page()
    page.goto(url)
    page.wait_for_selector("#summary-notice")
    assert_accessible(page, "the helpline's summary")
