"""Staff pages of referrals: the institution's inbox and a referral's page with its actions,
and the helpline's page for referring a case.

Login and a verified second factor are enforced by middleware. Each view asks
isigurt.referrals.permissions (or isigurt.cases.permissions for the case) first — 404 when the
object is not the viewer's to see, 403 when it is visible but not the viewer's to act on —
then hands over to a selector or a service.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from isigurt.audit.services import audit_read
from isigurt.cases.models import Case
from isigurt.cases.permissions import access_case
from isigurt.lib.validation import refusals_onto_form
from isigurt.referrals.forms import (
    InboxFilterForm,
    OfficerForm,
    OutcomeForm,
    QuestionForm,
    SendForm,
    UpdateForm,
    WithdrawForm,
)
from isigurt.referrals.models import Referral
from isigurt.referrals.permissions import (
    access_referral,
    access_referral_answer,
    access_referral_manage,
    can_list_received,
)
from isigurt.referrals.selectors import (
    PAGE_SIZE,
    inbox_counts,
    inbox_for,
    referral_for_staff,
)
from isigurt.referrals.services import (
    ReferralInvalid,
    officers_of,
    referral_acknowledge,
    referral_assign,
    referral_close,
    referral_question,
    referral_send,
    referral_update_post,
    referral_withdraw,
)

# What the page for referring a case reads of it (the audit entry names these).
CASE_FIELDS_FOR_SENDING = ("code", "category", "priority", "municipality", "referrals")


@require_safe
def inbox(request: HttpRequest) -> HttpResponse:
    """The referrals to the viewer's institution, open ones first; 404 for a viewer without
    an inbox."""
    if not can_list_received(request.user):
        raise Http404
    filters = InboxFilterForm(request.GET)
    paginator = Paginator(inbox_for(viewer=request.user, status=filters.chosen()), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "filters": filters,
        "counts": inbox_counts(viewer=request.user),
        "query": query.urlencode(),
    }
    return render(request, "referrals/inbox.html", context)


def _detail_page(
    request: HttpRequest, referral: Referral, *, status: int = 200, **forms_: Any
) -> HttpResponse:
    shown = referral_for_staff(viewer=request.user, referral=referral, request=request)
    context = {
        "shown": shown,
        "referral": referral,
        "officer_form": forms_.get("officer_form")
        or OfficerForm(
            officers=shown.officers,
            initial={"officer": referral.officer_id or request.user.pk},
        ),
        "update_form": forms_.get("update_form") or UpdateForm(),
        "outcome_form": forms_.get("outcome_form") or OutcomeForm(),
        "question_form": forms_.get("question_form") or QuestionForm(),
        "withdraw_form": forms_.get("withdraw_form") or WithdrawForm(),
    }
    return render(request, "referrals/detail.html", context, status=status)


@require_safe
def detail(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    referral = access_referral(request.user, referral_id)
    return _detail_page(request, referral)


def _not_sent(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    """A GET to a form's POST-only address: the way back after a login whose session had
    ended while the form was open. Nothing was sent: say so, and show the referral."""
    referral = access_referral(request.user, referral_id)
    messages.warning(
        request,
        _("Your session had ended, so nothing was sent or changed. Please enter it again."),
    )
    return redirect("referrals:detail", referral_id=referral.pk)


def _back(request: HttpRequest, referral: Referral) -> HttpResponse:
    """To the page the form was on (a case page shows the helpline's forms too), or the
    referral's page."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("referrals:detail", referral_id=referral.pk)


@require_http_methods(["GET", "HEAD", "POST"])
def acknowledge(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    """The institution has received the referral."""
    if request.method != "POST":
        return _not_sent(request, referral_id)
    referral = access_referral_answer(request.user, referral_id)
    if referral_acknowledge(referral=referral, actor=request.user, request=request):
        messages.success(request, _("Acknowledged: the helpline sees that you have it."))
    return redirect("referrals:detail", referral_id=referral.pk)


@require_http_methods(["GET", "HEAD", "POST"])
def officer(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    """Give the referral to an officer of the institution, or take it on (no officer chosen)."""
    if request.method != "POST":
        return _not_sent(request, referral_id)
    referral = access_referral_answer(request.user, referral_id)
    form = OfficerForm(request.POST, officers=list(officers_of(referral.organisation_id)))
    if form.is_valid():
        officer_id = int(form.cleaned_data["officer"] or request.user.pk or 0)
        try:
            referral_assign(
                referral=referral,
                officer_id=officer_id,
                actor=request.user,
                request=request,
            )
        except ReferralInvalid as exc:
            refusals_onto_form(form, exc.errors, "officer")
        else:
            messages.success(request, _("Officer in charge saved."))
            return redirect("referrals:detail", referral_id=referral.pk)
    return _detail_page(request, referral, status=400, officer_form=form)


@require_http_methods(["GET", "HEAD", "POST"])
def update(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    """The institution tells the helpline how things stand."""
    if request.method != "POST":
        return _not_sent(request, referral_id)
    referral = access_referral_answer(request.user, referral_id)
    form = UpdateForm(request.POST)
    if form.is_valid():
        referral_update_post(
            referral=referral, text=form.draft.text, actor=request.user, request=request
        )
        messages.success(request, _("Update sent to the helpline."))
        return redirect("referrals:detail", referral_id=referral.pk)
    return _detail_page(request, referral, status=400, update_form=form)


@require_http_methods(["GET", "HEAD", "POST"])
def outcome(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    """The institution records what came of the referral; it closes."""
    if request.method != "POST":
        return _not_sent(request, referral_id)
    referral = access_referral_answer(request.user, referral_id)
    form = OutcomeForm(request.POST)
    if form.is_valid():
        referral_close(referral=referral, draft=form.draft, actor=request.user, request=request)
        messages.success(request, _("Outcome recorded: the referral is closed."))
        return redirect("referrals:detail", referral_id=referral.pk)
    return _detail_page(request, referral, status=400, outcome_form=form)


@require_http_methods(["GET", "HEAD", "POST"])
def withdraw(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    """The helpline takes the referral back."""
    if request.method != "POST":
        return _not_sent(request, referral_id)
    referral = access_referral_manage(request.user, referral_id)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        referral_withdraw(
            referral=referral, reason=form.draft.text, actor=request.user, request=request
        )
        messages.success(request, _("Referral withdrawn: the institution no longer sees it."))
        return _back(request, referral)
    return _detail_page(request, referral, status=400, withdraw_form=form)


@require_http_methods(["GET", "HEAD", "POST"])
def question(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    """The helpline asks the institution something."""
    if request.method != "POST":
        return _not_sent(request, referral_id)
    referral = access_referral_manage(request.user, referral_id)
    form = QuestionForm(request.POST)
    if form.is_valid():
        referral_question(
            referral=referral, text=form.draft.text, actor=request.user, request=request
        )
        messages.success(request, _("Question sent to the institution."))
        return _back(request, referral)
    return _detail_page(request, referral, status=400, question_form=form)


def _case_page(
    request: HttpRequest, case: Case, form: SendForm, *, status: int = 200
) -> HttpResponse:
    audit_read(actor=request.user, target=case, fields=CASE_FIELDS_FOR_SENDING, request=request)
    return render(request, "referrals/case.html", {"case": case, "form": form}, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def case_referrals(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """The helpline's page for referring a case: its referrals and the form to send it to one
    or more institutions."""
    case = access_case(request.user, case_id, write=True)
    if request.method != "POST":
        return _case_page(request, case, SendForm(case=case))
    form = SendForm(request.POST, case=case)
    if form.is_valid():
        try:
            result = referral_send(case=case, draft=form.draft, actor=request.user, request=request)
        except ReferralInvalid as exc:
            refusals_onto_form(form, exc.errors)
        else:
            if result.created:
                names = ", ".join(referral.organisation.name for referral in result.created)
                messages.success(request, _("Referred to %(names)s.") % {"names": names})
            if result.existing:
                names = ", ".join(referral.organisation.name for referral in result.existing)
                messages.info(
                    request,
                    _("Already referred to %(names)s: nothing changed there.") % {"names": names},
                )
            return redirect("referrals:case", case_id=case.pk)
    return _case_page(request, case, form, status=400)
