"""Every write to cases: open one from a report or a contact, triage it, change its priority,
take, assign and hand it over, move and close it, add notes and tasks, and escalate overdue ones.

Each is one transaction holding the change, its timeline event (isigurt.cases.timeline) and its
audit entry (field names, never values). Callers have already asked isigurt.cases.permissions
(``access_case``, ``access_case_supervision``, ``access_case_task``); as a second line every
service asks the same module before writing. A case's status only ever moves through
``isigurt.cases.lifecycle.case_move``, which moves its reports for the reporter too.

Due times run from the moment the helpline heard of the matter (the report's arrival, the
contact's start), not from the case's opening: a report that waited in the intake list has
already used some of its time.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from isigurt.accounts.permissions import can_change_helpline_cases
from isigurt.audit.services import audit_record
from isigurt.cases import linking
from isigurt.cases.lifecycle import case_move, case_reports_follow
from isigurt.cases.models import (
    Case,
    CaseEvent,
    CaseEventKind,
    CaseLink,
    CaseOrigin,
    CaseStatus,
    CaseTask,
    LinkStatus,
    Priority,
)
from isigurt.cases.permissions import can_supervise, case_changeable_by
from isigurt.cases.selectors import first_response_overdue, referral_overdue
from isigurt.cases.timeline import case_event_record
from isigurt.cases.triage import (
    RULE_FOR,
    TICKABLE,
    TriageFacts,
    due_times,
    ordered_reasons,
    triage,
)
from isigurt.cases.validation import (
    CLOSING_OUTCOMES,
    MANUAL_STATUSES,
    MAX_NOTE_LENGTH,
    MAX_REASON_LENGTH,
    MAX_SUMMARY_LENGTH,
    MAX_TASK_TITLE_LENGTH,
    TextProblem,
    clean_text,
)
from isigurt.helpline.models import Contact, ContactAction, ContactIssue
from isigurt.helpline.permissions import contact_changeable_by
from isigurt.outbox.services import outbox_enqueue
from isigurt.reports.models import Category, Report, ReportMessage
from isigurt.reports.permissions import report_changeable_by
from isigurt.reports.services import CODE_ALPHABET, report_danger_acknowledge

logger = logging.getLogger(__name__)

CASE_CODE_PREFIX = "C"
CASE_CODE_LENGTH = 8  # symbols after the prefix, from the tracking codes' alphabet
ESCALATED_TOPIC = "cases.escalated"
FIRST_RESPONSE = "first_response"
REFERRAL = "referral"
# Cases escalated in one run at most (the next run, a minute later, takes the rest).
ESCALATION_BATCH = 500

# A contact's case takes the report category its most serious topic belongs to (the order of
# the report categories); a contact about nothing of these is "something else".
TOPIC_CATEGORIES: dict[str, str] = {
    "online.abuse_material": Category.ABUSE_MATERIAL,
    "online.grooming": Category.GROOMING,
    "online.sextortion": Category.SEXTORTION,
    "online.cyberbullying": Category.BULLYING,
    "violence.bullying": Category.BULLYING,
    "online.hate": Category.HATE,
    "discrimination.ethnicity": Category.HATE,
    "discrimination.disability": Category.HATE,
    "discrimination.gender": Category.HATE,
    "discrimination.other": Category.HATE,
    "online.harmful_content": Category.HARMFUL_CONTENT,
}


class CaseInvalid(Exception):
    """The change breaks a rule; ``errors`` maps a field to its messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__("case invalid")


@dataclass(frozen=True)
class CaseOpening:
    case: Case
    created: bool  # False: the report or contact was already in this case


# --- helpers -------------------------------------------------------------------------------


def _text(value: object, *, field: str, limit: int, required: bool, newlines: bool = True) -> str:
    try:
        return clean_text(value, limit=limit, required=required, newlines=newlines)
    except TextProblem as exc:
        raise CaseInvalid({field: [exc.message]}) from None


def _may_change(actor: Any, case: Case) -> None:
    if not case_changeable_by(actor, case):
        raise PermissionDenied


def _must_be_open(case: Case, field: str) -> None:
    if not case.is_open:
        raise CaseInvalid({field: [_("The case is closed: reopen it first.")]})


