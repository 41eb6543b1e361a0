"""The helpline's report pages in Chromium at phone width (360 x 740): the danger-now alert,
the queue, a call-back recorded with the keyboard and mouse, no sideways scrolling."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from isigurt.accounts.tests.personas import make_staff_client
from isigurt.reports.models import ReportCallback
from isigurt.reports.services import report_add_information
from isigurt.reports.tests.factories import submitted

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _server(live_server, settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    cache.clear()
    return live_server


def signed_in(page, live_server, user):
    client = make_staff_client(user)
    page.context.add_cookies(
        [
            {"name": name, "value": morsel.value, "url": live_server.url}
            for name, morsel in client.cookies.items()
            if name == settings.SESSION_COOKIE_NAME
        ]
    )
    return page


def no_sideways_scroll(page) -> bool:
    return bool(
        page.evaluate(
            "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
    )


def test_the_helpline_sees_danger_now_first_and_records_a_call_back(page, live_server, operator):
    submitted(category="bullying")
    danger = submitted(
        category="grooming",
        child_in_danger=True,
        contact_method="phone",
        contact_value="069 123 4567",
        contact_consent=True,
    ).report
    report_add_information(report=danger, text="Placeholder detail from the reporter.")
    signed_in(page, live_server, operator)

    page.goto(f"{live_server.url}/en/staff/reports/")
    banner = page.locator("#danger-banner")
    assert banner.is_visible()
    assert banner.get_attribute("role") == "alert"
    assert "1 report waits" in banner.inner_text()
    first = page.locator("#reports tbody tr").first
    assert first.get_attribute("data-report") == danger.display_code
    label = first.locator(".danger-label")
    assert label.inner_text().strip().lower() == "child in danger now"
    assert label.evaluate("n => getComputedStyle(n).fontWeight") in {"800", "bold", "700"}
    assert first.locator(".unread-label").inner_text() == "Unread"
    assert no_sideways_scroll(page)

    first.get_by_role("link", name=danger.display_code).click()
    page.wait_for_url(f"**/en/staff/reports/{danger.pk}/")
    assert page.locator(".thread li.new .new-label").count() == 1
    assert no_sideways_scroll(page)
    called = (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    page.fill("#id_called_at", called)
    page.check("input[name=outcome][value=reached]")
    page.fill("#id_note", "Placeholder note.")
    page.click("#callback-form button[type=submit]")
    page.wait_for_url(f"**/en/staff/reports/{danger.pk}/")
    assert "Call-back: Reached" in page.locator("#history").inner_text()
    assert ReportCallback.objects.filter(report=danger).count() == 1

    page.click("#acknowledge-form button[type=submit]")
    page.wait_for_url(f"**/en/staff/reports/{danger.pk}/")
    assert page.locator("#danger-banner").count() == 0
    assert "Danger acknowledged" in page.locator("#history").inner_text()
    assert no_sideways_scroll(page)

    page.goto(f"{live_server.url}/en/staff/reports/")
    assert page.locator(".danger-label").count() == 0
    assert no_sideways_scroll(page)
