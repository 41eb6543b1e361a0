"""The helpline's staff pages for cases: the queue, "my cases", one case and its forms, and
opening a case from a report or a contact.

Login and a verified second factor are enforced by middleware. Each view asks
isigurt.cases.permissions first (404 when the case is not the viewer's to see, 403 when it is
visible but the viewer may not do this), then hands over to a selector or a service. Every
form posts to its own address; a GET there (after a login whose session had ended while the
form was open) leads back to the case and says nothing was changed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from isigurt.cases import services
from isigurt.cases.forms import (
    AssignForm,
    CloseForm,
    DraftForm,
    HandoverForm,
    NoteForm,
    PriorityForm,
    QueueFilterForm,
    ReopenForm,
    StatusForm,
    SummaryForm,
    TaskForm,
    TriageForm,
)
from isigurt.cases.models import Case
from isigurt.cases.permissions import (
    access_case,
    access_case_supervision,
    access_case_task,
    can_list_cases,
)
from isigurt.cases.selectors import (
    MINE,
    PAGE_SIZE,
    case_for_staff,
    case_queue,
    helpline_staff,
    queue_rows,
)
from isigurt.helpline.permissions import access_contact
from isigurt.reports.permissions import access_report

POST_ONLY = require_http_methods(["GET", "HEAD", "POST"])


def _queue_page(request: HttpRequest, *, mine: bool) -> HttpResponse:
    if not can_list_cases(request.user):
        raise Http404
    now = timezone.now()
    filters = QueueFilterForm(request.GET)
    # A filter or search that cannot be read lists nothing: an unfiltered queue would pass for
    # the results of the search.
    refused = not filters.is_valid()
    chosen = filters.filters(owner=MINE if mine else None)
    cases = (
        Case.objects.none() if refused else case_queue(viewer=request.user, filters=chosen, now=now)
    )
    paginator = Paginator(cases, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "rows": queue_rows(page.object_list, now=now),
        "filters": filters,
        "query": query.urlencode(),
        "mine": mine,
        "now": now,
        "filtered": any(value for name, value in request.GET.items() if name not in ("q", "page")),
    }
    return render(request, "cases/queue.html", context, status=400 if refused else 200)


@require_safe
def case_queue_view(request: HttpRequest) -> HttpResponse:
    """The helpline's open cases, what is overdue first; 404 for a viewer without a queue."""
    return _queue_page(request, mine=False)


@require_safe
def case_mine(request: HttpRequest) -> HttpResponse:
    """The cases the viewer follows."""
    return _queue_page(request, mine=True)


def _detail_page(
    request: HttpRequest, case: Case, *, status: int = 200, **forms_: DraftForm
) -> HttpResponse:
    shown = case_for_staff(viewer=request.user, case=case, request=request)
    staff = shown.staff
    # A refused form's messages also head the page: the form may be out of view, or not shown
    # at all in the case's state (a status change of a new case, reopening an open one).
    refused = [
        str(message)
        for form in forms_.values()
        for messages_ in form.errors.values()
        for message in messages_
    ]
    others = [user for user in staff if user.pk != case.owner_id]
    context = {
        "shown": shown,
        "case": case,
        "triage_form": forms_.get("triage_form") or TriageForm(offered=shown.tickable),
        "priority_form": forms_.get("priority_form")
        or PriorityForm(initial={"priority": case.priority}),
        "assign_form": forms_.get("assign_form") or AssignForm(staff=others),
        "handover_form": forms_.get("handover_form") or HandoverForm(staff=others),
        "status_form": forms_.get("status_form") or StatusForm(),
        "close_form": forms_.get("close_form") or CloseForm(),
        "reopen_form": forms_.get("reopen_form") or ReopenForm(),
        "note_form": forms_.get("note_form") or NoteForm(),
        "summary_form": forms_.get("summary_form") or SummaryForm(initial={"summary": case.summary})
        if shown.changeable
        else None,
        "task_form": forms_.get("task_form") or TaskForm(staff=staff),
        "refused": refused,
    }
    return render(request, "cases/detail.html", context, status=status)


