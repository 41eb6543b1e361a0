"""Reads of cases, always for a given viewer (through isigurt.cases.permissions).

The queue shows no encrypted field (nothing to decrypt, nothing to audit per row) and costs two
queries a page (the count and the rows). Opening a case is a read of the fields the viewer may
see (``case_fields_for``), written to the audit log with their names; the reporter's thread
shown on it is a read of that report's messages, audited too.

Whether a due time is overdue is worked out at read time as well, so the queue flags a breach
before the escalation task has run.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import BooleanField, F, Q, QuerySet, Value, When
from django.db.models import Case as SqlCase
from django.utils import timezone

from isigurt.accounts.models import User
from isigurt.accounts.permissions import HELPLINE_CASES, Access
from isigurt.cases.models import (
    Case,
    CaseEvent,
    CaseEventKind,
    CaseOrigin,
    CaseOutcome,
    CaseStatus,
    CaseTask,
    Priority,
)
from isigurt.cases.permissions import (
    can_supervise,
    case_changeable_by,
    case_fields_for,
    cases_visible_to,
)
from isigurt.cases.triage import TICKABLE, priority_label, reason_labels
from isigurt.reports.models import AgeBand, Category, Gender, Report, ReportMessage
from isigurt.reports.permissions import report_fields_for

PAGE_SIZE = 50
# Statuses in which the referral is no longer awaited (the case went to an institution).
REFERRED_STATUSES = (CaseStatus.REFERRED, CaseStatus.WAITING)
OPEN = "open"
ALL = "all"
MINE = "mine"
UNASSIGNED = "unassigned"


def first_response_overdue(now: datetime.datetime) -> Q:
    """Open cases whose first response is due and has not happened."""
    return Q(first_response_at__isnull=True, first_response_due__lt=now) & ~Q(
        status=CaseStatus.CLOSED
    )


def referral_overdue(now: datetime.datetime) -> Q:
    """Open cases not referred (nor waiting for an institution) past their referral's due time."""
    return Q(referred_at__isnull=True, referral_due__lt=now) & ~Q(
        status__in=(CaseStatus.CLOSED, *REFERRED_STATUSES)
    )


def is_first_response_overdue(case: Case, now: datetime.datetime) -> bool:
    return (
        case.is_open
        and case.first_response_at is None
        and case.first_response_due is not None
        and case.first_response_due < now
    )


def is_referral_overdue(case: Case, now: datetime.datetime) -> bool:
    return (
        case.is_open
        and case.status not in REFERRED_STATUSES
        and case.referred_at is None
        and case.referral_due is not None
        and case.referral_due < now
    )


