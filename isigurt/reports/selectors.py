"""Reads of reports, always for a given viewer: staff (through the access layer), or the reporter
with a secret.

Staff reads start in isigurt.reports.permissions (which report, which fields); the functions
here shape what was allowed and write the read to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from isigurt.reports.categories import categories_for_staff, category_label
from isigurt.reports.models import (
    ContactMethod,
    Evidence,
    Report,
    ReportCallback,
    ReportMessage,
    ReportStatus,
)
from isigurt.reports.permissions import (
    can_list_reports,
    report_changeable_by,
    report_fields_for,
    reports_visible_to,
)
from isigurt.reports.search import ReportSearch, reports_matching

# Fields shown through their choice label rather than their stored value.
_CHOICE_FIELDS = ("status", "audience", "channel", "affected", "age_band", "gender")
# How the reporter asked to be answered, as staff read it.
_CONTACT_METHOD_LABELS: dict[str, Any] = {
    ContactMethod.ANONYMOUS: _("Anonymous: answer only in the report's thread"),
    ContactMethod.PHONE: _("By phone"),
    ContactMethod.EMAIL: _("By e-mail"),
}


def category_labels(report: Report) -> list[str]:
    """Every category the report names, main one first, by its label (for the list)."""
    rows = categories_for_staff([report.category, *report.other_categories], report.audience)
    return [row["label"] for row in rows]


# A child in danger now, and no helpline staff member has acknowledged it yet.
DANGER_WAITING = Q(child_in_danger=True, danger_acknowledged_at__isnull=True)
# The reporter added a message, information or pictures since the helpline last opened it.
REPORTER_WROTE = Q(reporter_activity_at__gt=F("staff_read_at"))
# Never opened by the helpline, or the reporter added something since it last was.
UNREAD = Q(staff_read_at__isnull=True) | REPORTER_WROTE


# A report in no case waits as a case of normal priority would (isigurt.cases Priority).
DEFAULT_PRIORITY = 3
# The encrypted columns, never read by the queue (nothing to decrypt, less to fetch).
_ENCRYPTED_COLUMNS = ("description", "urls", "usernames", "phone_numbers", "contact_value")
# "Open": every status but closed (a filter value beside the statuses).
OPEN = "open"


@dataclass(frozen=True)
class QueueFilters:
    """What the helpline narrowed its queue to; None or False is no filter."""

    status: str | None = None  # a ReportStatus, or OPEN
    category: str | None = None  # the main or any other category the reporter named
    county: str | None = None  # a county's code, or OUTSIDE_ALBANIA
    municipality: str | None = None  # a municipality's slug
    channel: str | None = None
    danger: bool = False  # a child in danger now (acknowledged or not)
    unread: bool = False
    search: ReportSearch | None = None


def _filtered(reports: QuerySet[Report], filters: QueueFilters) -> QuerySet[Report]:
    from isigurt.geography.selectors import OUTSIDE_ALBANIA

    if filters.status == OPEN:
        reports = reports.exclude(status=ReportStatus.CLOSED)
    elif filters.status:
        reports = reports.filter(status=filters.status)
    if filters.category:
        # other_categories is a JSON list of codes; a code in quotes names exactly one.
        named = Cast("other_categories", TextField())
        reports = reports.annotate(_named=named).filter(
            Q(category=filters.category) | Q(_named__contains=f'"{filters.category}"')
        )
    if filters.county == OUTSIDE_ALBANIA:
        reports = reports.filter(outside_albania=True)
    elif filters.county:
        reports = reports.filter(county__code=filters.county)
    if filters.municipality:
        reports = reports.filter(municipality__slug=filters.municipality)
    if filters.channel:
        reports = reports.filter(channel=filters.channel)
    if filters.danger:
        reports = reports.filter(child_in_danger=True)
    if filters.unread:
        reports = reports.filter(UNREAD)
    if filters.search is not None:
        reports = reports_matching(reports, filters.search)
    return reports


def reports_for_staff(*, viewer: Any, filters: QueueFilters | None = None) -> QuerySet[Report]:
    """The reports the viewer may see, as the helpline's intake queue, narrowed by ``filters``
    (only the list's columns are read: no encrypted field is fetched or decrypted).

    First every danger-now report nobody has acknowledged yet, oldest first; then the open
    reports by the priority of their case (a report in no case counts as normal priority),
    the one waiting longest first; closed reports last, newest first. Each row carries
    ``danger_waiting``, ``unread``, ``reporter_wrote`` (the reporter added something since
    the helpline last opened it), ``priority`` and its case's ``case_code``, ``case_pk`` and
    ``case_visible`` (whether the viewer may see that case).
    """
    reports = _filtered(reports_visible_to(viewer), filters or QueueFilters())
    return (
        reports.select_related("county", "municipality")
        .defer(*_ENCRYPTED_COLUMNS, "secret_hash")
        .annotate(
            danger_waiting=Case(
                When(DANGER_WAITING, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            unread=Case(
                When(UNREAD, then=Value(True)), default=Value(False), output_field=BooleanField()
            ),
            reporter_wrote=Case(
                When(REPORTER_WROTE, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            queue_group=Case(
                When(DANGER_WAITING, then=Value(0)),
                When(status=ReportStatus.CLOSED, then=Value(2)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            priority=Coalesce(
                F("case_origin__case__priority"),
                Value(DEFAULT_PRIORITY),
                output_field=IntegerField(),
            ),
            case_code=F("case_origin__case__code"),
            case_pk=F("case_origin__case_id"),
            case_visible=_case_visible(viewer),
        )
        .order_by(
            "queue_group",
            Case(When(queue_group=1, then=F("priority")), default=Value(0)).asc(),
            Case(When(queue_group__lt=2, then=F("created_at"))).asc(nulls_last=True),
            "-created_at",
            "pk",
        )
    )


def _case_visible(viewer: Any) -> Any:
    """Whether the viewer may see the report's case (the case's own access layer decides)."""
    from isigurt.cases.permissions import cases_visible_to

    return Exists(cases_visible_to(viewer).filter(pk=OuterRef("case_origin__case_id")))


def queue_age(moment: datetime, *, now: datetime) -> str:
    """How long ago, as the queue shows it: "just now", "12 min", "3 h", "2 days"."""
    minutes = max(int((now - moment).total_seconds() // 60), 0)
    if minutes < 1:
        return str(_("just now"))
    if minutes < 60:
        return ngettext("%(count)d min", "%(count)d min", minutes) % {"count": minutes}
    hours = minutes // 60
    if hours < 24:
        return ngettext("%(count)d h", "%(count)d h", hours) % {"count": hours}
    days = hours // 24
    return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}


def danger_waiting_count(*, viewer: Any) -> int | None:
    """How many danger-now reports the viewer may see that nobody has acknowledged; None for
    a viewer without a list of reports (no banner at all)."""
    if not can_list_reports(viewer):
        return None
    return reports_visible_to(viewer).filter(DANGER_WAITING).count()


@dataclass(frozen=True)
class StaffReport:
    """A report as one viewer may see it: only the fields the viewer may read are in ``fields``."""

    id: Any
    display_code: str
    fields: dict[str, Any]
    shared: frozenset[str]
    evidence: list[Evidence]
    thread: list[ReportMessage]
    changeable: bool
    danger_waiting: bool = False
    # Reporter's messages added since the helpline last opened the report.
    new_message_ids: frozenset[Any] = frozenset()
    phone_contact: bool = False
    history: list[HistoryEntry] = field(default_factory=list)


@dataclass(frozen=True)
class HistoryEntry:
    """One event in the report's history shown to staff (a call-back, an acknowledgement)."""

    at: datetime
    kind: str  # "callback" or "danger_acknowledged"
    by: str
    callback: ReportCallback | None = None


