"""The procedure records of a referral to a child protection unit, in the JSON API, mounted at
/api/v1/referrals (``/{referral_id}/procedure``...).

Staff call it with their session and second factor (unsafe methods with the CSRF token);
partner systems with their organisation's API token (``Authorization: Bearer``, decision
0017), whose service account is an officer of the unit. Access is decided by
isigurt.referrals.procedure_permissions, as on the pages: an unknown referral, a referral to
another kind of institution or another unit's referral is 404; the helpline's summary is
read-only (403 on a change). Each record validates through the same draft as the page's form.
"""

from __future__ import annotations

import datetime
from typing import Any, Literal
from uuid import UUID

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from isigurt.api.operations import api_viewer, error_answers, not_found, refusals
from isigurt.referrals import procedure as services
from isigurt.referrals.models import Referral
from isigurt.referrals.procedure_permissions import access_plan_measure, access_procedure
from isigurt.referrals.procedure_selectors import (
    HandoffRow,
    MeasureRow,
    MeetingRow,
    PlanRow,
    ProcedureView,
    ReviewRow,
    WorkerRow,
    handoff_row,
    measure_for_staff,
    measure_row,
    meeting_row,
    plan_row,
    procedure_for_staff,
    review_row,
    worker_row,
)
from isigurt.referrals.procedure_validation import (
    HANDOFF_EXAMPLE,
    MEASURE_EXAMPLE,
    MEETING_EXAMPLE,
    PLAN_EXAMPLE,
    REVIEW_EXAMPLE,
    HandoffDraft,
    MeasureDraft,
    MeasureStatusDraft,
    MeetingDraft,
    PlanDraft,
    ReviewDraft,
    WorkerDraft,
    today,
)

router = Router()

ERRORS = error_answers(400, 401, 403, 404, 413, 415, 422, 429)
_SUMMARY = "null in the helpline's summary"


class WorkerOut(Schema):
    username: str
    name: str


class MeetingOut(Schema):
    id: str
    held_on: datetime.date
    sectors: list[str]
    next_meeting_on: datetime.date | None
    decisions: str | None = Field(description=_SUMMARY)


class MeasureOut(Schema):
    id: str
    sector: str
    due_on: datetime.date | None
    status: str
    overdue: bool = Field(description="Not done by its due date.")
    description: str | None = Field(description=_SUMMARY)
    responsible: str | None = Field(description=_SUMMARY)


class ReviewOut(Schema):
    id: str
    reviewed_on: datetime.date
    next_review_on: datetime.date | None
    summary: str | None = Field(description=_SUMMARY)


class PlanRecordOut(Schema):
    id: str
    approved_on: datetime.date
    status: str
    next_review_on: datetime.date | None
    review_overdue: bool = Field(description="In force, and its next review date has passed.")
    goals: str | None = Field(description=_SUMMARY)


class PlanOut(PlanRecordOut):
    measures: list[MeasureOut]
    reviews: list[ReviewOut]


class HandoffOut(Schema):
    id: str
    to: str
    to_organisation: int | None
    to_organisation_name: str | None
    on: datetime.date
    note: str | None = Field(description=_SUMMARY)


class ProcedureOut(Schema):
    referral: str
    reading: Literal["full", "summary"] = Field(
        description="full: the unit's own record; summary: the helpline's view, without text."
    )
    changeable: bool
    worker_assigned: bool
    worker: WorkerOut | None = Field(description=_SUMMARY + ", or when nobody is assigned")
    meetings: list[MeetingOut]
    plan: PlanOut | None
    handoffs: list[HandoffOut]


def _example(example: dict[str, Any]) -> dict[str, Any]:
    return {"requestBody": {"content": {"application/json": {"example": example}}}}


def _referral(request: HttpRequest, referral_id: UUID, *, write: bool = False) -> Referral:
    request.no_store = True  # type: ignore[attr-defined]
    with not_found(_("No procedure record has this id.")):
        return access_procedure(api_viewer(request), referral_id, write=write)


def _worker(row: WorkerRow) -> dict[str, Any]:
    return {"username": row.username, "name": row.name}


def _meeting(row: MeetingRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "held_on": row.held_on,
        "sectors": list(row.sectors),
        "next_meeting_on": row.next_meeting_on,
        "decisions": row.decisions,
    }


def _measure(row: MeasureRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "sector": row.sector,
        "due_on": row.due_on,
        "status": row.status,
        "overdue": row.overdue,
        "description": row.description,
        "responsible": row.responsible,
    }


def _review(row: ReviewRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "reviewed_on": row.reviewed_on,
        "next_review_on": row.next_review_on,
        "summary": row.summary,
    }


def _plan(row: PlanRow, *, records: bool = True) -> dict[str, Any]:
    plan = {
        "id": row.id,
        "approved_on": row.approved_on,
        "status": row.status,
        "next_review_on": row.next_review_on,
        "review_overdue": row.review_overdue,
        "goals": row.goals,
    }
    if records:
        plan["measures"] = [_measure(measure) for measure in row.measures]
        plan["reviews"] = [_review(review) for review in row.reviews]
    return plan


def _handoff(row: HandoffRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "to": row.to,
        "to_organisation": row.to_organisation_id,
        "to_organisation_name": row.to_organisation,
        "on": row.on,
        "note": row.note,
    }


