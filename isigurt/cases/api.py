"""The cases API, mounted at /api/v1/cases: the queue, one case, and every change the pages
make (open, triage, priority, take, assign, hand over, status, close, reopen, notes, summary,
tasks).

Staff operations take the staff session with a verified second factor (the API's default
authentication; unsafe methods also need the CSRF token) and decide access through
isigurt.cases.permissions, as the pages do: an unknown or invisible case is 404, a visible one
the caller may not change 403 (an institution reads the cases referred to it, only the fields
its referral shares, and changes none). Bodies validate through the drafts the staff forms use.
Reading one case is audited with the names of the fields returned; changes answer with the
case's queue shape, which holds no encrypted field.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from isigurt.accounts.permissions import can_change_helpline_cases
from isigurt.api.errors import ApiError
from isigurt.api.operations import api_viewer, error_answers, invalid, not_found, refusals
from isigurt.cases import services
from isigurt.cases.models import Case, CaseEvent, CaseTask
from isigurt.cases.permissions import (
    access_case,
    access_case_supervision,
    access_case_task,
    can_list_cases,
)
from isigurt.cases.schemas import (
    CaseFiltersIn,
    CaseOut,
    CasePageOut,
    CaseSummaryOut,
    NoteOut,
    TaskOut,
    body_example,
)
from isigurt.cases.selectors import (
    PAGE_SIZE,
    CaseFilters,
    case_for_staff,
    case_queue,
    helpline_staff,
    is_first_response_overdue,
    is_referral_overdue,
)
from isigurt.cases.validation import (
    AssignDraft,
    CloseDraft,
    HandoverDraft,
    NoteDraft,
    OpenDraft,
    PriorityDraft,
    ReopenDraft,
    StatusDraft,
    SummaryDraft,
    TaskDraft,
    TriageDraft,
)
from isigurt.helpline.permissions import contacts_visible_to
from isigurt.reports.permissions import reports_visible_to

router = Router()

STAFF_ERRORS = error_answers(400, 401, 403, 404, 409, 413, 415, 422)


def _case(request: HttpRequest, case_id: UUID, *, write: bool = False) -> Case:
    with not_found(_("No case has this id.")):
        return access_case(api_viewer(request), case_id, write=write)


def _supervised(request: HttpRequest, case_id: UUID) -> Case:
    with not_found(_("No case has this id.")):
        return access_case_supervision(api_viewer(request), case_id)


def _summary(case: Case, now: Any = None) -> dict[str, Any]:
    now = now or timezone.now()
    return {
        "id": str(case.pk),
        "code": case.code,
        "status": case.status,
        "priority": case.priority,
        "priority_reasons": list(case.priority_reasons),
        "category": case.category,
        "child_in_danger": case.child_in_danger,
        "age_band": case.age_band,
        "owner": case.owner.get_username() if case.owner else None,
        "created_at": case.created_at,
        "first_response_due": case.first_response_due,
        "first_response_at": case.first_response_at,
        "referral_due": case.referral_due,
        "referred_at": case.referred_at,
        "first_response_overdue": is_first_response_overdue(case, now),
        "referral_overdue": is_referral_overdue(case, now),
        "outcome": case.outcome,
    }


def _task(task: CaseTask) -> dict[str, Any]:
    return {
        "id": str(task.pk),
        "title": task.title,
        "due_at": task.due_at,
        "assignee": task.assignee.get_username() if task.assignee else None,
        "created_at": task.created_at,
        "done_at": task.done_at,
        "done_by": task.done_by.get_username() if task.done_by else None,
    }


def _event(event: CaseEvent) -> dict[str, Any]:
    return {
        "id": str(event.pk),
        "kind": event.kind,
        "at": event.at,
        "actor": event.actor.get_username() if event.actor else None,
        "data": dict(event.data or {}),
        "text": event.text,
    }


def _fresh(case: Case) -> Case:
    """The case as it now stands, with its owner."""
    return Case.objects.select_related("owner").get(pk=case.pk)


def _person(case: Case, username: str | None, field: str) -> Any:
    if not username:
        return None
    for user in helpline_staff(organisation_id=case.organisation_id):
        if user.get_username() == username:
            return user
    raise invalid({field: [_("Choose someone of the helpline.")]})


@router.get(
    "",
    response={200: CasePageOut, **STAFF_ERRORS},
    summary="The helpline's cases, what is overdue first (50 a page)",
)
def case_list(request: HttpRequest, filters: Query[CaseFiltersIn]) -> dict[str, Any]:
    viewer = api_viewer(request)
    if not can_list_cases(viewer):
        raise ApiError(404, _("No case has this id."))
    now = timezone.now()
    chosen = CaseFilters(
        status=filters.status,
        priority=filters.priority,
        category=filters.category,
        county=filters.county,
        municipality=filters.municipality,
        owner=filters.owner,
        opened_from=filters.opened_from,
        opened_to=filters.opened_to,
        text=filters.q,
    )
    paginator = Paginator(case_queue(viewer=viewer, filters=chosen, now=now), PAGE_SIZE)
    page = paginator.get_page(filters.page)
    return {
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "items": [_summary(case, now) for case in page.object_list],
    }


@router.post(
    "",
    openapi_extra=body_example("open"),
    response={200: CaseSummaryOut, 201: CaseSummaryOut, **STAFF_ERRORS},
    summary="Open a case from a report's code or a contact's id (200: it already had one)",
)
def case_open(request: HttpRequest, origin: OpenDraft) -> Any:
    viewer = api_viewer(request)
    if not can_list_cases(viewer):
        raise ApiError(404, _("No case has this id."))
    if not can_change_helpline_cases(viewer):
        raise PermissionDenied
    if origin.report_code:
        report = reports_visible_to(viewer).filter(tracking_code=origin.report_code).first()
        if report is None:
            raise invalid({"report_code": [_("No report has this code.")]})
        opening = services.case_open_from_report(report=report, actor=viewer, request=request)
    else:
        contact = (
            contacts_visible_to(viewer).filter(pk=origin.contact_id).first()
            if origin.contact_id is not None
            else None
        )
        if contact is None:
            raise invalid({"contact_id": [_("No contact has this id.")]})
        opening = services.case_open_from_contact(contact=contact, actor=viewer, request=request)
    return Status(201 if opening.created else 200, _summary(_fresh(opening.case)))


@router.get(
    "/{case_id}",
    response={200: CaseOut, **STAFF_ERRORS},
    exclude_unset=True,
    summary="One case: the fields the caller may read (the read is audited)",
)
def case_detail(request: HttpRequest, case_id: UUID) -> dict[str, Any]:
    case = _case(request, case_id)
    shown = case_for_staff(viewer=api_viewer(request), case=case, request=request)
    request.no_store = True  # type: ignore[attr-defined]
    allowed = shown.shared
    out: dict[str, Any] = {"id": str(case.pk), "fields": sorted(allowed)}
    plain = ("code", "status", "priority", "category", "child_in_danger", "age_band", "gender")
    for name in (*plain, "outside_albania", "summary", "outcome", "created_at"):
        if name in allowed:
            out[name] = getattr(case, name)
    if "priority_reasons" in allowed:
        out["priority_reasons"] = list(case.priority_reasons)
    if "county" in allowed:
        out["county_code"] = case.county.code if case.county else None
    if "municipality" in allowed:
        out["municipality_slug"] = case.municipality.slug if case.municipality else None
    if "owner" in allowed:
        out["owner"] = case.owner.get_username() if case.owner else None
    if "due_times" in allowed:
        due = shown.fields["due_times"]
        out["due_times"] = {
            "first_response_due": due.first_response_due,
            "first_response_at": due.first_response_at,
            "first_response_overdue": due.first_response_overdue,
            "referral_due": due.referral_due,
            "referred_at": due.referred_at,
            "referral_overdue": due.referral_overdue,
        }
    if "origins" in allowed:
        out["origins"] = [
            {"kind": "report", "report_code": origin.report.display_code}
            if origin.report is not None
            else {"kind": "contact", "contact_id": str(origin.contact.pk)}
            for origin in shown.origins
        ]
    if "tasks" in allowed:
        out["tasks"] = [_task(item.task) for item in shown.tasks]
    if "timeline" in allowed:
        out["timeline"] = [_event(entry.event) for entry in shown.timeline]
    return out


@router.post(
    "/{case_id}/triage",
    openapi_extra=body_example("triage"),
    response={200: CaseSummaryOut, **STAFF_ERRORS},
    summary="Confirm the triage, adding reasons (a reason may raise the priority)",
)
def case_triage(request: HttpRequest, case_id: UUID, triage: TriageDraft) -> dict[str, Any]:
    case = _case(request, case_id, write=True)
    with refusals(services.CaseInvalid):
        services.case_triage(
            case=case, actor=api_viewer(request), reasons=triage.reasons, request=request
        )
    return _summary(_fresh(case))


@router.post(
    "/{case_id}/priority",
    openapi_extra=body_example("priority"),
    response={200: CaseSummaryOut, **STAFF_ERRORS},
    summary="Change the priority, with the reason (supervisors)",
)
def case_priority(request: HttpRequest, case_id: UUID, change: PriorityDraft) -> dict[str, Any]:
    case = _supervised(request, case_id)
    with refusals(services.CaseInvalid):
        services.case_priority_change(
            case=case,
            actor=api_viewer(request),
            priority=change.priority,
            reason=change.reason,
            request=request,
        )
    return _summary(_fresh(case))


@router.post(
    "/{case_id}/take",
    response={200: CaseSummaryOut, **STAFF_ERRORS},
    summary="Follow a case nobody follows (409: someone else already does)",
)
def case_take(request: HttpRequest, case_id: UUID) -> dict[str, Any]:
    viewer = api_viewer(request)
    case = _case(request, case_id, write=True)
    with refusals(services.CaseInvalid):
        taken = services.case_take(case=case, actor=viewer, request=request)
    if not taken and case.owner_id != viewer.pk:
        raise ApiError(409, _("Someone else already follows this case."))
    return _summary(_fresh(case))


@router.post(
    "/{case_id}/assign",
    openapi_extra=body_example("assign"),
    response={200: CaseSummaryOut, **STAFF_ERRORS},
    summary="Give the case to an operator or supervisor of the helpline (supervisors)",
)
def case_assign(request: HttpRequest, case_id: UUID, assign: AssignDraft) -> dict[str, Any]:
    case = _supervised(request, case_id)
    owner = _person(case, assign.owner, "owner")
    with refusals(services.CaseInvalid):
        services.case_assign(case=case, actor=api_viewer(request), owner=owner, request=request)
    return _summary(_fresh(case))


@router.post(
    "/{case_id}/handover",
    openapi_extra=body_example("handover"),
    response={200: CaseSummaryOut, **STAFF_ERRORS},
    summary="Hand the case over with a note (its owner, or a supervisor)",
)
def case_handover(request: HttpRequest, case_id: UUID, handover: HandoverDraft) -> dict[str, Any]:
    case = _case(request, case_id, write=True)
    to = _person(case, handover.to, "to")
    with refusals(services.CaseInvalid):
        services.case_handover(
            case=case, actor=api_viewer(request), to=to, note=handover.note, request=request
        )
    return _summary(_fresh(case))


@router.post(
    "/{case_id}/status",
    openapi_extra=body_example("status"),
    response={200: CaseSummaryOut, **STAFF_ERRORS},
    summary="Move a triaged case: in progress, referred, waiting for an institution",
)
def case_status(request: HttpRequest, case_id: UUID, change: StatusDraft) -> dict[str, Any]:
    case = _case(request, case_id, write=True)
    with refusals(services.CaseInvalid):
        services.case_status_change(
            case=case,
            actor=api_viewer(request),
            status=change.status,
            note=change.note,
            request=request,
        )
    return _summary(_fresh(case))


@router.post(
    "/{case_id}/close",
    openapi_extra=body_example("close"),
    response={200: CaseSummaryOut, **STAFF_ERRORS},
    summary="Close the case with its outcome",
)
def case_close(request: HttpRequest, case_id: UUID, closing: CloseDraft) -> dict[str, Any]:
    case = _case(request, case_id, write=True)
    with refusals(services.CaseInvalid):
        services.case_close(
            case=case,
            actor=api_viewer(request),
            outcome=closing.outcome,
            note=closing.note,
            request=request,
        )
    return _summary(_fresh(case))


@router.post(
    "/{case_id}/reopen",
    openapi_extra=body_example("reopen"),
    response={200: CaseSummaryOut, **STAFF_ERRORS},
    summary="Reopen a closed case, saying why",
)
def case_reopen(request: HttpRequest, case_id: UUID, reopening: ReopenDraft) -> dict[str, Any]:
    case = _case(request, case_id, write=True)
    with refusals(services.CaseInvalid):
        services.case_reopen(
            case=case, actor=api_viewer(request), note=reopening.note, request=request
        )
    return _summary(_fresh(case))


@router.post(
    "/{case_id}/summary",
    openapi_extra=body_example("summary"),
    response={200: CaseSummaryOut, **STAFF_ERRORS},
    summary="Replace the helpline's summary of the case",
)
def case_summary(request: HttpRequest, case_id: UUID, summary: SummaryDraft) -> dict[str, Any]:
    case = _case(request, case_id, write=True)
    with refusals(services.CaseInvalid):
        services.case_summary_update(
            case=case, actor=api_viewer(request), summary=summary.summary, request=request
        )
    return _summary(_fresh(case))


@router.post(
    "/{case_id}/notes",
    openapi_extra=body_example("notes"),
    response={201: NoteOut, **STAFF_ERRORS},
    summary="Add a note to the case's timeline",
)
def case_note(request: HttpRequest, case_id: UUID, note: NoteDraft) -> Any:
    case = _case(request, case_id, write=True)
    with refusals(services.CaseInvalid):
        event = services.case_note_add(
            case=case, actor=api_viewer(request), text=note.text, request=request
        )
    request.no_store = True  # type: ignore[attr-defined]
    return Status(201, {"id": str(event.pk), "at": event.at, "text": event.text})


@router.post(
    "/{case_id}/tasks",
    openapi_extra=body_example("tasks"),
    response={201: TaskOut, **STAFF_ERRORS},
    summary="Add a task, with a due time and a person if given",
)
def case_task_add(request: HttpRequest, case_id: UUID, task: TaskDraft) -> Any:
    case = _case(request, case_id, write=True)
    assignee = _person(case, task.assignee, "assignee")
    with refusals(services.CaseInvalid):
        added = services.case_task_add(
            case=case,
            actor=api_viewer(request),
            title=task.title,
            due_at=task.due_at,
            assignee=assignee,
            request=request,
        )
    request.no_store = True  # type: ignore[attr-defined]
    return Status(201, _task(added))


@router.post(
    "/tasks/{task_id}/done",
    response={200: TaskOut, **STAFF_ERRORS},
    summary="Mark a task done (done already: nothing changes)",
)
def case_task_done(request: HttpRequest, task_id: UUID) -> dict[str, Any]:
    with not_found(_("No task has this id.")):
        task = access_case_task(api_viewer(request), task_id, write=True)
    services.case_task_done(task=task, actor=api_viewer(request), request=request)
    request.no_store = True  # type: ignore[attr-defined]
    return _task(CaseTask.objects.select_related("assignee", "done_by").get(pk=task.pk))