def _lock(case: Case) -> None:
    """Hold the case's row until the transaction ends, and read it afresh."""
    Case.objects.select_for_update().filter(pk=case.pk).values_list("pk", flat=True).first()
    case.refresh_from_db()


def _free_case_code() -> str:
    """ "C" and eight symbols of the tracking codes' alphabet, not yet used (40 bits: a clash
    is rare, and the unique index refuses the one that slips through)."""
    for _attempt in range(10):
        code = CASE_CODE_PREFIX + "".join(
            secrets.choice(CODE_ALPHABET) for _ in range(CASE_CODE_LENGTH)
        )
        if not Case.objects.filter(code=code).exists():
            return code
    raise RuntimeError("no free case code")  # pragma: no cover - 10 clashes in 2^40


def eligible_owner(user: Any, case: Case) -> bool:
    """Whether ``user`` may follow ``case``: an active helpline operator or supervisor of the
    case's own helpline."""
    return (
        user is not None
        and getattr(user, "is_active", False)
        and user.organisation_id == case.organisation_id
        and can_change_helpline_cases(user)
    )


def _received_at(case: Case) -> datetime:
    """When the helpline heard of the matter: the earliest report or contact of the case."""
    times: list[datetime] = []
    for origin in case.origins.select_related("report", "contact"):
        if origin.report is not None:
            times.append(origin.report.created_at)
        if origin.contact is not None:
            times.append(origin.contact.started_at)
    return min(times) if times else case.created_at


def case_facts(case: Case, *, ticked: tuple[str, ...] | list[str] = ()) -> TriageFacts:
    """What triage reads of ``case``: its own fields, its reports' categories, its contacts'
    topics, and whether other cases share something with it (a link not dismissed)."""
    categories = {case.category}
    report_ids, contact_ids = [], []
    for origin in case.origins.select_related("report"):
        if origin.report is not None:
            report_ids.append(origin.report_id)
            categories.add(origin.report.category)
            categories.update(origin.report.other_categories or [])
        if origin.contact_id is not None:
            contact_ids.append(origin.contact_id)
    topics = set(
        ContactIssue.objects.filter(contact_id__in=contact_ids).values_list("topic", flat=True)
    )
    shares = (
        CaseLink.objects.filter(Q(first=case) | Q(second=case))
        .exclude(status=LinkStatus.DISMISSED)
        .exists()
    )
    return TriageFacts(
        child_in_danger=case.child_in_danger,
        age_band=case.age_band,
        categories=frozenset(categories),
        topics=frozenset(topics),
        shares_with_other_cases=shares,
        ticked=frozenset(ticked),
    )


def category_for_topics(topics: list[str]) -> str:
    """The report category of a contact's topics (the most serious one)."""
    found = {TOPIC_CATEGORIES[topic] for topic in topics if topic in TOPIC_CATEGORIES}
    return next((value for value in Category.values if value in found), Category.OTHER)


# --- opening -------------------------------------------------------------------------------


def _may_open(actor: Any) -> None:
    if not can_change_helpline_cases(actor) or getattr(actor, "organisation_id", None) is None:
        raise PermissionDenied


def _existing(actor: Any, **origin: Any) -> Case | None:
    """The case a report or a contact is already in (PermissionDenied when it is another
    helpline's)."""
    found = CaseOrigin.objects.filter(**origin).select_related("case").first()
    if found is None:
        return None
    if found.case.organisation_id != actor.organisation_id:
        raise PermissionDenied
    return found.case


def _open(
    *,
    actor: Any,
    values: dict[str, Any],
    received_at: datetime,
    first_response_at: datetime | None,
    origin: dict[str, Any],
    request: Any,
) -> Case:
    """The new case, its origin, its terms, its automatic triage, its event and audit entry."""
    case = Case(
        code=_free_case_code(),
        organisation_id=actor.organisation_id,
        opened_by=actor,
        status=CaseStatus.NEW,
        first_response_at=first_response_at,
        **values,
    )
    case.save(force_insert=True)
    CaseOrigin.objects.create(case=case, **origin)
    linking.case_index(case)
    found = triage(case_facts(case))
    case.priority = found.priority
    case.priority_reasons = list(found.reasons)
    case.first_response_due, case.referral_due = due_times(found.priority, received_at)
    case.save(update_fields=["priority", "priority_reasons", "first_response_due", "referral_due"])
    source = {name: str(value.pk) for name, value in origin.items()}
    case_event_record(
        case=case,
        kind=CaseEventKind.OPENED,
        actor=actor,
        data={**source, "priority": case.priority, "reasons": case.priority_reasons},
    )
    written = [name for name, value in values.items() if value not in (None, "", False)]
    audit_record(
        actor=actor,
        action="case.opened",
        target=case,
        fields=[
            "code",
            "status",
            *written,
            "priority",
            "priority_reasons",
            "first_response_due",
            "referral_due",
            *(["first_response_at"] if first_response_at else []),
            "origins",
        ],
        request=request,
    )
    return case


