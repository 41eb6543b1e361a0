"""The whole way of one report, in Chromium, through the pages people use: a report arrives;
the operator opens a case from it and triages it, then refers it to the child protection unit
of the child's municipality; the unit's officer acknowledges it and records the outcome; the
operator closes the case; and the reporter, with the tracking code and secret, reads each
step's status on the tracking page."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from isigurt.accounts.models import User
from isigurt.accounts.services import demo_seed
from isigurt.cases.models import Case, CaseStatus
from isigurt.helpline.tests.test_browser import signed_in
from isigurt.lib.testing.site import site_ready
from isigurt.referrals.models import Referral, ReferralStatus
from isigurt.reports.models import ReportStatus
from isigurt.reports.tests.factories import submitted

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _site(live_server, settings, tmp_path):
    site_ready(settings, tmp_path)
    settings.DEMO_MODE = True
    demo_seed()  # the demo users: operator, cpu.tirana
    return live_server


def tracked_status(new_context: Any, live_server: Any, code: str, secret: str) -> str:
    """What the reporter reads on the tracking page (in Albanian, the default), each time from
    a new browser session as after a quick exit."""
    context = new_context()
    page = context.new_page()
    page.goto(live_server.url + "/ndjek/")
    page.fill("#id_tracking_code", code)
    page.fill("#id_secret", secret)
    page.click("#track-form button[type=submit]")
    page.wait_for_selector("#report-status")
    status = page.inner_text("#report-status")
    context.close()
    return status


def label(status: str) -> str:
    with translation.override("sq"):
        return str(ReportStatus(status).label)


def test_a_report_is_triaged_referred_answered_and_closed_and_the_reporter_follows_it(
    new_context, live_server
):
    operator = User.objects.get(username="operator")
    officer = User.objects.get(username="cpu.tirana")
    arrived = submitted(
        category="bullying", county_code="AL-11", municipality_slug="tirane", age_band="13_15"
    )
    reporter = new_context  # each look at the tracking page is a new browser session
    assert tracked_status(reporter, live_server, arrived.tracking_code, arrived.secret) == (
        label(ReportStatus.RECEIVED)
    )

    # The operator opens a case from the report's page and confirms the triage.
    helpline = new_context(locale="en-GB")
    signed_in(helpline, live_server, operator)
    page = helpline.new_page()
    with translation.override("en"):
        page.goto(
            live_server.url
            + reverse("reports:staff_detail", kwargs={"report_id": arrived.report.pk})
        )
    page.click("#open-case")
    page.wait_for_selector("#case-code")
    case = Case.objects.get()
    page.click("#triage-form button[type=submit]")
    page.wait_for_selector("text=Triage confirmed.")
    case.refresh_from_db()
    assert case.status == CaseStatus.TRIAGED
    assert tracked_status(reporter, live_server, arrived.tracking_code, arrived.secret) == (
        label(ReportStatus.IN_REVIEW)
    )

    # ...and refers it: the unit of the child's municipality is proposed.
    page.click("#refer-case")
    page.wait_for_selector("#send-referrals")
    assert page.input_value("#id_cpu") == str(officer.organisation_id)
    page.check("#id_to_cpu")
    page.fill("#id_request", "Placeholder request: please assess and support.")
    page.click("#send-referrals")
    page.wait_for_selector("#case-referrals .referral")
    referral = Referral.objects.get()
    assert referral.organisation_id == officer.organisation_id
    assert tracked_status(reporter, live_server, arrived.tracking_code, arrived.secret) == (
        label(ReportStatus.ACTION_TAKEN)
    )

    # The unit's officer acknowledges the referral and records what came of it.
    unit = new_context(locale="en-GB")
    signed_in(unit, live_server, officer)
    unit_page = unit.new_page()
    with translation.override("en"):
        unit_page.goto(live_server.url + reverse("referrals:inbox"))
    unit_page.get_by_role("link", name=case.code).click()
    unit_page.click("#acknowledge-form button[type=submit]")
    unit_page.wait_for_selector("#outcome-form")
    unit_page.check("#outcome-form input[value=support_given]")
    unit_page.fill("#outcome_text", "Placeholder outcome.")
    unit_page.click("#outcome-form button[type=submit]")
    unit_page.wait_for_selector("#referral-outcome")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.CLOSED and referral.acknowledged_by == officer

    # The operator reads the outcome on the case page and closes the case.
    with translation.override("en"):
        page.goto(live_server.url + reverse("cases:case_detail", kwargs={"case_id": case.pk}))
    assert "Support given to the child and family" in page.inner_text("#case-referrals")
    page.locator("#close-form select, #close-form input[type=radio]").first.wait_for()
    if page.locator("#close-form select").count():
        page.select_option("#close-form select", "resolved_by_institution")
    else:
        page.check('#close-form input[value="resolved_by_institution"]')
    page.click("#close-form button[type=submit]")
    page.wait_for_selector("#reopen-title")
    case.refresh_from_db()
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "resolved_by_institution")
    assert tracked_status(reporter, live_server, arrived.tracking_code, arrived.secret) == (
        label(ReportStatus.CLOSED)
    )
