"""The helpline's API, mounted at /api/v1/helpline: contacts (staff) and the taxonomy (public).

Staff operations take the staff session with a verified second factor (the API's default
authentication; unsafe methods also need the CSRF token) and decide access through
isigurt.helpline.permissions, as the pages do: an unknown or invisible contact is 404, a
visible but read-only one 403. A new contact validates through ``ContactDraft``, the same
draft the staff form uses.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from isigurt.api.errors import ApiError, ErrorOut
from isigurt.helpline import services
from isigurt.helpline.models import Contact
from isigurt.helpline.permissions import access_contact, access_contact_log, can_list_contacts
from isigurt.helpline.schemas import (
    ContactFiltersIn,
    ContactOut,
    ContactPageOut,
    TaxonomyOut,
    schema_extra,
)
from isigurt.helpline.selectors import (
    PAGE_SIZE,
    ContactFilters,
    contact_for_staff,
    contacts_for_staff,
)
from isigurt.helpline.taxonomy import taxonomy_tree
from isigurt.helpline.validation import CONTACT_EXAMPLE, ContactDraft

router = Router()

STAFF_ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    413: ErrorOut,
    415: ErrorOut,
    422: ErrorOut,
}


def _viewer(request: HttpRequest) -> Any:
    """The staff user the API's authentication put on the request."""
    return getattr(request, "auth", None)


def _not_found() -> ApiError:
    return ApiError(404, _("No contact has this id."))


def _summary(contact: Contact, topics: list[str]) -> dict[str, Any]:
    return {
        "id": str(contact.pk),
        "channel": contact.channel,
        "caller": contact.caller,
        "age_band": contact.age_band,
        "gender": contact.gender,
        "county_code": contact.county.code if contact.county else None,
        "municipality_slug": contact.municipality.slug if contact.municipality else None,
        "outside_albania": contact.outside_albania,
        "issues": topics,
        "actions": list(contact.actions),
        "referred_to": contact.referred_to,
        "started_at": contact.started_at,
        "ended_at": contact.ended_at,
        "duration_seconds": contact.duration_seconds,
        "operator": contact.operator.get_username(),
        "report_code": contact.report.display_code if contact.report else None,
    }


def _detail(contact: Contact, topics: list[str], callbacks: list[Any]) -> dict[str, Any]:
    return {
        **_summary(contact, topics),
        "summary": contact.summary,
        "caller_phone": contact.caller_phone,
        "callbacks": [
            {
                "id": str(callback.pk),
                "due_at": callback.due_at,
                "made_at": callback.made_at,
                "outcome": callback.outcome,
                "note": callback.note,
                "made_by": callback.made_by.get_username() if callback.made_by else None,
            }
            for callback in callbacks
        ],
    }


@router.get(
    "/taxonomy",
    auth=None,
    response={200: TaxonomyOut, 422: ErrorOut},
    summary="The issues a contact is classified with: main categories and their topics",
)
def taxonomy(request: HttpRequest) -> dict[str, Any]:
    return {"categories": taxonomy_tree()}


@router.get(
    "/contacts",
    response={200: ContactPageOut, **STAFF_ERRORS},
    summary="The helpline's contacts, newest first (50 a page)",
)
def contact_list(request: HttpRequest, filters: Query[ContactFiltersIn]) -> dict[str, Any]:
    if not can_list_contacts(_viewer(request)):
        raise _not_found()
    chosen = ContactFilters(
        channel=filters.channel,
        category=filters.category,
        day=filters.date,
        mine=filters.mine,
    )
    paginator = Paginator(contacts_for_staff(viewer=_viewer(request), filters=chosen), PAGE_SIZE)
    page = paginator.get_page(filters.page)
    return {
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "items": [
            _summary(contact, [issue.topic for issue in contact.issues.all()])
            for contact in page.object_list
        ],
    }


@router.post(
    "/contacts",
    response={201: ContactOut, **STAFF_ERRORS},
    summary="Log a contact",
    openapi_extra=schema_extra(CONTACT_EXAMPLE),
)
def contact_create(request: HttpRequest, contact: ContactDraft) -> Any:
    try:
        access_contact_log(_viewer(request))
    except Http404:
        raise _not_found() from None
    try:
        logged = services.contact_log(draft=contact, actor=_viewer(request), request=request)
    except services.ContactInvalid as exc:
        raise ApiError(422, _("Some answers need another look."), exc.errors) from None
    request.no_store = True  # type: ignore[attr-defined]
    return Status(201, _detail(logged, contact.issues, list(logged.callbacks.all())))


@router.get(
    "/contacts/{contact_id}",
    response={200: ContactOut, **STAFF_ERRORS},
    summary="One contact with its call-backs (the read is audited)",
)
def contact_detail(request: HttpRequest, contact_id: UUID) -> dict[str, Any]:
    try:
        contact = access_contact(_viewer(request), contact_id)
    except Http404:
        raise _not_found() from None
    shown = contact_for_staff(viewer=_viewer(request), contact=contact, request=request)
    request.no_store = True  # type: ignore[attr-defined]
    return _detail(contact, shown.topics, shown.callbacks)