def case_open_from_report(*, report: Report, actor: Any, request: Any = None) -> CaseOpening:
    """Open a case from ``report`` (or return the case it is already in).

    The case copies the report's category, danger, age, gender and place, and is triaged at
    once (it stays NEW until an operator confirms the triage). A helpline answer already in
    the report's thread counts as the first response. The report moves to "being looked at"
    for the reporter, and a danger-now report is acknowledged: someone is acting on it.
    """
    _may_open(actor)
    if not report_changeable_by(actor, report):
        raise PermissionDenied
    with transaction.atomic():
        # Two operators opening the same report at once: the second waits, then finds the case.
        Report.objects.select_for_update().filter(pk=report.pk).values_list("pk").first()
        existing = _existing(actor, report=report)
        if existing is not None:
            return CaseOpening(case=existing, created=False)
        answered = (
            ReportMessage.objects.filter(report=report, from_helpline=True)
            .order_by("created_at")
            .values_list("created_at", flat=True)
            .first()
        )
        case = _open(
            actor=actor,
            values={
                "category": report.category,
                "child_in_danger": report.child_in_danger,
                "age_band": report.age_band,
                "gender": report.gender,
                "county": report.county,
                "municipality": report.municipality,
                "outside_albania": report.outside_albania,
            },
            received_at=report.created_at,
            first_response_at=answered,
            origin={"report": report},
            request=request,
        )
        report_danger_acknowledge(report=report, actor=actor)
        case_reports_follow(case=case, actor=actor)
    return CaseOpening(case=case, created=True)


def case_open_from_contact(*, contact: Contact, actor: Any, request: Any = None) -> CaseOpening:
    """Open a case from a helpline contact (or return the case it is already in).

    The case takes the category of the contact's most serious topic and the contact's age,
    gender and place. The contact itself was the helpline's first response; the contact
    records that a case was opened.
    """
    _may_open(actor)
    if not contact_changeable_by(actor, contact):
        raise PermissionDenied
    with transaction.atomic():
        Contact.objects.select_for_update().filter(pk=contact.pk).values_list("pk").first()
        existing = _existing(actor, contact=contact)
        if existing is not None:
            return CaseOpening(case=existing, created=False)
        topics = list(contact.issues.order_by("id").values_list("topic", flat=True))
        case = _open(
            actor=actor,
            values={
                "category": category_for_topics(topics),
                "age_band": contact.age_band,
                "gender": contact.gender,
                "county": contact.county,
                "municipality": contact.municipality,
                "outside_albania": contact.outside_albania,
            },
            received_at=contact.started_at,
            first_response_at=contact.ended_at,
            origin={"contact": contact},
            request=request,
        )
        contact.refresh_from_db(fields=["actions"])
        if ContactAction.CASE_OPENED not in contact.actions:
            contact.actions = [*contact.actions, str(ContactAction.CASE_OPENED)]
            contact.save(update_fields=["actions", "updated_at"])
            audit_record(
                actor=actor,
                action="contact.updated",
                target=contact,
                fields=["actions"],
                request=request,
            )
    return CaseOpening(case=case, created=True)


# --- triage and priority -------------------------------------------------------------------


def _set_due_times(case: Case) -> list[str]:
    """Due times for the case's priority, from when the helpline heard of it; changed names."""
    first, referral = due_times(case.priority, _received_at(case))
    changed = []
    if case.first_response_due != first:
        case.first_response_due = first
        changed.append("first_response_due")
    if case.referral_due != referral:
        case.referral_due = referral
        changed.append("referral_due")
    return changed


