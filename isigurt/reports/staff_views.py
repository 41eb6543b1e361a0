"""Helpline pages for reports (until case management exists): list, open, status, answer.

Login and a verified second factor are enforced by middleware; who may see what is decided by
the backend's selectors and services (helpline operators and supervisors see reports; anyone
else gets 404, as if the report did not exist).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from isigurt.reports.categories import category_label
from isigurt.reports.forms import ReplyForm, StatusForm
from isigurt.reports.models import Report
from isigurt.reports.selectors import report_for_helpline, report_messages, reports_for_helpline
from isigurt.reports.services import (
    ReportInvalid,
    evidence_open_for_staff,
    is_helpline_user,
    report_message_post,
    report_status_change,
)

PAGE_SIZE = 50


def _require_helpline(request: HttpRequest) -> None:
    if not is_helpline_user(request.user):
        raise Http404


@require_safe
def staff_list(request: HttpRequest) -> HttpResponse:
    """Every report the viewer may see, newest first."""
    _require_helpline(request)
    paginator = Paginator(reports_for_helpline(user=request.user), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    rows = [
        {"report": report, "category": category_label(report.category, "adult")}
        for report in page.object_list
    ]
    return render(request, "reports/staff/list.html", {"page": page, "rows": rows})


def _detail_page(
    request: HttpRequest, report: Report, *, status: int = 200, **forms_: Any
) -> HttpResponse:
    context = {
        "report": report,
        "category": category_label(report.category, "adult"),
        "evidence": list(report.evidence.all()),
        "thread": report_messages(report=report),
        "status_form": forms_.get("status_form") or StatusForm(initial={"status": report.status}),
        "reply_form": forms_.get("reply_form") or ReplyForm(),
    }
    return render(request, "reports/staff/detail.html", context, status=status)


@require_safe
def staff_detail(request: HttpRequest, report_id: UUID) -> HttpResponse:
    report = report_for_helpline(user=request.user, report_id=report_id, request=request)
    return _detail_page(request, report)


@require_POST
def staff_status(request: HttpRequest, report_id: UUID) -> HttpResponse:
    report = report_for_helpline(user=request.user, report_id=report_id, request=request)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            report_status_change(
                report=report, status=form.cleaned_data["status"], actor=request.user
            )
        except PermissionDenied:
            raise Http404 from None
        except ReportInvalid as exc:
            for problems in exc.errors.values():
                for problem in problems:
                    form.add_error("status", problem)
        else:
            messages.success(request, _("Status changed."))
            return redirect("reports:staff_detail", report_id=report.pk)
    return _detail_page(request, report, status=400, status_form=form)


@require_POST
def staff_reply(request: HttpRequest, report_id: UUID) -> HttpResponse:
    report = report_for_helpline(user=request.user, report_id=report_id, request=request)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            report_message_post(report=report, body=form.cleaned_data["body"], actor=request.user)
        except PermissionDenied:
            raise Http404 from None
        except ReportInvalid as exc:
            for problems in exc.errors.values():
                for problem in problems:
                    form.add_error("body", problem)
        else:
            messages.success(
                request, _("Your answer was sent. The reporter sees it with their code.")
            )
            return redirect("reports:staff_detail", report_id=report.pk)
    return _detail_page(request, report, status=400, reply_form=form)


_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg"}


@require_safe
def evidence_download(request: HttpRequest, evidence_id: UUID) -> HttpResponse:
    """A stored screenshot, decrypted for helpline staff, always as a download (S10)."""
    data, mime = evidence_open_for_staff(user=request.user, evidence_id=evidence_id)
    extension = _EXTENSIONS.get(mime, "bin")
    response = HttpResponse(data, content_type=mime or "application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="evidence-{evidence_id}.{extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