def _procedure(shown: ProcedureView) -> dict[str, Any]:
    return {
        "referral": str(shown.referral.pk),
        "reading": shown.reading.value,
        "changeable": shown.changeable,
        "worker_assigned": shown.worker_assigned,
        "worker": _worker(shown.worker) if shown.worker else None,
        "meetings": [_meeting(meeting) for meeting in shown.meetings],
        "plan": _plan(shown.plan) if shown.plan else None,
        "handoffs": [_handoff(handoff) for handoff in shown.handoffs],
    }


@router.get(
    "/{referral_id}/procedure",
    response={200: ProcedureOut, **ERRORS},
    summary="A referral's child protection procedure: the unit's record, or the helpline's "
    "summary (the read is audited)",
)
def procedure_detail(request: HttpRequest, referral_id: UUID) -> dict[str, Any]:
    referral = _referral(request, referral_id)
    return _procedure(
        procedure_for_staff(viewer=api_viewer(request), referral=referral, request=request)
    )


@router.put(
    "/{referral_id}/procedure/worker",
    response={200: WorkerOut, **ERRORS},
    summary="Assign the child protection worker (an officer of the unit, by username)",
    openapi_extra=_example({"worker": "pmf.tirana"}),
)
def procedure_worker(request: HttpRequest, referral_id: UUID, worker: WorkerDraft) -> Any:
    referral = _referral(request, referral_id, write=True)
    with refusals(services.ProcedureInvalid):
        services.referral_worker_assign(
            referral=referral, draft=worker, actor=api_viewer(request), request=request
        )
    referral.refresh_from_db(fields=["officer"])
    return _worker(worker_row(referral.officer)) if referral.officer else None


@router.post(
    "/{referral_id}/procedure/meetings",
    response={201: MeetingOut, **ERRORS},
    summary="Record a meeting of the inter-sectoral technical group (GTN)",
    openapi_extra=_example(MEETING_EXAMPLE),
)
def procedure_meeting(request: HttpRequest, referral_id: UUID, meeting: MeetingDraft) -> Any:
    referral = _referral(request, referral_id, write=True)
    with refusals(services.ProcedureInvalid):
        recorded = services.group_meeting_record(
            referral=referral, draft=meeting, actor=api_viewer(request), request=request
        )
    return Status(201, _meeting(meeting_row(recorded, True)))


@router.put(
    "/{referral_id}/procedure/plan",
    response={200: PlanRecordOut, 201: PlanRecordOut, **ERRORS},
    summary="Record the Individual Protection Plan (PIM), or update it (201 when new)",
    openapi_extra=_example(PLAN_EXAMPLE),
)
def procedure_plan(request: HttpRequest, referral_id: UUID, plan: PlanDraft) -> Any:
    referral = _referral(request, referral_id, write=True)
    existed = hasattr(referral, "protection_plan")
    with refusals(services.ProcedureInvalid):
        saved, _changed = services.protection_plan_save(
            referral=referral, draft=plan, actor=api_viewer(request), request=request
        )
    return Status(200 if existed else 201, _plan(plan_row(saved, True, today()), records=False))


@router.post(
    "/{referral_id}/procedure/plan/measures",
    response={201: MeasureOut, **ERRORS},
    summary="Add a measure to the plan",
    openapi_extra=_example(MEASURE_EXAMPLE),
)
def procedure_measure_add(request: HttpRequest, referral_id: UUID, measure: MeasureDraft) -> Any:
    referral = _referral(request, referral_id, write=True)
    with refusals(services.ProcedureInvalid):
        added = services.plan_measure_add(
            referral=referral, draft=measure, actor=api_viewer(request), request=request
        )
    return Status(201, _measure(measure_row(added, True, today())))


@router.patch(
    "/{referral_id}/procedure/plan/measures/{measure_id}",
    response={200: MeasureOut, **ERRORS},
    summary="Set where a measure of the plan stands",
    openapi_extra=_example({"status": "under_way"}),
)
def procedure_measure(
    request: HttpRequest, referral_id: UUID, measure_id: UUID, change: MeasureStatusDraft
) -> Any:
    request.no_store = True  # type: ignore[attr-defined]
    with not_found(_("No procedure record has this id.")):
        measure = access_plan_measure(
            api_viewer(request), measure_id, referral_id=referral_id, write=True
        )
    with refusals(services.ProcedureInvalid):
        services.plan_measure_status_set(
            measure=measure, status=change.status, actor=api_viewer(request), request=request
        )
    return _measure(measure_for_staff(viewer=api_viewer(request), measure=measure, request=request))


@router.post(
    "/{referral_id}/procedure/plan/reviews",
    response={201: ReviewOut, **ERRORS},
    summary="Record a review of the plan (it sets the date of the next one)",
    openapi_extra=_example(REVIEW_EXAMPLE),
)
def procedure_review(request: HttpRequest, referral_id: UUID, review: ReviewDraft) -> Any:
    referral = _referral(request, referral_id, write=True)
    with refusals(services.ProcedureInvalid):
        recorded = services.plan_review_record(
            referral=referral, draft=review, actor=api_viewer(request), request=request
        )
    return Status(201, _review(review_row(recorded, True)))


@router.post(
    "/{referral_id}/procedure/handoffs",
    response={201: HandoffOut, **ERRORS},
    summary="Record that the case was passed to police, prosecution or a court",
    openapi_extra=_example(HANDOFF_EXAMPLE),
)
def procedure_handoff(request: HttpRequest, referral_id: UUID, handoff: HandoffDraft) -> Any:
    referral = _referral(request, referral_id, write=True)
    with refusals(services.ProcedureInvalid):
        recorded = services.handoff_record(
            referral=referral, draft=handoff, actor=api_viewer(request), request=request
        )
    return Status(201, _handoff(handoff_row(recorded, True)))
