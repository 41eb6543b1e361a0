"""The cases API, persona by persona: the same rules as the pages, in the API's one shape."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from isigurt.audit.models import AuditEntry
from isigurt.cases import services
from isigurt.cases.models import Case, CaseStatus, CaseTask, Priority
from isigurt.cases.tests.factories import case_from_contact, case_from_report, fresh
from isigurt.helpline.tests.factories import logged
from isigurt.reports.tests.factories import submitted

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases"
UNKNOWN = "8d0e6a51-2c3c-4f56-a34c-7d8f9f6a2b10"


def post(client: Any, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(url, body or {}, content_type="application/json")


def test_the_list_is_the_queue_with_filters_and_pages(staff_client, operator):
    grooming = case_from_report(operator, category="grooming")
    bullying = case_from_contact(operator)
    services.case_take(case=bullying, actor=operator)
    client = staff_client(operator)
    body = client.get(CASES).json()
    assert body["count"] == 2 and body["pages"] == 1
    assert [item["code"] for item in body["items"]] == [grooming.code, bullying.code]
    first = body["items"][0]
    assert first["priority"] == Priority.HIGH and first["priority_reasons"] == ["grooming"]
    assert first["owner"] is None and first["first_response_overdue"] is False
    assert "summary" not in first
    mine = client.get(CASES, {"owner": "mine"}).json()
    assert [item["code"] for item in mine["items"]] == [bullying.code]
    assert client.get(CASES, {"q": grooming.code}).json()["count"] == 1
    assert client.get(CASES, {"status": "closed"}).json()["count"] == 0
    bad = client.get(CASES, {"status": "nonsense", "priority": 9})
    assert bad.status_code == 422
    assert {error["field"] for error in bad.json()["errors"]} == {"status", "priority"}


def test_opening_from_a_report_code_or_a_contact_is_201_then_200(staff_client, operator):
    report = submitted().report
    client = staff_client(operator)
    first = post(client, CASES, {"report_code": report.display_code.lower()})
    assert first.status_code == 201, first.content
    again = post(client, CASES, {"report_code": report.tracking_code})
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    contact = logged(operator, issues=["online.sextortion"])
    opened = post(client, CASES, {"contact_id": str(contact.pk)})
    assert opened.status_code == 201 and opened.json()["category"] == "sextortion"
    assert Case.objects.count() == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "contact_id"),
        ({"report_code": "K7QM-4TZP", "contact_id": UNKNOWN}, "contact_id"),
        ({"report_code": "not a code"}, "report_code"),
        ({"report_code": "K7QM-4TZP"}, "report_code"),  # no such report
        ({"contact_id": UNKNOWN}, "contact_id"),
    ],
)
def test_opening_needs_one_known_origin(staff_client, operator, body, field):
    response = post(staff_client(operator), CASES, body)
    assert response.status_code == 422
    assert field in {error["field"] for error in response.json()["errors"]}
    assert not Case.objects.exists()


def test_one_case_has_its_fields_and_the_read_is_audited(staff_client, operator):
    case = case_from_report(operator, child_in_danger=True, county_code="AL-11")
    services.case_note_add(case=case, actor=operator, text="Placeholder note.")
    services.case_task_add(case=case, actor=operator, title="Placeholder task.")
    response = staff_client(operator).get(f"{CASES}/{case.pk}")
    body = response.json()
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert body["code"] == case.code and body["county_code"] == "AL-11"
    assert body["priority_reasons"] == ["danger_now"]
    assert body["due_times"]["first_response_overdue"] is False
    assert body["origins"][0]["report_code"] == case.origins.get().report.display_code
    assert [task["title"] for task in body["tasks"]] == ["Placeholder task."]
    assert [event["kind"] for event in body["timeline"]] == ["opened", "note", "task_added"]
    read = AuditEntry.objects.get(action="case.read", object_id=str(case.pk))
    assert read.fields == body["fields"]


def test_the_operator_works_a_case_through_the_api(staff_client, operator, supervisor):
    case = case_from_contact(operator)
    client = staff_client(operator)
    url = f"{CASES}/{case.pk}"
    triaged = post(client, f"{url}/triage", {"reasons": ["operator"]})
    assert triaged.status_code == 200 and triaged.json()["status"] == CaseStatus.TRIAGED
    assert triaged.json()["priority"] == Priority.HIGH
    assert post(client, f"{url}/take").json()["owner"] == "persona.operator"
    assert post(staff_client(supervisor), f"{url}/take").status_code == 409
    note = post(client, f"{url}/notes", {"text": "Placeholder note."})
    assert note.status_code == 201 and note.json()["text"] == "Placeholder note."
    due = (timezone.now() + timedelta(days=1)).isoformat()
    task = post(
        client,
        f"{url}/tasks",
        {"title": "Placeholder.", "due_at": due, "assignee": "persona.supervisor"},
    )
    assert task.status_code == 201 and task.json()["assignee"] == "persona.supervisor"
    done = post(client, f"{CASES}/tasks/{task.json()['id']}/done")
    assert done.status_code == 200 and done.json()["done_by"] == "persona.operator"
    assert post(client, f"{url}/summary", {"summary": "Placeholder."}).status_code == 200
    moved = post(client, f"{url}/status", {"status": "waiting"})
    assert moved.json()["status"] == CaseStatus.WAITING
    handed = post(client, f"{url}/handover", {"to": "persona.supervisor", "note": "Placeholder."})
    assert handed.json()["owner"] == "persona.supervisor"
    closed = post(client, f"{url}/close", {"outcome": "supported"})
    assert closed.json()["status"] == CaseStatus.CLOSED and closed.json()["outcome"] == "supported"
    reopened = post(client, f"{url}/reopen", {"note": "Placeholder."})
    assert reopened.json()["status"] == CaseStatus.IN_PROGRESS
    assert CaseTask.objects.get().done_at is not None


def test_priority_and_assignment_are_for_supervisors(staff_client, operator, supervisor):
    case = case_from_contact(operator)
    url = f"{CASES}/{case.pk}"
    operator_client, supervisor_client = staff_client(operator), staff_client(supervisor)
    refused = post(operator_client, f"{url}/priority", {"priority": 1, "reason": "Placeholder."})
    assert refused.status_code == 403 and refused.json()["detail"]
    assert post(operator_client, f"{url}/assign", {"owner": "persona.operator"}).status_code == 403
    assert fresh(case).priority == Priority.NORMAL and fresh(case).owner is None
    no_reason = post(supervisor_client, f"{url}/priority", {"priority": 1, "reason": ""})
    assert no_reason.status_code == 422
    changed = post(supervisor_client, f"{url}/priority", {"priority": 1, "reason": "Placeholder."})
    assert changed.status_code == 200 and changed.json()["priority"] == Priority.CRITICAL
    unknown = post(supervisor_client, f"{url}/assign", {"owner": "persona.analyst"})
    assert unknown.status_code == 422
    assigned = post(supervisor_client, f"{url}/assign", {"owner": "persona.operator"})
    assert assigned.json()["owner"] == "persona.operator"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("status", {"status": "in_progress"}),  # a new case: triage first
        ("reopen", {"note": "Placeholder."}),  # an open case
        ("close", {"outcome": "merged"}),  # merging is not closing by hand
        ("notes", {"text": " "}),
        ("tasks", {"title": "Placeholder.", "due_at": "2001-01-01T00:00:00Z"}),
        ("handover", {"to": "persona.operator", "note": ""}),
    ],
)
def test_refusals_are_422_and_change_nothing(staff_client, operator, supervisor, path, body):
    case = case_from_contact(operator)
    before = (fresh(case).status, fresh(case).updated_at)
    response = post(staff_client(supervisor), f"{CASES}/{case.pk}/{path}", body)
    assert response.status_code == 422, response.content
    assert response.json()["errors"]
    assert (fresh(case).status, fresh(case).updated_at) == before


@pytest.mark.parametrize("persona", ["analyst", "municipality_officer", "police_officer"])
def test_others_see_no_case(request, staff_client, operator, persona):
    case = case_from_contact(operator)
    client = staff_client(request.getfixturevalue(persona))
    assert client.get(CASES).status_code == 404
    assert client.get(f"{CASES}/{case.pk}").status_code == 404
    assert post(client, f"{CASES}/{case.pk}/notes", {"text": "Placeholder."}).status_code == 404
    assert post(client, CASES, {"contact_id": str(case.pk)}).status_code == 404


def test_signed_out_is_401(client, operator):
    case = case_from_contact(operator)
    assert client.get(f"{CASES}/{case.pk}").status_code == 401


def test_every_documented_example_is_valid():
    from isigurt.cases import validation
    from isigurt.cases.schemas import EXAMPLES

    drafts = {
        "open": validation.OpenDraft,
        "triage": validation.TriageDraft,
        "priority": validation.PriorityDraft,
        "assign": validation.AssignDraft,
        "handover": validation.HandoverDraft,
        "status": validation.StatusDraft,
        "close": validation.CloseDraft,
        "reopen": validation.ReopenDraft,
        "summary": validation.SummaryDraft,
        "notes": validation.NoteDraft,
        "tasks": validation.TaskDraft,
    }
    assert set(drafts) == set(EXAMPLES)
    tomorrow = (timezone.now() + timedelta(days=1)).isoformat()
    for name, draft in drafts.items():
        example = dict(EXAMPLES[name])
        if "due_at" in example:
            example["due_at"] = tomorrow  # a task is due ahead of today
        assert draft.check(example)[1] == {}, name
