"""The helpline's staff pages for contacts: the list, a new contact, one contact, its
correction and its call-backs.

Login and a verified second factor are enforced by middleware. Each view asks
isigurt.helpline.permissions first (404 when the object is not the viewer's to see, 403 when it
is visible but read-only), then hands over to a selector or a service.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from isigurt.accounts.permissions import can_change_helpline_contacts
from isigurt.geography.selectors import OUTSIDE_ALBANIA
from isigurt.helpline.forms import CallBackForm, ContactForm, FilterForm, format_duration
from isigurt.helpline.models import Contact
from isigurt.helpline.permissions import access_contact, access_contact_log, can_list_contacts
from isigurt.helpline.selectors import (
    PAGE_SIZE,
    ContactFilters,
    contact_for_staff,
    contacts_for_staff,
    issue_labels,
)
from isigurt.helpline.services import (
    ContactInvalid,
    callback_record,
    contact_log,
    contact_update,
)
from isigurt.lib.validation import refusals_onto_form


@require_safe
def contact_list(request: HttpRequest) -> HttpResponse:
    """The helpline's contacts, newest first, filtered; 404 for a viewer who may see none."""
    if not can_list_contacts(request.user):
        raise Http404
    filters = FilterForm(request.GET)
    chosen = filters.values()
    paginator = Paginator(
        contacts_for_staff(viewer=request.user, filters=ContactFilters(**chosen)), PAGE_SIZE
    )
    page = paginator.get_page(request.GET.get("page"))
    rows = [
        {
            "contact": contact,
            "issues": issue_labels(contact),
            "duration": format_duration(contact.duration_seconds),
        }
        for contact in page.object_list
    ]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "rows": rows,
        "filters": filters,
        "query": query.urlencode(),
        "can_log": can_change_helpline_contacts(request.user),
    }
    return render(request, "helpline/list.html", context)


def _form_page(
    request: HttpRequest, form: ContactForm, *, contact: Contact | None = None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "helpline/form.html",
        {"form": form, "contact": contact, "issue_groups": form.issue_groups()},
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def contact_new(request: HttpRequest) -> HttpResponse:
    """The fast form an operator fills in during or right after a contact."""
    access_contact_log(request.user)
    if request.method != "POST":
        return _form_page(request, ContactForm())
    form = ContactForm(request.POST)
    if form.is_valid() and form.contact_draft is not None:
        try:
            contact = contact_log(draft=form.contact_draft, actor=request.user, request=request)
        except ContactInvalid as exc:
            form.add_draft_errors(exc.errors)
        else:
            messages.success(request, _("Contact logged."))
            return redirect("helpline:contact_detail", contact_id=contact.pk)
    return _form_page(request, form, status=400)


def _detail_page(
    request: HttpRequest, contact: Contact, *, form: CallBackForm | None = None, status: int = 200
) -> HttpResponse:
    shown = contact_for_staff(viewer=request.user, contact=contact, request=request)
    context = {
        "shown": shown,
        "contact": contact,
        "duration": format_duration(contact.duration_seconds),
        "callback_form": form or CallBackForm(),
    }
    return render(request, "helpline/detail.html", context, status=status)


@require_safe
def contact_detail(request: HttpRequest, contact_id: UUID) -> HttpResponse:
    contact = access_contact(request.user, contact_id)
    return _detail_page(request, contact)


def _initial(contact: Contact) -> dict[str, Any]:
    county = OUTSIDE_ALBANIA if contact.outside_albania else getattr(contact.county, "code", "")
    pending = contact.callbacks.filter(outcome="").first()
    due = pending.due_at if pending is not None else None
    return {
        "channel": contact.channel,
        "caller": contact.caller,
        "age_band": contact.age_band,
        "gender": contact.gender,
        "county_code": county,
        "municipality_slug": getattr(contact.municipality, "slug", ""),
        "issues": list(contact.issues.order_by("id").values_list("topic", flat=True)),
        "actions": contact.actions,
        "referred_to": contact.referred_to,
        "caller_phone": contact.caller_phone,
        "callback_due_at": timezone.localtime(due) if due else None,
        "report_code": contact.report.display_code if contact.report else "",
        "summary": contact.summary,
        "duration": format_duration(contact.duration_seconds),
    }


@require_http_methods(["GET", "HEAD", "POST"])
def contact_edit(request: HttpRequest, contact_id: UUID) -> HttpResponse:
    """Correct a logged contact (the same form, without the timer)."""
    contact = access_contact(request.user, contact_id, write=True)
    if request.method != "POST":
        # The form shows the summary and the caller's number: a read, audited as on the detail.
        shown = contact_for_staff(viewer=request.user, contact=contact, request=request)
        form = ContactForm(initial=_initial(shown.contact), editing=True)
        return _form_page(request, form, contact=contact)
    form = ContactForm(request.POST, editing=True)
    if form.is_valid() and form.contact_draft is not None:
        try:
            contact_update(
                contact=contact, draft=form.contact_draft, actor=request.user, request=request
            )
        except ContactInvalid as exc:
            form.add_draft_errors(exc.errors)
        else:
            messages.success(request, _("Contact saved."))
            return redirect("helpline:contact_detail", contact_id=contact.pk)
    return _form_page(request, form, contact=contact, status=400)


@require_http_methods(["GET", "HEAD", "POST"])
def contact_callback(request: HttpRequest, contact_id: UUID) -> HttpResponse:
    """Record a call-back made; a GET (after a login whose session had ended) leads back."""
    if request.method != "POST":
        contact = access_contact(request.user, contact_id)
        messages.warning(
            request,
            _("Your session had ended, so nothing was sent or changed. Please enter it again."),
        )
        return redirect("helpline:contact_detail", contact_id=contact.pk)
    contact = access_contact(request.user, contact_id, write=True)
    form = CallBackForm(request.POST)
    if form.is_valid():
        try:
            callback_record(
                contact=contact,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                actor=request.user,
                request=request,
            )
        except ContactInvalid as exc:
            refusals_onto_form(form, exc.errors)
        else:
            messages.success(request, _("Call-back recorded."))
            return redirect("helpline:contact_detail", contact_id=contact.pk)
    return _detail_page(request, contact, form=form, status=400)
