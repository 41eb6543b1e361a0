"""In Chromium at phone width (360 x 740): the operator refers a case to Tiranë's child
protection unit, the unit's officer signs in, finds it in the inbox, acknowledges it, posts an
update and closes it with an outcome, and the reporter's tracking page shows the new status.
axe-core finds no serious or critical violation on the referral pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from isigurt.accounts.models import StaffTOTPDevice, User
from isigurt.accounts.services import DEMO_PASSWORD, demo_seed
from isigurt.accounts.tests.personas import make_staff_client, totp_code_for
from isigurt.lib.testing.site import assert_accessible, site_ready
from isigurt.referrals.models import Referral, ReferralStatus
from isigurt.referrals.tests.factories import open_case, refer
from isigurt.reports.models import ReportStatus
from isigurt.reports.tests.factories import submitted

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _site(live_server, settings, tmp_path):
    site_ready(settings, tmp_path)
    settings.DEMO_MODE = True
    demo_seed()  # the demo users: operator, cpu.tirana
    return live_server


def signed_in(context: Any, live_server: Any, user: Any) -> None:
    cookie = make_staff_client(user).cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )


def fits_the_phone(page: Any) -> bool:
    return bool(
        page.evaluate(
            "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
    )


def test_a_referral_travels_from_the_helpline_to_the_unit_and_back_to_the_reporter(
    new_context, live_server
):
    operator = User.objects.get(username="operator")
    officer = User.objects.get(username="cpu.tirana")
    result = submitted(county_code="AL-11", municipality_slug="tirane", age_band="13_15")
    case = open_case(operator, report=result.report)

    # The operator refers the case; the unit of the case's municipality is chosen already.
    helpline = new_context(locale="en-GB")
    signed_in(helpline, live_server, operator)
    page = helpline.new_page()
    with translation.override("en"):
        page.goto(live_server.url + reverse("referrals:case", kwargs={"case_id": case.pk}))
    assert page.input_value("#id_cpu") == str(officer.organisation_id)
    assert page.is_checked("#recipient-cpu input[value=summary]")
    assert fits_the_phone(page)
    page.check("#id_to_cpu")
    page.fill("#id_request", "Placeholder request: please assess and support.")
    page.click("#send-referrals")
    page.wait_for_selector("#case-referrals .referral")
    referral = Referral.objects.get()
    assert referral.organisation_id == officer.organisation_id

    # The unit's officer signs in with the password and the authenticator's code.
    unit = new_context(locale="en-GB")
    page = unit.new_page()
    with translation.override("en"):
        page.goto(live_server.url + reverse("accounts:login"))
    page.fill("#id_username", "cpu.tirana")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("form[action$='/staff/login/'] button[type=submit]")
    page.wait_for_selector("#id_code")
    device = StaffTOTPDevice.objects.get(user=officer, confirmed=True)
    page.fill("#id_code", totp_code_for(device))
    page.click("form[action$='/staff/verify/'] button[type=submit]")
    page.wait_for_selector("#referrals-nav")
    assert "1 to acknowledge" in page.inner_text("#referrals-nav")

    page.click("#referrals-nav")
    row = page.locator(f'tr[data-referral="{referral.pk}"]')
    assert case.code in row.inner_text()
    assert "Not acknowledged yet" in row.inner_text()
    assert fits_the_phone(page)
    row.get_by_role("link", name=case.code).click()
    page.wait_for_selector("#acknowledge-form")
    assert "Placeholder case summary." in page.inner_text("#case-summary")
    assert "Placeholder request" in page.inner_text("#referral-request")
    assert fits_the_phone(page)

    page.click("#acknowledge-form button[type=submit]")
    page.wait_for_selector("#update-form")
    assert page.inner_text("#referral-status") == "Acknowledged"
    assert page.locator("#acknowledge-form").count() == 0
    page.fill("#update_text", "Placeholder update: the family was met.")
    page.click("#update-form button[type=submit]")
    page.wait_for_selector("#updates li")
    assert "the family was met" in page.inner_text("#updates")
    page.check("#outcome-form input[value=support_given]")
    page.fill("#outcome_text", "Placeholder outcome.")
    page.click("#outcome-form button[type=submit]")
    page.wait_for_selector("#referral-outcome")
    assert page.inner_text("#referral-status") == "Closed with an outcome"
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.CLOSED and referral.officer is None
    assert referral.acknowledged_by == officer

    # The reporter follows the report with the code and secret (Albanian, the default).
    reporter = new_context()
    page = reporter.new_page()
    page.goto(live_server.url + "/ndjek/")
    page.fill("#id_tracking_code", result.tracking_code)
    page.fill("#id_secret", result.secret)
    page.click("#track-form button[type=submit]")
    page.wait_for_selector("#report-status")
    with translation.override("sq"):
        assert page.inner_text("#report-status") == str(ReportStatus.ACTION_TAKEN.label)
    assert page.inner_text("#report-status") != "Action taken"  # read in Albanian


@pytest.mark.parametrize("language", ["sq", "en"])
def test_the_referral_pages_have_no_serious_violation(new_context, live_server, language):
    operator = User.objects.get(username="operator")
    officer = User.objects.get(username="cpu.tirana")
    case = open_case(operator)
    referral = refer(case, officer.organisation, operator)
    with translation.override(language):
        inbox = reverse("referrals:inbox")
        detail = reverse("referrals:detail", kwargs={"referral_id": referral.pk})
        sending = reverse("referrals:case", kwargs={"case_id": case.pk})
    unit = new_context(bypass_csp=True)  # axe is injected as a script
    signed_in(unit, live_server, officer)
    page = unit.new_page()
    page.goto(live_server.url + inbox)
    assert_accessible(page, "inbox")
    page.goto(live_server.url + detail)
    assert_accessible(page, "referral, institution")
    helpline = new_context(bypass_csp=True)
    signed_in(helpline, live_server, operator)
    page = helpline.new_page()
    page.goto(live_server.url + sending)
    assert_accessible(page, "referring a case")
    page.goto(live_server.url + detail)
    assert_accessible(page, "referral, helpline")
