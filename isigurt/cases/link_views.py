"""Staff pages for links between cases and for merging: confirm or dismiss a suggested link,
and merge two cases after a confirmation page.

Login and a verified second factor are enforced by middleware. Each view asks
isigurt.cases.permissions first (404 when a case or link is not the viewer's to see, 403 when
visible but read-only), then hands over to isigurt.cases.linking or isigurt.cases.merge.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from isigurt.audit.services import audit_read
from isigurt.cases.link_forms import OTHER, LinkDecisionForm, MergeForm
from isigurt.cases.linking import case_link_confirm, case_link_dismiss
from isigurt.cases.merge import MergeRefused, case_merge, merge_plan, merge_problem
from isigurt.cases.permissions import access_case, access_case_link

# The fields of each case the merge page shows, as its audit entry names them.
MERGE_PAGE_FIELDS = ("code", "status", "category", "created_at", "origins", "tasks", "links",
                     "referrals")  # fmt: skip


def _not_sent(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """A GET to a POST-only address (the way back after a login whose session had ended):
    nothing was changed; back to the case."""
    case = access_case(request.user, case_id)
    messages.warning(
        request,
        _("Your session had ended, so nothing was sent or changed. Please enter it again."),
    )
    return redirect("cases:case_detail", case.pk)


def _decide(request: HttpRequest, case_id: UUID, link_id: UUID, *, confirm: bool) -> HttpResponse:
    if request.method != "POST":
        return _not_sent(request, case_id)
    case = access_case(request.user, case_id, write=True)
    link = access_case_link(request.user, case, link_id, write=True)
    form = LinkDecisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("cases:case_detail", case.pk)
    decide = case_link_confirm if confirm else case_link_dismiss
    decide(link=link, actor=request.user, note=form.cleaned_data["note"], request=request)
    messages.success(request, _("Link confirmed.") if confirm else _("Suggested link dismissed."))
    return redirect("cases:case_detail", case.pk)


@require_http_methods(["GET", "HEAD", "POST"])
def link_confirm(request: HttpRequest, case_id: UUID, link_id: UUID) -> HttpResponse:
    return _decide(request, case_id, link_id, confirm=True)


@require_http_methods(["GET", "HEAD", "POST"])
def link_dismiss(request: HttpRequest, case_id: UUID, link_id: UUID) -> HttpResponse:
    return _decide(request, case_id, link_id, confirm=False)


@require_http_methods(["GET", "HEAD", "POST"])
def merge(request: HttpRequest, case_id: UUID, other_id: UUID) -> HttpResponse:
    """What a merge of two cases would move, the choice of the case that goes on, and the
    merge itself."""
    case = access_case(request.user, case_id, write=True)
    other = access_case(request.user, other_id, write=True)
    form = MergeForm(request.POST or None, case=case, other=other)
    status = 200
    if request.method == "POST" and form.is_valid():
        survivor, duplicate = (
            (other, case) if form.cleaned_data["survivor"] == OTHER else (case, other)
        )
        try:
            result = case_merge(
                survivor=survivor,
                duplicate=duplicate,
                actor=request.user,
                note=form.cleaned_data["note"],
                request=request,
            )
        except MergeRefused as refused:
            form.add_error("survivor", refused.message)
        else:
            messages.success(
                request,
                _("Case %(duplicate)s was merged into %(survivor)s.")
                % {"duplicate": duplicate.code, "survivor": survivor.code},
            )
            for referral in result.referrals_kept:
                messages.warning(
                    request,
                    _(
                        "The referral to %(institution)s stayed with case %(duplicate)s: case"
                        " %(survivor)s was already referred there."
                    )
                    % {
                        "institution": referral.organisation.name,
                        "duplicate": duplicate.code,
                        "survivor": survivor.code,
                    },
                )
            return redirect("cases:case_detail", survivor.pk)
    if request.method == "POST":
        status = 400
    plans = {
        "this": merge_plan(survivor=case, duplicate=other),
        "other": merge_plan(survivor=other, duplicate=case),
    }
    problems = {
        "this": merge_problem(case, other),
        "other": merge_problem(other, case),
    }
    with transaction.atomic():
        for shown in (case, other):
            audit_read(actor=request.user, target=shown, fields=MERGE_PAGE_FIELDS, request=request)
        response = render(
            request,
            "cases/merge.html",
            {
                "case": case,
                "other": other,
                "form": form,
                "plans": plans,
                "problems": problems,
                "mergeable": not (problems["this"] and problems["other"]),
            },
            status=status,
        )
    return response
