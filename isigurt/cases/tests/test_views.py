"""The case pages with JavaScript off (Django's client), persona by persona."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from isigurt.audit.models import AuditEntry
from isigurt.cases import services, views
from isigurt.cases.models import Case, CaseEvent, CaseEventKind, CaseStatus, CaseTask, Priority
from isigurt.cases.tests.factories import case_from_contact, case_from_report, fresh
from isigurt.helpline.tests.factories import logged
from isigurt.reports.services import report_add_information, report_message_post
from isigurt.reports.tests.factories import submitted

pytestmark = pytest.mark.django_db


def detail_url(case: Case) -> str:
    return reverse("cases:case_detail", kwargs={"case_id": case.pk})


def action_url(name: str, case: Case) -> str:
    return reverse(f"cases:{name}", kwargs={"case_id": case.pk})


def codes_in(html: str, cases: list[Case]) -> list[str]:
    """The codes of ``cases`` in the order the page shows them."""
    found = sorted(
        (html.index(f'data-case="{case.code}"'), case.code)
        for case in cases
        if f'data-case="{case.code}"' in html
    )
    return [code for _position, code in found]


# --- the queue -----------------------------------------------------------------------------


def test_the_queue_shows_overdue_first_then_priority_then_due_time(staff_client, operator):
    low = case_from_contact(operator, issues=["other.information"])
    normal = case_from_contact(operator)
    high = case_from_contact(operator, issues=["online.grooming"])
    late = case_from_report(operator, category="bullying")  # normal, not answered
    Case.objects.filter(pk=late.pk).update(first_response_due=timezone.now() - timedelta(minutes=5))
    closed = case_from_contact(operator)
    services.case_close(case=closed, actor=operator, outcome="supported")
    page = staff_client(operator).get(reverse("cases:case_queue"))
    html = page.content.decode()
    assert page.status_code == 200
    assert codes_in(html, [low, normal, high, late, closed]) == [
        late.code,
        high.code,
        normal.code,
        low.code,
    ]
    assert "Overdue" in html and html.count('class="overdue-row"') == 1
    assert "Sextortion" not in html  # no reason invented
    assert "An adult seeking sexual contact with a child" in html  # the reason, in words
    assert "Nobody yet" in html


def test_each_row_names_priority_status_owner_age_and_due_times(staff_client, operator):
    case = case_from_report(operator, child_in_danger=True)
    services.case_take(case=case, actor=operator)
    html = staff_client(operator).get(reverse("cases:case_queue")).content.decode()
    row = html[html.index(f'data-case="{case.code}"') :].split("</tr>", 1)[0]
    for shown in (
        case.code,
        "Critical",
        "A child is in danger now",
        "New",
        "persona.operator",
        "ago",
        "First response",
        "Referral",
    ):
        assert shown in row, shown


@pytest.mark.parametrize(
    ("query", "wanted"),
    [
        ({}, {"bullying", "grooming"}),
        ({"status": "closed"}, {"closed"}),
        ({"status": "all"}, {"bullying", "grooming", "closed"}),
        ({"status": "nonsense"}, set()),  # unknown: refused, nothing listed
        ({"priority": "2"}, {"grooming"}),
        ({"category": "bullying"}, {"bullying"}),
        ({"county": "AL-11"}, {"grooming"}),
        ({"municipality": "tirane"}, {"grooming"}),
        ({"owner": "mine"}, {"bullying"}),
        ({"owner": "unassigned"}, {"grooming"}),
        ({"opened_from": "2000-01-01", "opened_to": "2000-01-02"}, set()),
    ],
)
def test_the_queue_filters(staff_client, operator, query, wanted):
    made = {
        "bullying": case_from_report(operator, category="bullying"),
        "grooming": case_from_report(
            operator, category="grooming", county_code="AL-11", municipality_slug="tirane"
        ),
        "closed": case_from_contact(operator),
    }
    services.case_take(case=made["bullying"], actor=operator)
    services.case_close(case=made["closed"], actor=operator, outcome="supported")
    html = staff_client(operator).get(reverse("cases:case_queue"), query).content.decode()
    shown = {name for name, case in made.items() if f'data-case="{case.code}"' in html}
    assert shown == wanted


def test_the_search_box_finds_a_case_by_its_number(staff_client, operator):
    one, other = case_from_contact(operator), case_from_contact(operator)
    html = (
        staff_client(operator)
        .get(reverse("cases:case_queue"), {"q": one.code.lower()})
        .content.decode()
    )
    assert one.code in html and other.code not in html


def test_the_queue_is_paged_and_keeps_its_filters(staff_client, operator, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for _ in range(3):
        case_from_contact(operator)
    client = staff_client(operator)
    html = client.get(reverse("cases:case_queue"), {"category": "bullying"}).content.decode()
    assert "Page 1 of 2" in html and "category=bullying&amp;page=2" in html
    second = client.get(reverse("cases:case_queue"), {"category": "bullying", "page": "2"})
    assert second.content.decode().count("data-case=") == 1


def test_the_queue_costs_the_same_queries_for_more_rows(
    staff_client, operator, django_assert_num_queries
):
    case_from_contact(operator)
    client = staff_client(operator)
    client.get(reverse("cases:case_queue"))  # warm the reference lookup
    with django_assert_num_queries(10) as one:
        client.get(reverse("cases:case_queue"))
    for _ in range(4):
        services.case_take(case=case_from_contact(operator), actor=operator)
    with django_assert_num_queries(len(one.captured_queries)):
        client.get(reverse("cases:case_queue"))


def test_my_cases_are_those_i_follow(staff_client, operator, supervisor):
    mine = case_from_contact(operator)
    services.case_take(case=mine, actor=operator)
    theirs = case_from_contact(operator)
    services.case_take(case=theirs, actor=supervisor)
    html = staff_client(operator).get(reverse("cases:case_mine")).content.decode()
    assert mine.code in html and theirs.code not in html
    assert "My cases" in html


@pytest.mark.parametrize("persona", ["analyst", "municipality_officer", "stats_viewer", "no_role"])
def test_only_the_helpline_has_a_queue(request, staff_client, persona):
    client = staff_client(request.getfixturevalue(persona))
    assert client.get(reverse("cases:case_queue")).status_code == 404
    assert client.get(reverse("cases:case_mine")).status_code == 404
    home = client.get(reverse("accounts:home")).content.decode()
    assert reverse("cases:case_queue") not in home


def test_the_staff_home_and_every_staff_page_lead_to_the_cases(staff_client, operator):
    client = staff_client(operator)
    home = client.get(reverse("accounts:home")).content.decode()
    assert reverse("cases:case_queue") in home and reverse("cases:case_mine") in home
    contacts = client.get(reverse("helpline:contact_list")).content.decode()
    assert f'href="{reverse("cases:case_queue")}"' in contacts


def test_the_pages_answer_under_their_albanian_addresses(staff_client, operator):
    case = case_from_contact(operator)
    with translation.override("sq"):
        queue = reverse("cases:case_queue")
        detail = detail_url(case)
    assert queue == "/staf/rastet/"
    assert detail.startswith("/staf/rastet/")
    client = staff_client(operator)
    assert "Rastet" in client.get(queue).content.decode()
    assert client.get(detail).status_code == 200


# --- one case -------------------------------------------------------------------------------


def test_the_case_page_shows_everything_the_helpline_needs(staff_client, operator):
    report = submitted(child_in_danger=True).report
    report_add_information(report=report, text="Placeholder reporter message.")
    case = services.case_open_from_report(report=report, actor=operator).case
    report_message_post(report=report, body="Placeholder helpline answer.", actor=operator)
    services.case_note_add(case=case, actor=operator, text="Placeholder note.")
    services.case_task_add(
        case=case,
        actor=operator,
        title="Placeholder task.",
        due_at=timezone.now() + timedelta(hours=2),
    )
    html = staff_client(operator).get(detail_url(case)).content.decode()
    for shown in (
        case.code,
        "Critical",
        "A child is in danger now",
        "Due times",
        "Placeholder reporter message.",
        "Placeholder helpline answer.",
        reverse("reports:staff_detail", kwargs={"report_id": report.pk}),
        "Placeholder note.",
        "Placeholder task.",
        'id="timeline"',
        "First response to the reporter",
        'id="take-form"',
        'id="triage-form"',
        'id="note-form"',
        'id="task-form"',
        'id="close-form"',
        'id="summary-form"',
    ):
        assert shown in html, shown
    assert "answer the reporter on the report" in html  # the thread is read-only here
    assert 'name="body"' not in html


def test_opening_a_case_page_is_an_audited_read(staff_client, operator):
    case = case_from_report(operator)
    report = case.origins.get().report
    staff_client(operator).get(detail_url(case))
    read = AuditEntry.objects.filter(action="case.read", object_id=str(case.pk)).get()
    assert {"summary", "timeline", "origins", "tasks"} <= set(read.fields)
    thread = AuditEntry.objects.filter(action="report.read", object_id=str(report.pk)).get()
    assert thread.fields == ["messages"]


def test_supervisor_controls_are_shown_to_supervisors_only(staff_client, operator, supervisor):
    case = case_from_contact(operator)
    services.case_take(case=case, actor=operator)
    operator_page = staff_client(operator).get(detail_url(case)).content.decode()
    supervisor_page = staff_client(supervisor).get(detail_url(case)).content.decode()
    for form in ('id="priority-form"', 'id="assign-form"'):
        assert form not in operator_page and form in supervisor_page
    assert 'id="handover-form"' in operator_page  # the owner hands over
    other = case_from_contact(operator)
    services.case_take(case=other, actor=supervisor)
    assert (
        'id="handover-form"' not in staff_client(operator).get(detail_url(other)).content.decode()
    )


def test_the_contact_a_case_came_from_is_linked(staff_client, operator):
    contact = logged(operator)
    case = services.case_open_from_contact(contact=contact, actor=operator).case
    html = staff_client(operator).get(detail_url(case)).content.decode()
    assert reverse("helpline:contact_detail", kwargs={"contact_id": contact.pk}) in html


def test_an_operator_triages_and_writes_on_the_case(staff_client, operator):
    case = case_from_contact(operator)
    client = staff_client(operator)
    response = client.post(action_url("case_triage", case), {"reasons": ["known_image"]})
    assert response.status_code == 302 and response["Location"] == detail_url(case)
    assert fresh(case).status == CaseStatus.TRIAGED and fresh(case).priority == Priority.HIGH
    assert client.post(action_url("case_take", case)).status_code == 302
    assert client.post(action_url("case_note", case), {"text": "Placeholder."}).status_code == 302
    due = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        action_url("case_task_add", case),
        {"title": "Placeholder task.", "due_at": due, "assignee": "persona.operator"},
    )
    assert response.status_code == 302
    task = CaseTask.objects.get()
    assert task.assignee == operator and task.due_at is not None
    done = reverse("cases:case_task_done", kwargs={"task_id": task.pk})
    assert client.post(done).status_code == 302
    assert CaseTask.objects.get().done_by == operator
    response = client.post(action_url("case_summary", case), {"summary": "Placeholder summary."})
    assert response.status_code == 302 and fresh(case).summary == "Placeholder summary."
    response = client.post(action_url("case_status", case), {"status": "in_progress"})
    assert fresh(case).status == CaseStatus.IN_PROGRESS
    response = client.post(action_url("case_close", case), {"outcome": "supported"})
    assert fresh(case).status == CaseStatus.CLOSED
    page = client.get(detail_url(case)).content.decode()
    assert 'id="reopen-form"' in page and 'id="close-form"' not in page
    client.post(action_url("case_reopen", case), {"note": "Placeholder reason."})
    assert fresh(case).status == CaseStatus.IN_PROGRESS


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("case_note", {"text": ""}, "This field is required."),
        ("case_close", {"outcome": ""}, "This field is required."),
        ("case_status", {"status": "in_progress"}, "Confirm the triage first."),
        ("case_reopen", {"note": "Placeholder."}, "The case is open."),
        (
            "case_task_add",
            {"title": "x", "due_at": "2001-01-01T10:00"},
            "cannot be due in the past",
        ),
        ("case_handover", {"to": "persona.operator", "note": ""}, "This field is required."),
    ],
)
def test_a_refused_form_shows_the_case_again_with_its_message(
    staff_client, operator, supervisor, name, data, message
):
    case = case_from_contact(operator)
    services.case_take(case=case, actor=operator)
    before = CaseEvent.objects.count()
    response = staff_client(supervisor).post(action_url(name, case), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert CaseEvent.objects.count() == before


def test_a_supervisor_changes_the_priority_and_the_reason_shows_in_the_timeline(
    staff_client, operator, supervisor
):
    case = case_from_contact(operator)
    url = action_url("case_priority", case)
    data = {"priority": "1", "reason": "Placeholder: a deadline was set."}
    assert staff_client(operator).post(url, data).status_code == 403
    assert staff_client(supervisor).post(url, {"priority": "1", "reason": ""}).status_code == 400
    assert staff_client(supervisor).post(url, data).status_code == 302
    assert fresh(case).priority == Priority.CRITICAL
    html = staff_client(operator).get(detail_url(case)).content.decode()
    timeline = html[html.index('id="timeline"') :]
    assert "Priority changed" in timeline and "From Normal to Critical" in timeline
    assert "Placeholder: a deadline was set." in timeline


def test_a_supervisor_assigns_and_taking_a_followed_case_says_who_was_faster(
    staff_client, operator, supervisor
):
    case = case_from_contact(operator)
    response = staff_client(supervisor).post(action_url("case_assign", case), {"owner": "nobody"})
    assert response.status_code == 400
    staff_client(supervisor).post(action_url("case_assign", case), {"owner": "persona.operator"})
    assert fresh(case).owner == operator
    response = staff_client(supervisor).post(action_url("case_take", case), follow=True)
    assert "Someone else already follows this case." in response.content.decode()
    assert fresh(case).owner == operator


def test_a_form_reached_by_get_changes_nothing_and_leads_back(staff_client, operator):
    case = case_from_contact(operator)
    before = CaseEvent.objects.count()
    response = staff_client(operator).get(action_url("case_note", case))
    assert response.status_code == 302 and response["Location"] == detail_url(case)
    assert CaseEvent.objects.count() == before


# --- opening from a report or a contact ------------------------------------------------------


def test_the_report_page_opens_a_case_then_links_to_it(staff_client, operator):
    report = submitted().report
    client = staff_client(operator)
    report_page = reverse("reports:staff_detail", kwargs={"report_id": report.pk})
    html = client.get(report_page).content.decode()
    opener = reverse("cases:case_open_report", kwargs={"report_id": report.pk})
    assert f'action="{opener}"' in html and "Open a case" in html
    response = client.post(opener)
    case = Case.objects.get()
    assert response["Location"] == detail_url(case)
    html = client.get(report_page).content.decode()
    assert f'action="{opener}"' not in html and detail_url(case) in html and case.code in html
    again = client.post(opener)  # pressed twice: the same case
    assert again["Location"] == detail_url(case) and Case.objects.count() == 1


def test_the_contact_page_opens_a_case_then_links_to_it(staff_client, operator):
    contact = logged(operator)
    client = staff_client(operator)
    contact_page = reverse("helpline:contact_detail", kwargs={"contact_id": contact.pk})
    opener = reverse("cases:case_open_contact", kwargs={"contact_id": contact.pk})
    assert f'action="{opener}"' in client.get(contact_page).content.decode()
    client.post(opener)
    case = Case.objects.get()
    html = client.get(contact_page).content.decode()
    assert detail_url(case) in html and f'action="{opener}"' not in html


def test_opening_a_case_is_the_helplines(staff_client, analyst, operator):
    report = submitted().report
    opener = reverse("cases:case_open_report", kwargs={"report_id": report.pk})
    assert staff_client(analyst).post(opener).status_code == 404
    assert not Case.objects.exists()
    assert staff_client(operator).get(opener).status_code == 302  # a GET opens nothing
    assert not Case.objects.exists()


def test_the_escalation_event_reads_in_words(staff_client, operator):
    case = case_from_report(operator, child_in_danger=True)
    services.cases_escalate_overdue(now=timezone.now() + timedelta(minutes=30))
    html = staff_client(operator).get(detail_url(case)).content.decode()
    assert "Escalated to the supervisor" in html and "The first response is overdue." in html
    assert CaseEvent.objects.filter(kind=CaseEventKind.ESCALATED).count() == 1


@pytest.mark.parametrize("query", [{"q": "x" * 5000}, {"q": "a\x00b"}, {"priority": "9"}])
def test_a_search_or_filter_that_cannot_be_read_lists_nothing_and_says_why(
    staff_client, operator, query
):
    case = case_from_contact(operator)
    response = staff_client(operator).get(reverse("cases:case_queue"), query)
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="error-summary"' in html and f'data-case="{case.code}"' not in html