def case_triage(
    *, case: Case, actor: Any, reasons: list[str] | tuple[str, ...] = (), request: Any = None
) -> Case:
    """An operator confirms the triage, adding reasons the facts alone did not show.

    A reason the case did not have yet may raise the priority; nothing here lowers it (that is
    a supervisor's decision). A NEW case becomes TRIAGED; its due times follow its priority.
    """
    _may_change(actor, case)
    _must_be_open(case, "reasons")
    if any(reason not in TICKABLE for reason in reasons):
        raise CaseInvalid({"reasons": [_("Choose the reasons from the list.")]})
    with transaction.atomic():
        _lock(case)
        found = triage(case_facts(case, ticked=tuple(reasons)))
        changed = []
        # Only a reason the case did not have yet raises it: a supervisor's lower priority,
        # decided knowing the reasons, stands.
        fresh = [reason for reason in found.reasons if reason not in case.priority_reasons]
        priority = min([case.priority, *(RULE_FOR[reason].priority for reason in fresh)])
        if priority != case.priority:
            case.priority = priority
            changed.append("priority")
        merged = list(ordered_reasons([*case.priority_reasons, *found.reasons]))
        if merged != case.priority_reasons:
            case.priority_reasons = merged
            changed.append("priority_reasons")
        if case.triaged_at is None:
            case.triaged_at = timezone.now()
            changed.append("triaged_at")
        changed += _set_due_times(case)
        if changed:
            case.save(update_fields=[*changed, "updated_at"])
        case_event_record(
            case=case,
            kind=CaseEventKind.TRIAGED,
            actor=actor,
            data={
                "priority": case.priority,
                "reasons": case.priority_reasons,
                "added": list(reasons),
            },
        )
        audit_record(
            actor=actor,
            action="case.triaged",
            target=case,
            fields=changed or ["priority"],
            request=request,
        )
        if case.status == CaseStatus.NEW:
            case_move(case=case, status=CaseStatus.TRIAGED, actor=actor)
    return case


def case_priority_change(
    *, case: Case, actor: Any, priority: int, reason: str, request: Any = None
) -> Case:
    """A supervisor sets the case's priority, saying why; the due times follow. The reason is
    kept in the timeline (encrypted)."""
    if not can_supervise(actor, case):
        raise PermissionDenied
    _must_be_open(case, "priority")
    if priority not in Priority.values:
        raise CaseInvalid({"priority": [_("Choose a priority.")]})
    if not (reason or "").strip():
        raise CaseInvalid({"reason": [_("Say why the priority changes.")]})
    text = _text(reason, field="reason", limit=MAX_REASON_LENGTH, required=True)
    with transaction.atomic():
        _lock(case)
        if case.priority == priority:
            raise CaseInvalid({"priority": [_("The case already has this priority.")]})
        before = case.priority
        case.priority = priority
        changed = ["priority", *_set_due_times(case)]
        case.save(update_fields=[*changed, "updated_at"])
        case_event_record(
            case=case,
            kind=CaseEventKind.PRIORITY_CHANGED,
            actor=actor,
            data={"from": before, "to": priority},
            text=text,
        )
        audit_record(
            actor=actor,
            action="case.priority_changed",
            target=case,
            fields=changed,
            request=request,
        )
    return case


# --- who follows the case ------------------------------------------------------------------


def case_take(*, case: Case, actor: Any, request: Any = None) -> bool:
    """An operator takes a case nobody follows; False when someone already does."""
    _may_change(actor, case)
    _must_be_open(case, "owner")
    with transaction.atomic():
        taken = Case.objects.filter(pk=case.pk, owner__isnull=True).update(
            owner=actor, updated_at=timezone.now()
        )
        case.refresh_from_db()
        if not taken:
            return False
        case_event_record(
            case=case,
            kind=CaseEventKind.ASSIGNED,
            actor=actor,
            data={"to": actor.pk, "taken": True},
        )
        audit_record(
            actor=actor, action="case.taken", target=case, fields=["owner"], request=request
        )
    return True


