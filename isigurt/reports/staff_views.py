"""Helpline pages for reports: the intake queue, open, status, answer, call back.

Login and a verified second factor are enforced by middleware. Each view asks
isigurt.reports.permissions first (``access_*``: 404 when the object is not the viewer's to see,
403 when it is visible but read-only), then hands the object to a selector or a service.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.paginator import EmptyPage, Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from isigurt.lib.validation import refusals_onto_form
from isigurt.reports.forms import ReplyForm, StatusForm
from isigurt.reports.models import Report
from isigurt.reports.permissions import access_evidence, access_report, can_list_reports
from isigurt.reports.selectors import (
    category_labels,
    danger_waiting_count,
    queue_age,
    report_for_staff,
    reports_for_staff,
)
from isigurt.reports.services import (
    EvidenceNotStored,
    ReportInvalid,
    evidence_open,
    report_callback_record,
    report_danger_acknowledge,
    report_mark_read,
    report_message_post,
    report_status_change,
)
from isigurt.reports.staff_forms import CallbackForm, QueueFilterForm

PAGE_SIZE = 50


@require_safe
def staff_danger_count(request: HttpRequest) -> HttpResponse:
    """How many danger-now reports wait, for the banner on every staff page; nothing else.

    Asked every half minute by an open staff page, so it leaves the session's idle time alone:
    a page left open does not keep a session alive.
    """
    count = danger_waiting_count(viewer=request.user)
    if count is None:
        raise Http404
    request.session.save = _unchanged  # type: ignore[method-assign]
    response = JsonResponse({"count": count})
    response["Cache-Control"] = "no-store"
    return response


def _unchanged(*args: Any, **kwargs: Any) -> None:
    """A session save that does nothing (the poll must not extend the session)."""


@require_safe
def staff_list(request: HttpRequest) -> HttpResponse:
    """The helpline's intake queue: every report the viewer may see, most urgent first,
    searched and filtered (a GET form); 404 for a viewer who may see none. A filter value
    that cannot be used answers 400 with its message beside the field."""
    if not can_list_reports(request.user):
        raise Http404
    form = QueueFilterForm(request.GET)
    query = request.GET.copy()
    query.pop("page", None)
    context: dict[str, Any] = {"form": form, "query": query.urlencode(), "page": None, "rows": []}
    if not form.is_valid():
        return render(request, "reports/staff/list.html", context, status=400)
    paginator = Paginator(reports_for_staff(viewer=request.user, filters=form.filters()), PAGE_SIZE)
    try:
        page = paginator.page(form.cleaned_data.get("page") or 1)
    except EmptyPage:
        form.add_error(
            "page",
            _("There is no page %(number)d: the list has %(total)d.")
            % {"number": form.cleaned_data["page"], "total": paginator.num_pages},
        )
        return render(request, "reports/staff/list.html", context, status=400)
    now = timezone.now()
    context["page"] = page
    context["rows"] = [
        {
            "report": report,
            "categories": category_labels(report),
            "age": queue_age(report.created_at, now=now),
            # Annotations of the queue (reports_for_staff): the report's case, if any.
            "case_url": _case_url(report.case_pk)  # type: ignore[attr-defined]
            if getattr(report, "case_visible", False)
            else None,
        }
        for report in page.object_list
    ]
    return render(request, "reports/staff/list.html", context)


# The case page, once case management has one; until then a report's case shows as its code.
CASE_PAGE = "cases:case_detail"


def _case_url(case_pk: Any) -> str | None:
    try:
        return reverse(CASE_PAGE, kwargs={"case_id": case_pk})
    except NoReverseMatch:
        return None


def _detail_page(
    request: HttpRequest,
    report: Report,
    *,
    status: int = 200,
    opened: bool = False,
    **forms_: Any,
) -> HttpResponse:
    last_seen = report_mark_read(report=report, actor=request.user) if opened else None
    shown = report_for_staff(
        viewer=request.user, report=report, request=request, last_seen=last_seen, mark_new=opened
    )
    context = {
        "report": shown,
        "status_form": forms_.get("status_form") or StatusForm(initial={"status": report.status}),
        "reply_form": forms_.get("reply_form") or ReplyForm(),
        "callback_form": forms_.get("callback_form") or CallbackForm(),
    }
    return render(request, "reports/staff/detail.html", context, status=status)


@require_safe
def staff_detail(request: HttpRequest, report_id: UUID) -> HttpResponse:
    """The report; opening it marks it read for the helpline, and the reporter's messages
    since the last opening are marked as new."""
    report = access_report(request.user, report_id)
    return _detail_page(request, report, opened=True)


def _not_sent(request: HttpRequest, report_id: UUID) -> HttpResponse:
    """A GET to a form's POST-only address: the way back after a login whose session had ended
    while the form was open (the login's ``next`` is the address the form posted to). The text
    was not kept: say so, and show the report."""
    report = access_report(request.user, report_id)
    messages.warning(
        request,
        _("Your session had ended, so nothing was sent or changed. Please enter it again."),
    )
    return redirect("reports:staff_detail", report_id=report.pk)


@require_http_methods(["GET", "HEAD", "POST"])
def staff_status(request: HttpRequest, report_id: UUID) -> HttpResponse:
    if request.method != "POST":
        return _not_sent(request, report_id)
    report = access_report(request.user, report_id, write=True)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            report_status_change(
                report=report, status=form.cleaned_data["status"], actor=request.user
            )
        except ReportInvalid as exc:
            refusals_onto_form(form, exc.errors, "status")
        else:
            messages.success(request, _("Status changed."))
            return redirect("reports:staff_detail", report_id=report.pk)
    return _detail_page(request, report, status=400, status_form=form)


@require_http_methods(["GET", "HEAD", "POST"])
def staff_reply(request: HttpRequest, report_id: UUID) -> HttpResponse:
    if request.method != "POST":
        return _not_sent(request, report_id)
    report = access_report(request.user, report_id, write=True)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            report_message_post(report=report, body=form.cleaned_data["body"], actor=request.user)
        except ReportInvalid as exc:
            refusals_onto_form(form, exc.errors, "body")
        else:
            messages.success(
                request, _("Your answer was sent. The reporter sees it with their code.")
            )
            return redirect("reports:staff_detail", report_id=report.pk)
    return _detail_page(request, report, status=400, reply_form=form)


@require_http_methods(["GET", "HEAD", "POST"])
def staff_acknowledge(request: HttpRequest, report_id: UUID) -> HttpResponse:
    """A staff member takes on a danger-now report: it leaves the top of the list."""
    if request.method != "POST":
        return _not_sent(request, report_id)
    report = access_report(request.user, report_id, write=True)
    if report_danger_acknowledge(report=report, actor=request.user):
        messages.success(request, _("Acknowledged: the report no longer heads the list."))
    return redirect("reports:staff_detail", report_id=report.pk)


@require_http_methods(["GET", "HEAD", "POST"])
def staff_callback(request: HttpRequest, report_id: UUID) -> HttpResponse:
    """Record a call-back to a reporter who asked to be called."""
    if request.method != "POST":
        return _not_sent(request, report_id)
    report = access_report(request.user, report_id, write=True)
    form = CallbackForm(request.POST)
    if form.is_valid():
        try:
            report_callback_record(report=report, actor=request.user, **form.cleaned_data)
        except ReportInvalid as exc:
            refusals_onto_form(form, exc.errors)
        else:
            messages.success(request, _("Call-back recorded."))
            return redirect("reports:staff_detail", report_id=report.pk)
    return _detail_page(request, report, status=400, callback_form=form)


_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg"}


@require_safe
def evidence_download(request: HttpRequest, evidence_id: UUID) -> HttpResponse:
    """A stored screenshot, decrypted, always as a download (S10); 404 for a discarded one."""
    evidence = access_evidence(request.user, evidence_id)
    try:
        data, mime = evidence_open(evidence=evidence, actor=request.user, request=request)
    except EvidenceNotStored:
        raise Http404 from None
    extension = _EXTENSIONS.get(mime, "bin")
    response = HttpResponse(data, content_type=mime or "application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="evidence-{evidence.pk}.{extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