# --- the queue -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseFilters:
    status: str = OPEN  # "open", "all", or a CaseStatus
    priority: int | None = None
    category: str | None = None
    county: str | None = None  # a county's code
    municipality: str | None = None  # a municipality's slug
    owner: str | None = None  # "mine", "unassigned", or None for anyone
    opened_from: datetime.date | None = None
    opened_to: datetime.date | None = None
    text: str = ""


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def case_queue(
    *, viewer: Any, filters: CaseFilters | None = None, now: datetime.datetime | None = None
) -> QuerySet[Case]:
    """The viewer's helpline cases, what is overdue first, then by priority, then by the next
    due time and age. Each row carries ``overdue`` (worked out now)."""
    from isigurt.cases.search import cases_matching

    filters = filters or CaseFilters()
    now = now or timezone.now()
    cases = cases_visible_to(viewer)
    if filters.status == OPEN:
        cases = cases.exclude(status=CaseStatus.CLOSED)
    elif filters.status in CaseStatus.values:
        cases = cases.filter(status=filters.status)
    if filters.priority in Priority.values:
        cases = cases.filter(priority=filters.priority)
    if filters.category in Category.values:
        cases = cases.filter(category=filters.category)
    if filters.county:
        cases = cases.filter(county__code=filters.county)
    if filters.municipality:
        cases = cases.filter(municipality__slug=filters.municipality)
    if filters.owner == MINE:
        cases = cases.filter(owner_id=getattr(viewer, "pk", None))
    elif filters.owner == UNASSIGNED:
        cases = cases.filter(owner__isnull=True)
    if filters.opened_from:
        cases = cases.filter(created_at__gte=_day_start(filters.opened_from))
    if filters.opened_to:
        cases = cases.filter(
            created_at__lt=_day_start(filters.opened_to + datetime.timedelta(days=1))
        )
    if filters.text.strip():
        cases = cases_matching(cases, filters.text)
    return (
        cases.select_related("owner", "county", "municipality")
        .annotate(
            overdue=SqlCase(
                When(first_response_overdue(now) | referral_overdue(now), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            next_due=SqlCase(
                When(first_response_at__isnull=True, then=F("first_response_due")),
                When(
                    Q(referred_at__isnull=True) & ~Q(status__in=REFERRED_STATUSES),
                    then=F("referral_due"),
                ),
                default=None,
            ),
        )
        .order_by(
            "-overdue",
            "priority",
            F("next_due").asc(nulls_last=True),
            "created_at",
            "code",
        )
    )


@dataclass(frozen=True)
class QueueRow:
    case: Case
    priority: str
    reasons: list[str]
    status: str
    first_response_overdue: bool
    referral_overdue: bool

    @property
    def overdue(self) -> bool:
        return self.first_response_overdue or self.referral_overdue


def queue_rows(cases: Any, *, now: datetime.datetime | None = None) -> list[QueueRow]:
    """What each row of the queue shows (no query: labels and times of the loaded rows)."""
    now = now or timezone.now()
    return [
        QueueRow(
            case=case,
            priority=priority_label(case.priority),
            reasons=reason_labels(case.priority_reasons),
            status=case.get_status_display(),
            first_response_overdue=is_first_response_overdue(case, now),
            referral_overdue=is_referral_overdue(case, now),
        )
        for case in cases
    ]


def helpline_staff(*, organisation_id: Any) -> list[User]:
    """Who may follow a case of this helpline: its active operators and supervisors."""
    writers = [role for role, access in HELPLINE_CASES.items() if access is Access.WRITE]
    return list(
        User.objects.filter(
            organisation_id=organisation_id, is_active=True, role_grants__role__in=writers
        )
        .distinct()
        .order_by("username")
    )


def case_of_report(report: Report) -> Case | None:
    origin = CaseOrigin.objects.filter(report=report).select_related("case").first()
    return origin.case if origin else None


def case_of_contact(contact: Any) -> Case | None:
    origin = CaseOrigin.objects.filter(contact=contact).select_related("case").first()
    return origin.case if origin else None


# --- one case ------------------------------------------------------------------------------


@dataclass(frozen=True)
class OriginView:
    """A report or a contact the case was opened from (or that a merge brought in)."""

    kind: str  # "report" or "contact"
    report: Report | None = None
    contact: Any = None
    thread: list[ReportMessage] = field(default_factory=list)
    thread_shown: bool = False


@dataclass(frozen=True)
class EventView:
    event: CaseEvent
    label: str
    actor: str
    lines: list[str]


@dataclass(frozen=True)
class TaskView:
    task: CaseTask
    overdue: bool


@dataclass(frozen=True)
class DueTimes:
    first_response_due: datetime.datetime | None
    first_response_at: datetime.datetime | None
    first_response_overdue: bool
    referral_due: datetime.datetime | None
    referred_at: datetime.datetime | None
    referral_overdue: bool
    referral_awaited: bool


@dataclass(frozen=True)
class StaffCase:
    """A case as one viewer may see it: only the fields the viewer may read are in ``fields``."""

    id: Any
    code: str
    fields: dict[str, Any]
    shared: frozenset[str]
    changeable: bool = False
    supervise: bool = False
    is_owner: bool = False
    is_open: bool = True
    status: str = ""
    priority: int = Priority.NORMAL
    origins: list[OriginView] = field(default_factory=list)
    timeline: list[EventView] = field(default_factory=list)
    notes: list[EventView] = field(default_factory=list)
    tasks: list[TaskView] = field(default_factory=list)
    staff: list[User] = field(default_factory=list)
    tickable: list[tuple[str, str]] = field(default_factory=list)


def _labels(choices: Any) -> dict[Any, str]:
    return {value: str(label) for value, label in choices}


def _origins(viewer: Any, case: Case, request: Any) -> list[OriginView]:
    """The case's reports (with their thread where the viewer may read it) and contacts; each
    thread shown is an audited read of that report's messages."""
    from isigurt.audit.services import audit_read

    views = []
    for origin in case.origins.select_related("report", "contact", "contact__operator"):
        if origin.report is not None:
            report = origin.report
            readable = "messages" in report_fields_for(viewer, report)
            thread = (
                list(report.messages.select_related("author").order_by("created_at"))
                if readable
                else []
            )
            if readable:
                audit_read(actor=viewer, target=report, fields=["messages"], request=request)
            views.append(
                OriginView(kind="report", report=report, thread=thread, thread_shown=readable)
            )
        elif origin.contact is not None:
            views.append(OriginView(kind="contact", contact=origin.contact))
    return views


def _users(ids: set[Any]) -> dict[Any, str]:
    ids = {value for value in ids if isinstance(value, int)}
    if not ids:
        return {}
    return dict(User.objects.filter(pk__in=ids).values_list("pk", "username"))


def _event_lines(event: CaseEvent, names: dict[Any, str], tasks: dict[str, str]) -> list[str]:
    """What an event's data says, in words (codes become labels, ids become names)."""
    from django.utils.translation import gettext as _

    data = event.data or {}
    statuses = _labels(CaseStatus.choices)
    outcomes = _labels(CaseOutcome.choices)
    kind = event.kind
    lines: list[str] = []
    if kind in (CaseEventKind.OPENED, CaseEventKind.TRIAGED):
        if "priority" in data:
            lines.append(
                _("Priority: %(priority)s") % {"priority": priority_label(data["priority"])}
            )
        if data.get("reasons"):
            lines.append(
                _("Reasons: %(reasons)s") % {"reasons": ", ".join(reason_labels(data["reasons"]))}
            )
        if data.get("added"):
            lines.append(
                _("Added by the operator: %(reasons)s")
                % {"reasons": ", ".join(reason_labels(data["added"]))}
            )
    elif kind == CaseEventKind.PRIORITY_CHANGED:
        lines.append(
            _("From %(before)s to %(after)s")
            % {"before": priority_label(data.get("from")), "after": priority_label(data.get("to"))}
        )
    elif kind in (CaseEventKind.ASSIGNED, CaseEventKind.HANDED_OVER):
        after = names.get(data.get("to"), "—")
        if data.get("taken"):
            lines.append(_("Taken by %(name)s") % {"name": after})
        elif data.get("from"):
            lines.append(
                _("From %(before)s to %(after)s")
                % {"before": names.get(data.get("from"), "—"), "after": after}
            )
        else:
            lines.append(_("To %(name)s") % {"name": after})
    elif kind in (CaseEventKind.STATUS_CHANGED, CaseEventKind.CLOSED, CaseEventKind.REOPENED):
        lines.append(
            _("From %(before)s to %(after)s")
            % {
                "before": statuses.get(data.get("from"), data.get("from", "")),
                "after": statuses.get(data.get("to"), data.get("to", "")),
            }
        )
        if data.get("outcome"):
            outcome = outcomes.get(data["outcome"], data["outcome"])
            lines.append(_("Outcome: %(outcome)s") % {"outcome": outcome})
    elif kind in (CaseEventKind.TASK_ADDED, CaseEventKind.TASK_DONE):
        title = tasks.get(str(data.get("task")))
        if title:
            lines.append(title)
    elif kind == CaseEventKind.ESCALATED:
        if data.get("overdue") == "first_response":
            lines.append(_("The first response is overdue."))
        elif data.get("overdue") == "referral":
            lines.append(_("The referral is overdue."))
    elif kind == CaseEventKind.FIRST_RESPONSE:
        lines.append(_("The helpline answered in the report's thread."))
    return lines


def _timeline(case: Case, tasks: list[CaseTask]) -> list[EventView]:
    events = list(CaseEvent.objects.filter(case=case).select_related("actor").order_by("at", "id"))
    ids: set[Any] = set()
    for event in events:
        if event.kind in (CaseEventKind.ASSIGNED, CaseEventKind.HANDED_OVER):
            ids.update((event.data or {}).get(key) for key in ("from", "to"))
    names = _users(ids)
    titles = {str(task.pk): task.title for task in tasks}
    labels = _labels(CaseEventKind.choices)
    return [
        EventView(
            event=event,
            label=labels.get(event.kind, event.kind),
            actor=event.actor.get_username() if event.actor else "",
            lines=_event_lines(event, names, titles),
        )
        for event in events
    ]


def due_times_of(case: Case, now: datetime.datetime) -> DueTimes:
    return DueTimes(
        first_response_due=case.first_response_due,
        first_response_at=case.first_response_at,
        first_response_overdue=is_first_response_overdue(case, now),
        referral_due=case.referral_due,
        referred_at=case.referred_at,
        referral_overdue=is_referral_overdue(case, now),
        referral_awaited=case.is_open
        and case.referred_at is None
        and case.status not in REFERRED_STATUSES,
    )


def _field_value(case: Case, name: str, now: datetime.datetime) -> Any:
    if name == "status":
        return case.get_status_display()
    if name == "priority":
        return priority_label(case.priority)
    if name == "priority_reasons":
        return reason_labels(case.priority_reasons)
    if name == "category":
        return case.get_category_display()
    if name == "age_band":
        return _labels(AgeBand.choices).get(case.age_band, case.age_band)
    if name == "gender":
        return _labels(Gender.choices).get(case.gender, case.gender)
    if name == "outcome":
        return case.get_outcome_display() if case.outcome else ""
    if name == "due_times":
        return due_times_of(case, now)
    return getattr(case, name)


# Fields of the projection that are lists built from other rows, not attributes.
_PAPERS = frozenset({"origins", "tasks", "timeline", "links", "referrals"})


def case_for_staff(
    *, viewer: Any, case: Case, request: Any = None, now: datetime.datetime | None = None
) -> StaffCase:
    """The viewer's projection of an accessed case; the read is written to the audit log with
    the names of the fields shown."""
    from isigurt.audit.services import audit_read

    now = now or timezone.now()
    allowed = case_fields_for(viewer, case)
    fields = {name: _field_value(case, name, now) for name in sorted(allowed - _PAPERS)}
    tasks = (
        list(case.tasks.select_related("assignee", "done_by").order_by("done_at", "due_at"))
        if "tasks" in allowed
        else []
    )
    timeline = _timeline(case, tasks) if "timeline" in allowed else []
    changeable = case_changeable_by(viewer, case)
    present = set(case.priority_reasons)
    projection = StaffCase(
        id=case.pk,
        code=case.code,
        fields=fields,
        shared=allowed,
        changeable=changeable,
        supervise=can_supervise(viewer, case),
        is_owner=case.owner_id is not None and case.owner_id == getattr(viewer, "pk", None),
        is_open=case.is_open,
        status=case.status,
        priority=case.priority,
        origins=_origins(viewer, case, request) if "origins" in allowed else [],
        timeline=timeline,
        notes=[entry for entry in timeline if entry.event.kind == CaseEventKind.NOTE],
        tasks=[
            TaskView(
                task=task,
                overdue=task.done_at is None and task.due_at is not None and task.due_at < now,
            )
            for task in tasks
        ],
        staff=helpline_staff(organisation_id=case.organisation_id) if changeable else [],
        tickable=[
            (code, label)
            for code, label in zip(TICKABLE, reason_labels(TICKABLE), strict=True)
            if code not in present
        ],
    )
    audit_read(actor=viewer, target=case, fields=sorted(allowed), request=request)
    return projection