@require_safe
def case_detail(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case = access_case(request.user, case_id)
    return _detail_page(request, case)


def _not_sent(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case = access_case(request.user, case_id)
    messages.warning(
        request,
        _("Your session had ended, so nothing was sent or changed. Please enter it again."),
    )
    return redirect("cases:case_detail", case_id=case.pk)


def _back(case: Case) -> HttpResponse:
    return redirect("cases:case_detail", case_id=case.pk)


def _form_action(
    request: HttpRequest,
    case_id: UUID,
    *,
    form_class: type[DraftForm],
    form_name: str,
    act: Callable[[Case, Any], str],
    supervision: bool = False,
    people: bool = False,
) -> HttpResponse:
    """POST a form about a case: access, validate through its draft, call the service (``act``
    returns the message to show), or show the case again with the form's messages (400)."""
    if request.method != "POST":
        return _not_sent(request, case_id)
    if supervision:
        case = access_case_supervision(request.user, case_id)
    else:
        case = access_case(request.user, case_id, write=True)
    kwargs: dict[str, Any] = {}
    if people:
        kwargs["staff"] = helpline_staff(organisation_id=case.organisation_id)
    form = form_class(request.POST, **kwargs)
    if form.is_valid() and form.draft is not None:
        try:
            said = act(case, form.draft)
        except services.CaseInvalid as exc:
            form.add_refusals(exc.errors)
        else:
            if said:
                messages.success(request, said)
            return _back(case)
    return _detail_page(request, case, status=400, **{form_name: form})


def _person(case: Case, username: str) -> Any:
    """The helpline person with this username who may follow ``case`` (or None)."""
    return next(
        (
            user
            for user in helpline_staff(organisation_id=case.organisation_id)
            if user.get_username() == username
        ),
        None,
    )


@POST_ONLY
def case_triage(request: HttpRequest, case_id: UUID) -> HttpResponse:
    def act(case: Case, draft: Any) -> str:
        services.case_triage(case=case, actor=request.user, reasons=draft.reasons, request=request)
        return _("Triage confirmed.")

    return _form_action(request, case_id, form_class=TriageForm, form_name="triage_form", act=act)


@POST_ONLY
def case_priority(request: HttpRequest, case_id: UUID) -> HttpResponse:
    def act(case: Case, draft: Any) -> str:
        services.case_priority_change(
            case=case,
            actor=request.user,
            priority=draft.priority,
            reason=draft.reason,
            request=request,
        )
        return _("Priority changed.")

    return _form_action(
        request,
        case_id,
        form_class=PriorityForm,
        form_name="priority_form",
        act=act,
        supervision=True,
    )


@POST_ONLY
def case_take(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """The viewer takes a case nobody follows (someone faster: the case says who)."""
    if request.method != "POST":
        return _not_sent(request, case_id)
    case = access_case(request.user, case_id, write=True)
    try:
        taken = services.case_take(case=case, actor=request.user, request=request)
    except services.CaseInvalid as exc:
        for problems in exc.errors.values():
            for problem in problems:
                messages.warning(request, problem)
        return _back(case)
    if taken:
        messages.success(request, _("You follow this case now."))
    else:
        messages.warning(request, _("Someone else already follows this case."))
    return _back(case)


@POST_ONLY
def case_assign(request: HttpRequest, case_id: UUID) -> HttpResponse:
    def act(case: Case, draft: Any) -> str:
        owner = _person(case, draft.owner)
        if owner is None:
            raise services.CaseInvalid({"owner": [_("Choose someone of the helpline.")]})
        if not services.case_assign(case=case, actor=request.user, owner=owner, request=request):
            return _("This person already follows the case.")
        return _("Case assigned.")

    return _form_action(
        request,
        case_id,
        form_class=AssignForm,
        form_name="assign_form",
        act=act,
        supervision=True,
        people=True,
    )


@POST_ONLY
def case_handover(request: HttpRequest, case_id: UUID) -> HttpResponse:
    def act(case: Case, draft: Any) -> str:
        to = _person(case, draft.to)
        if to is None:
            raise services.CaseInvalid({"to": [_("Choose someone of the helpline.")]})
        services.case_handover(
            case=case, actor=request.user, to=to, note=draft.note, request=request
        )
        return _("Case handed over.")

    return _form_action(
        request,
        case_id,
        form_class=HandoverForm,
        form_name="handover_form",
        act=act,
        people=True,
    )


@POST_ONLY
def case_status(request: HttpRequest, case_id: UUID) -> HttpResponse:
    def act(case: Case, draft: Any) -> str:
        services.case_status_change(
            case=case, actor=request.user, status=draft.status, note=draft.note, request=request
        )
        return _("Status changed.")

    return _form_action(request, case_id, form_class=StatusForm, form_name="status_form", act=act)


@POST_ONLY
def case_close(request: HttpRequest, case_id: UUID) -> HttpResponse:
    def act(case: Case, draft: Any) -> str:
        services.case_close(
            case=case, actor=request.user, outcome=draft.outcome, note=draft.note, request=request
        )
        return _("Case closed.")

    return _form_action(request, case_id, form_class=CloseForm, form_name="close_form", act=act)


@POST_ONLY
def case_reopen(request: HttpRequest, case_id: UUID) -> HttpResponse:
    def act(case: Case, draft: Any) -> str:
        services.case_reopen(case=case, actor=request.user, note=draft.note, request=request)
        return _("Case reopened.")

    return _form_action(request, case_id, form_class=ReopenForm, form_name="reopen_form", act=act)


@POST_ONLY
def case_note(request: HttpRequest, case_id: UUID) -> HttpResponse:
    def act(case: Case, draft: Any) -> str:
        services.case_note_add(case=case, actor=request.user, text=draft.text, request=request)
        return _("Note added.")

    return _form_action(request, case_id, form_class=NoteForm, form_name="note_form", act=act)


@POST_ONLY
def case_summary(request: HttpRequest, case_id: UUID) -> HttpResponse:
    def act(case: Case, draft: Any) -> str:
        changed = services.case_summary_update(
            case=case, actor=request.user, summary=draft.summary, request=request
        )
        return _("Summary saved.") if changed else ""

    return _form_action(request, case_id, form_class=SummaryForm, form_name="summary_form", act=act)


@POST_ONLY
def case_task_add(request: HttpRequest, case_id: UUID) -> HttpResponse:
    def act(case: Case, draft: Any) -> str:
        assignee = None
        if draft.assignee:
            assignee = _person(case, draft.assignee)
            if assignee is None:
                raise services.CaseInvalid({"assignee": [_("Choose someone of the helpline.")]})
        services.case_task_add(
            case=case,
            actor=request.user,
            title=draft.title,
            due_at=draft.due_at,
            assignee=assignee,
            request=request,
        )
        return _("Task added.")

    return _form_action(
        request, case_id, form_class=TaskForm, form_name="task_form", act=act, people=True
    )


@POST_ONLY
def case_task_done(request: HttpRequest, task_id: UUID) -> HttpResponse:
    if request.method != "POST":
        task = access_case_task(request.user, task_id)
        return _not_sent(request, task.case_id)
    task = access_case_task(request.user, task_id, write=True)
    if services.case_task_done(task=task, actor=request.user, request=request):
        messages.success(request, _("Task done."))
    return _back(task.case)


# --- opening a case from a report or a contact ----------------------------------------------


def _opened(request: HttpRequest, opening: services.CaseOpening) -> HttpResponse:
    if opening.created:
        messages.success(request, _("Case %(code)s opened.") % {"code": opening.case.code})
    else:
        messages.info(request, _("This is already in case %(code)s.") % {"code": opening.case.code})
    return _back(opening.case)


@POST_ONLY
def case_open_report(request: HttpRequest, report_id: UUID) -> HttpResponse:
    """Open a case from a report (or go to the case it is already in)."""
    if request.method != "POST":
        report = access_report(request.user, report_id)
        messages.warning(
            request,
            _("Your session had ended, so nothing was sent or changed. Please enter it again."),
        )
        return redirect("reports:staff_detail", report_id=report.pk)
    report = access_report(request.user, report_id, write=True)
    if not can_list_cases(request.user):
        raise Http404
    opening = services.case_open_from_report(report=report, actor=request.user, request=request)
    return _opened(request, opening)


@POST_ONLY
def case_open_contact(request: HttpRequest, contact_id: UUID) -> HttpResponse:
    """Open a case from a helpline contact (or go to the case it is already in)."""
    if request.method != "POST":
        contact = access_contact(request.user, contact_id)
        messages.warning(
            request,
            _("Your session had ended, so nothing was sent or changed. Please enter it again."),
        )
        return redirect("helpline:contact_detail", contact_id=contact.pk)
    contact = access_contact(request.user, contact_id, write=True)
    if not can_list_cases(request.user):
        raise Http404
    opening = services.case_open_from_contact(contact=contact, actor=request.user, request=request)
    return _opened(request, opening)