def case_assign(*, case: Case, actor: Any, owner: Any, note: str = "", request: Any = None) -> bool:
    """A supervisor gives the case to an operator or supervisor of the same helpline (or to
    someone else); False when that person already follows it."""
    if not can_supervise(actor, case):
        raise PermissionDenied
    _must_be_open(case, "owner")
    if not eligible_owner(owner, case):
        raise CaseInvalid({"owner": [_("Choose someone of the helpline.")]})
    text = _text(note, field="note", limit=MAX_NOTE_LENGTH, required=False)
    with transaction.atomic():
        _lock(case)
        if case.owner_id == owner.pk:
            return False
        before = case.owner_id
        case.owner = owner
        case.save(update_fields=["owner", "updated_at"])
        case_event_record(
            case=case,
            kind=CaseEventKind.ASSIGNED,
            actor=actor,
            data={"from": before, "to": owner.pk},
            text=text,
        )
        audit_record(
            actor=actor, action="case.assigned", target=case, fields=["owner"], request=request
        )
    return True


def case_handover(*, case: Case, actor: Any, to: Any, note: str, request: Any = None) -> Case:
    """The case's owner (or a supervisor) hands it to another person of the helpline, with a
    note of what the next person needs to know."""
    _may_change(actor, case)
    if case.owner_id != actor.pk and not can_supervise(actor, case):
        raise PermissionDenied
    _must_be_open(case, "to")
    if not eligible_owner(to, case):
        raise CaseInvalid({"to": [_("Choose someone of the helpline.")]})
    if not (note or "").strip():
        raise CaseInvalid(
            {"note": [_("Write a handover note: what the next person needs to know.")]}
        )
    text = _text(note, field="note", limit=MAX_NOTE_LENGTH, required=True)
    with transaction.atomic():
        _lock(case)
        if case.owner_id != actor.pk and not can_supervise(actor, case):
            raise PermissionDenied  # it changed hands meanwhile
        if case.owner_id == to.pk:
            raise CaseInvalid({"to": [_("This person already follows the case.")]})
        before = case.owner_id
        case.owner = to
        case.save(update_fields=["owner", "updated_at"])
        case_event_record(
            case=case,
            kind=CaseEventKind.HANDED_OVER,
            actor=actor,
            data={"from": before, "to": to.pk},
            text=text,
        )
        audit_record(
            actor=actor, action="case.handed_over", target=case, fields=["owner"], request=request
        )
    return case


# --- status --------------------------------------------------------------------------------


def case_status_change(
    *, case: Case, actor: Any, status: str, note: str = "", request: Any = None
) -> Case:
    """Move an open, triaged case to in progress, referred or waiting for an institution."""
    _may_change(actor, case)
    if status not in MANUAL_STATUSES:
        raise CaseInvalid({"status": [_("Choose one of the options.")]})
    text = _text(note, field="note", limit=MAX_NOTE_LENGTH, required=False)
    with transaction.atomic():
        _lock(case)
        _must_be_open(case, "status")
        if case.status == CaseStatus.NEW:
            raise CaseInvalid({"status": [_("Confirm the triage first.")]})
        if case.status == status:
            raise CaseInvalid({"status": [_("The case already has this status.")]})
        case_move(case=case, status=status, actor=actor, note=text)
    return case


def case_close(
    *, case: Case, actor: Any, outcome: str, note: str = "", request: Any = None
) -> Case:
    """Close the case with its outcome; the reporter then reads "closed"."""
    _may_change(actor, case)
    if outcome not in CLOSING_OUTCOMES:
        raise CaseInvalid({"outcome": [_("Choose the outcome of the case.")]})
    text = _text(note, field="note", limit=MAX_NOTE_LENGTH, required=False)
    with transaction.atomic():
        _lock(case)
        if not case.is_open:
            raise CaseInvalid({"outcome": [_("The case is already closed.")]})
        case_move(case=case, status=CaseStatus.CLOSED, actor=actor, outcome=outcome, note=text)
    return case


def case_reopen(*, case: Case, actor: Any, note: str, request: Any = None) -> Case:
    """Reopen a closed case, saying why: in progress again (or NEW if it was never triaged).
    A case merged into another stays closed."""
    _may_change(actor, case)
    if not (note or "").strip():
        raise CaseInvalid({"note": [_("Say why the case is reopened.")]})
    text = _text(note, field="note", limit=MAX_NOTE_LENGTH, required=True)
    with transaction.atomic():
        _lock(case)
        if case.is_open:
            raise CaseInvalid({"note": [_("The case is open.")]})
        if case.merged_into_id is not None:
            raise CaseInvalid({"note": [_("This case was merged into another: open that one.")]})
        status = CaseStatus.IN_PROGRESS if case.triaged_at else CaseStatus.NEW
        case_move(case=case, status=status, actor=actor, note=text)
    return case


