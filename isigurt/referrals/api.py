"""The referrals API, mounted at /api/v1/referrals.

For institutions: their referrals (list, one with only what it shares), acknowledge, post an
update, record the outcome. For the helpline: refer a case to one or more institutions, list a
case's referrals, withdraw one. Authentication is the router's (the API's default, the staff
session with a verified second factor), never an operation's own, so that another scheme can
be added to the whole router; access is decided by isigurt.referrals.permissions, as on the
pages: an unknown or invisible referral or case is 404, a visible one the caller may not act on
403. Errors have the API's one shape, ``ErrorOut``.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.paginator import Paginator
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from isigurt.api.errors import ApiError
from isigurt.api.operations import api_viewer, error_answers, not_found, refusals
from isigurt.cases.models import Case
from isigurt.cases.permissions import access_case
from isigurt.referrals import services
from isigurt.referrals.models import Referral, ReferralUpdate
from isigurt.referrals.permissions import (
    access_referral,
    access_referral_answer,
    access_referral_manage,
    can_list_received,
    referral_fields_for,
    referrals_visible_to,
)
from isigurt.referrals.schemas import (
    InboxFiltersIn,
    ReferralOut,
    ReferralPageOut,
    ReferralSummaryOut,
    SendOut,
    UpdateOut,
    schema_extra,
)
from isigurt.referrals.selectors import (
    PAGE_SIZE,
    ReferralRead,
    inbox_for,
    is_overdue,
    referral_read,
)
from isigurt.referrals.validation import (
    REFERRAL_EXAMPLE,
    OptionalText,
    OutcomeDraft,
    ReferralDraft,
    ReferralText,
)

router = Router()

ERRORS = error_answers(400, 401, 403, 404, 413, 415, 422)


def _referral(request: HttpRequest, referral_id: UUID, access: Any = access_referral) -> Referral:
    with not_found(_("No referral has this id.")):
        referral: Referral = access(api_viewer(request), referral_id)
    return referral


def _case(request: HttpRequest, case_id: UUID) -> Case:
    with not_found(_("No case has this id.")):
        return access_case(api_viewer(request), case_id, write=True)


def _summary(viewer: Any, referral: Referral) -> dict[str, Any]:
    names = referral_fields_for(viewer, referral)
    shares = "shared_fields" in names  # not for an institution once withdrawn
    officer = referral.officer
    return {
        "id": str(referral.pk),
        "organisation_id": referral.organisation_id,
        "organisation": referral.organisation.name,
        "status": referral.status,
        "case_code": referral.case.code if shares else None,
        "sent_at": referral.sent_at,
        "acknowledge_due": referral.acknowledge_due,
        "acknowledged_at": referral.acknowledged_at,
        "overdue": is_overdue(referral),
        "officer": officer.get_username() if officer is not None and "officer" in names else None,
        "outcome": referral.outcome,
        "closed_at": referral.closed_at,
        "shared_groups": list(referral.shared_fields) if shares else [],
    }


def _value(obj: Any, name: str) -> Any:
    value = getattr(obj, name)
    if name == "county":
        return value.code if value is not None else None
    if name == "municipality":
        return value.slug if value is not None else None
    return value


def _update(update: ReferralUpdate, *, helpline: bool) -> dict[str, Any]:
    named = update.from_institution or helpline
    return {
        "id": str(update.pk),
        "kind": update.kind,
        "from_institution": update.from_institution,
        "author": update.author.get_username() if named else None,
        "text": update.text,
        "at": update.at,
    }


def _detail(viewer: Any, read: ReferralRead) -> dict[str, Any]:
    referral = read.referral
    case_fields = {name: _value(referral.case, name) for name in sorted(read.case_names)}
    reports = []
    for shown in read.reports:
        fields = {
            name: _value(shown.report, name)
            for name in sorted(shown.names - {"messages", "evidence"})
        }
        if "category" in fields:
            fields["other_categories"] = list(shown.report.other_categories)
        reports.append(
            {
                "id": str(shown.report.pk),
                "fields": fields,
                "messages": [
                    {
                        "from_helpline": message.from_helpline,
                        "kind": message.kind,
                        "body": message.body,
                        "created_at": message.created_at,
                    }
                    for message in shown.thread
                ]
                if "messages" in shown.names
                else None,
                "evidence": [
                    {
                        "id": str(item.pk),
                        "stored": item.stored,
                        "mime": item.mime,
                        "size": item.size,
                        "sha256": item.sha256,
                    }
                    for item in shown.evidence
                ]
                if "evidence" in shown.names
                else None,
            }
        )
    return {
        **_summary(viewer, referral),
        "request": referral.request if "request" in read.names else None,
        "case": {
            "id": str(referral.case_id) if read.case_names else None,
            "fields": case_fields,
        },
        "reports": reports,
        "updates": [_update(update, helpline=read.helpline) for update in read.updates],
    }


# --- institutions ------------------------------------------------------------------------------


@router.get(
    "",
    response={200: ReferralPageOut, **ERRORS},
    summary="The referrals to the caller's institution, those to acknowledge first (50 a page)",
)
def referral_list(request: HttpRequest, filters: Query[InboxFiltersIn]) -> dict[str, Any]:
    viewer = api_viewer(request)
    if not can_list_received(viewer):
        raise ApiError(404, _("You have no referrals to read."))
    paginator = Paginator(inbox_for(viewer=viewer, status=filters.status), PAGE_SIZE)
    page = paginator.get_page(filters.page)
    request.no_store = True  # type: ignore[attr-defined]
    return {
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "items": [_summary(viewer, referral) for referral in page.object_list],
    }


@router.get(
    "/{referral_id}",
    response={200: ReferralOut, **ERRORS},
    summary="One referral with what it shares of the case and its reports (the read is audited)",
)
def referral_detail(request: HttpRequest, referral_id: UUID) -> dict[str, Any]:
    referral = _referral(request, referral_id)
    read = referral_read(viewer=api_viewer(request), referral=referral, request=request)
    request.no_store = True  # type: ignore[attr-defined]
    return _detail(api_viewer(request), read)


@router.post(
    "/{referral_id}/acknowledge",
    response={200: ReferralSummaryOut, **ERRORS},
    summary="Acknowledge a referral to the caller's institution (again: nothing changes)",
)
def referral_acknowledge(request: HttpRequest, referral_id: UUID) -> dict[str, Any]:
    referral = _referral(request, referral_id, access_referral_answer)
    services.referral_acknowledge(referral=referral, actor=api_viewer(request), request=request)
    return _summary(api_viewer(request), referral)


@router.post(
    "/{referral_id}/updates",
    response={201: UpdateOut, **ERRORS},
    summary="Tell the helpline how things stand on a referral",
    openapi_extra=schema_extra({"text": "We met the family; a plan follows next week."}),
)
def referral_update(request: HttpRequest, referral_id: UUID, body: ReferralText) -> Any:
    referral = _referral(request, referral_id, access_referral_answer)
    update = services.referral_update_post(
        referral=referral, text=body.text, actor=api_viewer(request), request=request
    )
    return Status(201, _update(update, helpline=False))


@router.post(
    "/{referral_id}/outcome",
    response={200: ReferralSummaryOut, **ERRORS},
    summary="Record what came of a referral; it closes",
    openapi_extra=schema_extra({"outcome": "support_given", "text": "Counselling arranged."}),
)
def referral_outcome(request: HttpRequest, referral_id: UUID, body: OutcomeDraft) -> Any:
    referral = _referral(request, referral_id, access_referral_answer)
    services.referral_close(
        referral=referral, draft=body, actor=api_viewer(request), request=request
    )
    return _summary(api_viewer(request), referral)


# --- the helpline ------------------------------------------------------------------------------


@router.post(
    "/{referral_id}/withdraw",
    response={200: ReferralSummaryOut, **ERRORS},
    summary="Withdraw a referral: the institution no longer sees anything of the case",
    openapi_extra=schema_extra({"text": "Referred to the wrong unit."}),
)
def referral_withdraw(request: HttpRequest, referral_id: UUID, body: OptionalText) -> Any:
    referral = _referral(request, referral_id, access_referral_manage)
    services.referral_withdraw(
        referral=referral, reason=body.text, actor=api_viewer(request), request=request
    )
    return _summary(api_viewer(request), referral)


@router.get(
    "/cases/{case_id}",
    response={200: list[ReferralSummaryOut], **ERRORS},
    summary="The referrals of one of the helpline's cases, oldest first",
)
def case_referral_list(request: HttpRequest, case_id: UUID) -> list[dict[str, Any]]:
    case = _case(request, case_id)
    viewer = api_viewer(request)
    referrals = (
        referrals_visible_to(viewer)
        .filter(case=case)
        .select_related("case", "organisation", "officer")
        .order_by("sent_at", "id")
    )
    request.no_store = True  # type: ignore[attr-defined]
    return [_summary(viewer, referral) for referral in referrals]


@router.post(
    "/cases/{case_id}",
    response={200: SendOut, 201: SendOut, **ERRORS},
    summary="Refer a case to one or more institutions (201; 200 when every one already had it)",
    openapi_extra=schema_extra(REFERRAL_EXAMPLE),
)
def case_refer(request: HttpRequest, case_id: UUID, body: ReferralDraft) -> Any:
    case = _case(request, case_id)
    viewer = api_viewer(request)
    with refusals(services.ReferralInvalid):
        result = services.referral_send(case=case, draft=body, actor=viewer, request=request)
    answer = {
        "created": [_summary(viewer, referral) for referral in result.created],
        "existing": [_summary(viewer, referral) for referral in result.existing],
    }
    return Status(201 if result.created else 200, answer)