def report_for_staff(
    *,
    viewer: Any,
    report: Report,
    request: Any = None,
    last_seen: datetime | None = None,
    mark_new: bool = False,
) -> StaffReport:
    """The viewer's projection of an accessed report; the read is written to the audit log.

    With ``mark_new``, the reporter's messages after ``last_seen`` (all of them when it is
    None: the helpline never opened the report) are flagged as new.
    """
    from isigurt.audit.services import audit_read

    allowed = report_fields_for(viewer, report)
    fields: dict[str, Any] = {}
    for name in sorted(allowed - {"messages", "evidence"}):
        if name == "category":
            fields[name] = category_label(report.category, "adult")
            fields["categories"] = categories_for_staff(
                [report.category, *report.other_categories], report.audience
            )
        elif name == "contact_method":
            label = _CONTACT_METHOD_LABELS.get(report.contact_method)
            fields[name] = str(label) if label else report.contact_method
        elif name in _CHOICE_FIELDS:
            fields[name] = getattr(report, f"get_{name}_display")()
        else:
            fields[name] = getattr(report, name)
    thread = report_messages(report=report) if "messages" in allowed else []
    new_ids = frozenset(
        message.pk
        for message in thread
        if mark_new
        and not message.from_helpline
        and (last_seen is None or message.created_at > last_seen)
    )
    changeable = report_changeable_by(viewer, report)
    projection = StaffReport(
        id=report.pk,
        display_code=report.display_code if "tracking_code" in allowed else "",
        fields=fields,
        shared=allowed,
        evidence=list(report.evidence.order_by("created_at")) if "evidence" in allowed else [],
        thread=thread,
        changeable=changeable,
        danger_waiting="child_in_danger" in allowed
        and report.child_in_danger
        and report.danger_acknowledged_at is None,
        new_message_ids=new_ids,
        phone_contact="contact_method" in allowed
        and report.contact_method == ContactMethod.PHONE
        and bool(report.contact_value),
        history=_history(report) if changeable else [],
    )
    audit_read(actor=viewer, target=report, fields=sorted(allowed), request=request)
    return projection


def _history(report: Report) -> list[HistoryEntry]:
    """Call-backs and the danger acknowledgement, oldest first (the helpline's own records)."""
    entries = [
        HistoryEntry(
            at=callback.called_at,
            kind="callback",
            by=callback.author.get_username() if callback.author else "",
            callback=callback,
        )
        for callback in report.callbacks.select_related("author").order_by("called_at")
    ]
    if report.danger_acknowledged_at is not None:
        by = report.danger_acknowledged_by
        entries.append(
            HistoryEntry(
                at=report.danger_acknowledged_at,
                kind="danger_acknowledged",
                by=by.get_username() if by else "",
            )
        )
    return sorted(entries, key=lambda entry: entry.at)


def report_messages(*, report: Report) -> list[ReportMessage]:
    """The report's thread, oldest first (bodies decrypt on access)."""
    return list(report.messages.select_related("author").order_by("created_at"))


def report_public_status(*, report: Report) -> dict[str, Any]:
    """What the reporter sees with code and secret: status, last update, the thread.

    Staff are never named: a helpline message shows as from "the helpline".
    """
    return {
        "tracking_code": report.display_code,
        "category": report.category,
        "status": report.status,
        "status_label": str(ReportStatus(report.status).label),
        "created_at": report.created_at,
        "updated_at": report.updated_at,
        "messages": [
            {
                "from_helpline": message.from_helpline,
                "kind": message.kind,
                "body": message.body,
                "created_at": message.created_at,
            }
            for message in report_messages(report=report)
        ],
        "evidence_count": report.evidence.count(),
    }