# --- the case's papers ---------------------------------------------------------------------


def case_note_add(*, case: Case, actor: Any, text: str, request: Any = None) -> CaseEvent:
    """A note on the case's timeline (encrypted)."""
    _may_change(actor, case)
    body = _text(text, field="text", limit=MAX_NOTE_LENGTH, required=True)
    with transaction.atomic():
        event = case_event_record(case=case, kind=CaseEventKind.NOTE, actor=actor, text=body)
        Case.objects.filter(pk=case.pk).update(updated_at=event.at)
        audit_record(
            actor=actor, action="case.note_added", target=case, fields=["notes"], request=request
        )
    return event


def case_summary_update(*, case: Case, actor: Any, summary: str, request: Any = None) -> bool:
    """The operator's summary of the case; False when it did not change. The search terms
    follow."""
    _may_change(actor, case)
    text = _text(summary, field="summary", limit=MAX_SUMMARY_LENGTH, required=False)
    with transaction.atomic():
        _lock(case)
        if case.summary == text:
            return False
        case.summary = text
        case.save(update_fields=["summary", "updated_at"])
        audit_record(
            actor=actor, action="case.updated", target=case, fields=["summary"], request=request
        )
        linking.case_index(case)
    return True


def case_task_add(
    *,
    case: Case,
    actor: Any,
    title: str,
    due_at: datetime | None = None,
    assignee: Any = None,
    request: Any = None,
) -> CaseTask:
    """A task on the case, with a due time and a person if given."""
    _may_change(actor, case)
    text = _text(title, field="title", limit=MAX_TASK_TITLE_LENGTH, required=True, newlines=False)
    if assignee is not None and not eligible_owner(assignee, case):
        raise CaseInvalid({"assignee": [_("Choose someone of the helpline.")]})
    with transaction.atomic():
        task = CaseTask(case=case, title=text, due_at=due_at, assignee=assignee, created_by=actor)
        task.save(force_insert=True)
        event = case_event_record(
            case=case, kind=CaseEventKind.TASK_ADDED, actor=actor, data={"task": str(task.pk)}
        )
        Case.objects.filter(pk=case.pk).update(updated_at=event.at)
        fields = ["title", *(["due_at"] if due_at else []), *(["assignee"] if assignee else [])]
        audit_record(
            actor=actor, action="case.task_added", target=task, fields=fields, request=request
        )
    return task


def case_task_done(*, task: CaseTask, actor: Any, request: Any = None) -> bool:
    """Mark a task done; False when it already was."""
    _may_change(actor, task.case)
    with transaction.atomic():
        now = timezone.now()
        done = CaseTask.objects.filter(pk=task.pk, done_at__isnull=True).update(
            done_at=now, done_by=actor
        )
        task.refresh_from_db()
        if not done:
            return False
        case_event_record(
            case=task.case, kind=CaseEventKind.TASK_DONE, actor=actor, data={"task": str(task.pk)}
        )
        Case.objects.filter(pk=task.case_id).update(updated_at=now)
        audit_record(
            actor=actor,
            action="case.task_done",
            target=task,
            fields=["done_at", "done_by"],
            request=request,
        )
    return True


# --- what reports tell cases ---------------------------------------------------------------


def case_first_response_record(*, report: Report, message: ReportMessage, actor: Any) -> bool:
    """The helpline answered the reporter of a report in a case: the case's first response,
    once (later answers change nothing). Called inside the answer's transaction."""
    case_id = CaseOrigin.objects.filter(report=report).values_list("case_id", flat=True).first()
    if case_id is None:
        return False
    updated = Case.objects.filter(pk=case_id, first_response_at__isnull=True).update(
        first_response_at=message.created_at, updated_at=timezone.now()
    )
    if not updated:
        return False
    case = Case.objects.get(pk=case_id)
    case_event_record(
        case=case,
        kind=CaseEventKind.FIRST_RESPONSE,
        actor=actor,
        data={"report": str(report.pk), "message": str(message.pk)},
        at=message.created_at,
    )
    audit_record(
        actor=actor, action="case.first_response", target=case, fields=["first_response_at"]
    )
    return True


# --- escalation ----------------------------------------------------------------------------


