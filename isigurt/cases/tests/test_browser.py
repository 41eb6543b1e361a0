"""In Chromium on a phone-sized screen (360 x 740): an operator opens a case from a report with
the keyboard, triages it, adds a note and a task; a supervisor changes the priority with a
reason that then shows in the timeline. axe-core finds no serious violation on the pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from isigurt.cases.models import Case, CaseEvent, CaseStatus, CaseTask, Priority
from isigurt.cases.services import case_open_from_report, case_take
from isigurt.helpline.tests.test_browser import signed_in, tab_to
from isigurt.lib.testing.site import assert_accessible, reference_geography
from isigurt.reports.models import ReportStatus
from isigurt.reports.services import report_add_information
from isigurt.reports.tests.factories import submitted

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _geography(live_server):
    reference_geography()


def no_sideways_scroll(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_an_operator_opens_and_works_a_case_and_a_supervisor_raises_it(
    new_context, live_server, operator, supervisor
):
    report = submitted(category="bullying", age_band="13_15").report
    report_add_information(report=report, text="Placeholder message from the reporter.")
    context = new_context(locale="en-GB")
    signed_in(context, live_server, operator)
    page = context.new_page()
    with translation.override("en"):
        page.goto(
            live_server.url + reverse("reports:staff_detail", kwargs={"report_id": report.pk})
        )

    # Open a case with the keyboard.
    tab_to(page, "#open-case")
    page.keyboard.press("Enter")
    page.wait_for_selector("#case-code")
    case = Case.objects.get()
    assert page.text_content("#case-code") == case.code
    assert "Placeholder message from the reporter." in page.text_content("#origins")
    no_sideways_scroll(page)

    # Triage: the operator knows a reason the report did not say.
    tab_to(page, '#triage-form input[value="operator"]')
    page.keyboard.press("Space")
    tab_to(page, "#triage-form button")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Triage confirmed.")
    assert "Triaged" in page.text_content("#case-status")
    assert "The operator's judgement" in page.text_content("#case-reasons")
    case.refresh_from_db()
    assert (case.status, case.priority) == (CaseStatus.TRIAGED, Priority.HIGH)

    # A note, then a task with a due time.
    tab_to(page, "#note-text")
    page.keyboard.type("Placeholder note from the operator.")
    tab_to(page, "#note-form button")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Note added.")
    assert "Placeholder note from the operator." in page.text_content("#notes")
    tab_to(page, "#task-title")
    page.keyboard.type("Placeholder task: call the school.")
    due = timezone.localtime() + timedelta(days=1)
    page.fill("#task-due_at", due.strftime("%Y-%m-%dT%H:%M"))
    page.select_option("#task-assignee", "persona.operator")
    tab_to(page, "#task-form button")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Task added.")
    assert "Placeholder task: call the school." in page.text_content("#tasks")
    assert CaseTask.objects.get().assignee == operator
    no_sideways_scroll(page)
    assert page.locator("#priority-form").count() == 0  # supervisors only

    # The supervisor raises the priority and says why.
    boss = new_context(locale="en-GB")
    signed_in(boss, live_server, supervisor)
    boss_page = boss.new_page()
    with translation.override("en"):
        boss_page.goto(live_server.url + reverse("cases:case_detail", kwargs={"case_id": case.pk}))
    boss_page.select_option("#priority-priority", "1")
    boss_page.fill("#priority-reason", "Placeholder: the reporter set a deadline.")
    boss_page.click("#priority-form button")
    boss_page.wait_for_selector("text=Priority changed.")

    page.reload()
    timeline = page.text_content("#timeline")
    assert "Priority changed" in timeline and "From High to Critical" in timeline
    assert "Placeholder: the reporter set a deadline." in timeline
    assert "Critical" in page.text_content("#case-priority")
    assert CaseEvent.objects.filter(case=case, kind="priority_changed").count() == 1
    report.refresh_from_db()
    assert report.status == ReportStatus.IN_REVIEW  # what the reporter reads


@pytest.mark.parametrize("language", ["sq", "en"])
def test_the_case_pages_have_no_serious_violation(new_context, live_server, operator, language):
    report = submitted(child_in_danger=True).report
    case = case_open_from_report(report=report, actor=operator).case
    case_take(case=case, actor=operator)
    context = new_context(bypass_csp=True)  # axe is injected as a script
    signed_in(context, live_server, operator)
    with translation.override(language):
        queue = reverse("cases:case_queue")
        detail = reverse("cases:case_detail", kwargs={"case_id": case.pk})
    page = context.new_page()
    page.goto(live_server.url + queue)
    assert_accessible(page, "queue")
    no_sideways_scroll(page)
    page.goto(live_server.url + detail)
    assert_accessible(page, "case")
    no_sideways_scroll(page)
    page.fill("#note-text", "   ")  # blank: refused by the server, with its message
    page.click("#note-form button")
    page.wait_for_selector("#error-summary")
    assert_accessible(page, "case with a refused form")
