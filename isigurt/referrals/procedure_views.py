"""The child protection unit's procedure page for one referral, and the forms it posts.

Login and a verified second factor are enforced by middleware. Each view asks
isigurt.referrals.procedure_permissions first (404 when the procedure is not the viewer's to
see, 403 when the viewer reads it only), then hands over to a selector or a service. A form
that needs another look comes back on the same page (400) with every answer kept and the
messages listed at the top, each linked to its field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from isigurt.referrals.models import ProtectionPlan, Referral
from isigurt.referrals.procedure import (
    ProcedureInvalid,
    group_meeting_record,
    handoff_record,
    plan_measure_add,
    plan_measure_status_set,
    plan_review_record,
    protection_plan_save,
    referral_worker_assign,
)
from isigurt.referrals.procedure_forms import (
    DraftForm,
    HandoffForm,
    MeasureForm,
    MeasureStatusForm,
    MeetingForm,
    PlanForm,
    ReviewForm,
    WorkerForm,
)
from isigurt.referrals.procedure_permissions import access_plan_measure, access_procedure
from isigurt.referrals.procedure_selectors import (
    ProcedureView,
    handoff_organisations,
    procedure_for_staff,
    worker_candidates,
)


def _page_url(referral: Referral, anchor: str = "") -> str:
    url = reverse("referrals:procedure", kwargs={"referral_id": referral.pk})
    return f"{url}#{anchor}" if anchor else url


def _plan_initial(shown: ProcedureView) -> dict[str, Any]:
    plan = shown.plan
    if plan is None:
        return {}
    return {
        "approved_on": plan.approved_on,
        "goals": plan.goals or "",
        "status": plan.status,
        "next_review_on": plan.next_review_on,
    }


def _forms(referral: Referral, shown: ProcedureView) -> dict[str, Any]:
    """The page's blank forms (only for those who may record)."""
    if not shown.changeable:
        return {}
    has_plan = shown.plan is not None
    forms: dict[str, Any] = {
        "worker": WorkerForm(
            candidates=list(worker_candidates(referral)),
            initial={"worker": shown.worker.username if shown.worker else ""},
        ),
        "meeting": MeetingForm(),
        "plan": PlanForm(editing=has_plan, initial=_plan_initial(shown)),
        "handoff": HandoffForm(organisations=list(handoff_organisations())),
    }
    if shown.plan is not None:
        forms["measure"] = MeasureForm()
        forms["review"] = ReviewForm()
        forms["statuses"] = {
            measure.id: MeasureStatusForm(measure_id=measure.id, initial={"status": measure.status})
            for measure in shown.plan.measures
        }
    return forms


def _page(
    request: HttpRequest,
    referral: Referral,
    *,
    failed: tuple[str, DraftForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    shown = procedure_for_staff(viewer=request.user, referral=referral, request=request)  # type: ignore[arg-type]
    forms = _forms(referral, shown)
    failed_form = None
    if failed is not None:
        key, failed_form = failed
        if key.startswith("status:"):
            forms.setdefault("statuses", {})[key.removeprefix("status:")] = failed_form
        else:
            forms[key] = failed_form
    statuses = forms.get("statuses", {})
    context = {
        "referral": referral,
        "shown": shown,
        "forms": forms,
        "failed_form": failed_form,
        "measure_rows": [
            (measure, statuses.get(measure.id))
            for measure in (shown.plan.measures if shown.plan else ())
        ],
    }
    return render(request, "referrals/procedure/page.html", context, status=status)


@require_safe
def procedure_page(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    """The procedure of one referral: everything for the unit, a summary for the helpline."""
    referral = access_procedure(request.user, referral_id)
    return _page(request, referral)


def _back_after_login(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    """A GET of a form's address (after a login whose session had ended) leads back."""
    referral = access_procedure(request.user, referral_id)
    messages.warning(
        request,
        _("Your session had ended, so nothing was sent or changed. Please enter it again."),
    )
    return redirect(_page_url(referral))


def _record(
    request: HttpRequest,
    referral_id: UUID,
    *,
    key: str,
    form: Callable[[Referral], DraftForm],
    save: Callable[..., Any],
    done: str,
    anchor: str,
) -> HttpResponse:
    if request.method != "POST":
        return _back_after_login(request, referral_id)
    referral = access_procedure(request.user, referral_id, write=True)
    bound = form(referral)
    if bound.is_valid() and bound.draft is not None:
        try:
            save(referral=referral, draft=bound.draft, actor=request.user, request=request)
        except ProcedureInvalid as exc:
            bound.add_draft_errors(exc.errors)
        else:
            messages.success(request, done)
            return redirect(_page_url(referral, anchor))
    return _page(request, referral, failed=(key, bound), status=400)


@require_http_methods(["GET", "HEAD", "POST"])
def procedure_worker(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    return _record(
        request,
        referral_id,
        key="worker",
        form=lambda referral: WorkerForm(
            request.POST, candidates=list(worker_candidates(referral))
        ),
        save=referral_worker_assign,
        done=_("Child protection worker assigned."),
        anchor="worker",
    )


@require_http_methods(["GET", "HEAD", "POST"])
def procedure_meeting(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    return _record(
        request,
        referral_id,
        key="meeting",
        form=lambda referral: MeetingForm(request.POST),
        save=group_meeting_record,
        done=_("Meeting recorded."),
        anchor="meetings",
    )


@require_http_methods(["GET", "HEAD", "POST"])
def procedure_plan(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    return _record(
        request,
        referral_id,
        key="plan",
        form=lambda referral: PlanForm(
            request.POST, editing=ProtectionPlan.objects.filter(referral=referral).exists()
        ),
        save=protection_plan_save,
        done=_("Protection plan saved."),
        anchor="plan",
    )


@require_http_methods(["GET", "HEAD", "POST"])
def procedure_measure_add(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    return _record(
        request,
        referral_id,
        key="measure",
        form=lambda referral: MeasureForm(request.POST),
        save=plan_measure_add,
        done=_("Measure added."),
        anchor="measures",
    )


@require_http_methods(["GET", "HEAD", "POST"])
def procedure_measure(request: HttpRequest, referral_id: UUID, measure_id: UUID) -> HttpResponse:
    """Set where one measure stands."""
    if request.method != "POST":
        return _back_after_login(request, referral_id)
    measure = access_plan_measure(request.user, measure_id, referral_id=referral_id, write=True)
    referral = measure.plan.referral
    form = MeasureStatusForm(request.POST, measure_id=str(measure.pk))
    if form.is_valid() and form.draft is not None:
        try:
            plan_measure_status_set(
                measure=measure, status=form.draft.status, actor=request.user, request=request
            )
        except ProcedureInvalid as exc:
            form.add_draft_errors(exc.errors)
        else:
            messages.success(request, _("Measure updated."))
            return redirect(_page_url(referral, f"measure-{measure.pk}"))
    return _page(request, referral, failed=(f"status:{measure.pk}", form), status=400)


@require_http_methods(["GET", "HEAD", "POST"])
def procedure_review(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    return _record(
        request,
        referral_id,
        key="review",
        form=lambda referral: ReviewForm(request.POST),
        save=plan_review_record,
        done=_("Review recorded."),
        anchor="reviews",
    )


@require_http_methods(["GET", "HEAD", "POST"])
def procedure_handoff(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    return _record(
        request,
        referral_id,
        key="handoff",
        form=lambda referral: HandoffForm(
            request.POST, organisations=list(handoff_organisations())
        ),
        save=handoff_record,
        done=_("Hand-off recorded."),
        anchor="handoffs",
    )