@dataclass(frozen=True)
class EscalationResult:
    first_response: int = 0
    referral: int = 0

    @property
    def total(self) -> int:
        return self.first_response + self.referral


def _escalate(*, case_id: Any, kind: str, overdue: Q, now: datetime) -> bool:
    """Escalate one case for one kind of breach, once: the stamp is set only if still empty and
    still overdue, so two runs at once escalate it once."""
    stamp = f"{kind}_escalated_at"
    due_field = f"{kind}_due"
    with transaction.atomic():
        updated = Case.objects.filter(overdue, pk=case_id, **{f"{stamp}__isnull": True}).update(
            **{stamp: now}
        )
        if not updated:
            return False
        case = Case.objects.get(pk=case_id)
        event = case_event_record(
            case=case,
            kind=CaseEventKind.ESCALATED,
            data={"overdue": kind, "due": getattr(case, due_field).isoformat()},
            at=now,
        )
        audit_record(actor=None, action="case.escalated", target=case, fields=[stamp])
        outbox_enqueue(topic=ESCALATED_TOPIC, payload={"event_id": str(event.pk)})
    return True


def cases_escalate_overdue(*, now: datetime | None = None) -> EscalationResult:
    """Escalate every open case whose first response or referral is overdue and was not
    escalated yet: an ESCALATED event, and an e-mail to the helpline's supervisors (through the
    outbox). Each case once per kind of breach."""
    now = now or timezone.now()
    counts = {}
    for kind, overdue in (
        (FIRST_RESPONSE, first_response_overdue(now)),
        (REFERRAL, referral_overdue(now)),
    ):
        ids = list(
            Case.objects.filter(overdue, **{f"{kind}_escalated_at__isnull": True})
            .order_by(f"{kind}_due")
            .values_list("pk", flat=True)[:ESCALATION_BATCH]
        )
        counts[kind] = sum(
            _escalate(case_id=case_id, kind=kind, overdue=overdue, now=now) for case_id in ids
        )
    return EscalationResult(first_response=counts[FIRST_RESPONSE], referral=counts[REFERRAL])


# --- demo data -----------------------------------------------------------------------------


def cases_demo_seed(*, operator: Any) -> int:
    """A few cases for the demo helpline, once: from the demo operator's contacts (one high
    priority and taken by the operator with a task, one left new) and from a demo report
    that arrived hours ago and is still unanswered (overdue). Demo mode only."""
    from datetime import timedelta

    from django.conf import settings

    from isigurt.reports.services import report_submit
    from isigurt.reports.validation import ReportDraft

    if not settings.DEMO_MODE:
        raise ImproperlyConfigured("Demo cases can only be created in demo mode.")
    if Case.objects.filter(organisation_id=operator.organisation_id).exists():
        return 0
    contacts = Contact.objects.filter(operator=operator).order_by("started_at")
    by_topic = {
        issue.topic: issue.contact
        for issue in ContactIssue.objects.filter(contact__in=contacts).select_related("contact")
    }
    opened = 0
    sextortion = by_topic.get("online.sextortion")
    if sextortion is not None:
        case = case_open_from_contact(contact=sextortion, actor=operator).case
        case_triage(case=case, actor=operator)
        case_take(case=case, actor=operator)
        case_task_add(
            case=case,
            actor=operator,
            title="Call back as agreed (demo task).",
            due_at=timezone.now() + timedelta(hours=20),
            assignee=operator,
        )
        case_note_add(case=case, actor=operator, text="Demo note: advice given, call-back agreed.")
        opened += 1
    bullying = by_topic.get("online.cyberbullying")
    if bullying is not None:
        case_open_from_contact(contact=bullying, actor=operator)
        opened += 1
    draft = ReportDraft.model_validate(
        {
            "category": "grooming",
            "audience": "adult",
            "age_band": "13_15",
            "affected": "other_child",
            "platform": "ExampleChat",
            "description": "Demo report: placeholder description for the demo case.",
            "language": "sq",
        }
    )
    report = report_submit(draft=draft, channel="web").report
    # Demo only: the report arrived three hours ago, so its first response is overdue.
    Report.objects.filter(pk=report.pk).update(created_at=timezone.now() - timedelta(hours=3))
    report.refresh_from_db()
    case_open_from_report(report=report, actor=operator)
    return opened + 1
