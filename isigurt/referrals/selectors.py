"""Reads of referrals, always for a given viewer (through the access layer).

The inbox shows no encrypted field: the case's number, category and priority (shared with
every referral), the dates and the status. Opening a referral is a read of the referral, of
the case and of each of its reports, each written to the audit log with exactly the field
names the page shows: for an institution, the fields its referral shares; for the helpline,
the same fields (the page shows what the institution sees), the helpline reading them anyway.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import models
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from isigurt.accounts.models import Organisation, OrganisationType
from isigurt.cases.models import Case, TriageReason
from isigurt.cases.permissions import case_fields_for
from isigurt.referrals import sharing
from isigurt.referrals.models import Referral, ReferralStatus, ReferralUpdate
from isigurt.referrals.permissions import (
    OPEN_STATUSES,
    can_list_received,
    is_referring_helpline,
    referral_answerable_by,
    referral_fields_for,
    referral_manageable_by,
    referrals_visible_to,
)
from isigurt.referrals.services import REFERRAL_KINDS, officers_of, referral_recipients
from isigurt.reports.categories import categories_for_staff
from isigurt.reports.models import Category, Evidence, Report, ReportMessage
from isigurt.reports.permissions import (
    evidence_visible_to,
    report_fields_for,
    report_messages_visible_to,
    reports_visible_to,
)

PAGE_SIZE = 50

# The case's fields the referral page can show (the audit entry names those it shows).
CASE_SHOWN: frozenset[str] = frozenset(
    {
        "code",
        "category",
        "priority",
        "priority_reasons",
        "child_in_danger",
        "age_band",
        "gender",
        "county",
        "municipality",
        "outside_albania",
        "summary",
        "created_at",
    }
)
# The report's fields the referral page can show.
REPORT_SHOWN: frozenset[str] = frozenset(
    {
        "category",
        "created_at",
        "audience",
        "affected",
        "age_band",
        "gender",
        "county",
        "municipality",
        "outside_albania",
        "child_in_danger",
        "description",
        "occurred_on",
        "urls",
        "platform",
        "usernames",
        "phone_numbers",
        "contact_method",
        "contact_value",
        "contact_consent",
        "messages",
        "evidence",
    }
)
_CHOICE_FIELDS = ("audience", "affected", "age_band", "gender")

# The inbox's status filter: the open ones (the default), all, or one status.
OPEN_FILTER = "open"
ALL_FILTER = "all"


# --- the institution's inbox -----------------------------------------------------------------


def inbox_for(*, viewer: Any, status: str = OPEN_FILTER) -> QuerySet[Referral]:
    """The referrals to the viewer's institution: open ones first (those waiting for an
    acknowledgement first, the earliest due first), then the rest, newest first. Each row
    carries ``waiting`` (not acknowledged) and ``overdue`` (its acknowledgement is late)."""
    if not can_list_received(viewer):
        return Referral.objects.none()
    referrals = referrals_visible_to(viewer).filter(organisation_id=viewer.organisation_id)
    if status == OPEN_FILTER:
        referrals = referrals.filter(status__in=OPEN_STATUSES)
    elif status in ReferralStatus.values:
        referrals = referrals.filter(status=status)
    now = timezone.now()
    waiting = Q(status=ReferralStatus.SENT)
    return (
        referrals.select_related("case", "officer")
        .annotate(
            waiting=models.Case(
                models.When(waiting, then=models.Value(True)),
                default=models.Value(False),
                output_field=models.BooleanField(),
            ),
            overdue=models.Case(
                models.When(waiting & Q(acknowledge_due__lt=now), then=models.Value(True)),
                default=models.Value(False),
                output_field=models.BooleanField(),
            ),
            inbox_group=models.Case(
                models.When(waiting, then=models.Value(0)),
                models.When(status__in=OPEN_STATUSES, then=models.Value(1)),
                default=models.Value(2),
                output_field=models.IntegerField(),
            ),
        )
        .order_by(
            "inbox_group",
            models.Case(models.When(inbox_group=0, then=models.F("acknowledge_due"))).asc(
                nulls_last=True
            ),
            "-sent_at",
        )
    )


@dataclass(frozen=True)
class InboxCounts:
    waiting: int  # not acknowledged yet
    overdue: int  # of those, past their due time


def inbox_counts(*, viewer: Any) -> InboxCounts | None:
    """How many referrals wait for the viewer's institution to acknowledge them (None for a
    viewer without an inbox). One query."""
    if not can_list_received(viewer):
        return None
    counts = (
        referrals_visible_to(viewer)
        .filter(organisation_id=viewer.organisation_id, status=ReferralStatus.SENT)
        .aggregate(
            waiting=Count("pk"),
            overdue=Count("pk", filter=Q(acknowledge_due__lt=timezone.now())),
        )
    )
    return InboxCounts(waiting=counts["waiting"] or 0, overdue=counts["overdue"] or 0)


def inbox_link(*, viewer: Any) -> Any:
    """The staff home's link to the inbox, saying how many referrals wait (None without one)."""
    from django.urls import reverse
    from django.utils.translation import gettext as _
    from django.utils.translation import ngettext

    from isigurt.accounts.selectors import StaffLink

    counts = inbox_counts(viewer=viewer)
    if counts is None:
        return None
    label = _("Referrals to your institution")
    if counts.waiting:
        label += " — " + ngettext(
            "%(count)d to acknowledge", "%(count)d to acknowledge", counts.waiting
        ) % {"count": counts.waiting}
    if counts.overdue:
        label += ", " + ngettext("%(count)d overdue", "%(count)d overdue", counts.overdue) % {
            "count": counts.overdue
        }
    return StaffLink(label=label, url=reverse("referrals:inbox"))


# --- one referral ------------------------------------------------------------------------------


def group_labels(codes: list[str]) -> list[str]:
    """The shared groups' labels, in the order of sharing.FIELD_GROUPS."""
    chosen = set(codes)
    return [str(group.label) for group in sharing.FIELD_GROUPS if group.code in chosen]


def is_overdue(referral: Referral, *, now: datetime | None = None) -> bool:
    return referral.status == ReferralStatus.SENT and referral.acknowledge_due < (
        now or timezone.now()
    )


@dataclass(frozen=True)
class ShownReport:
    """One report of the case as the viewer may read it on the referral page."""

    id: Any
    fields: dict[str, Any]
    shared: frozenset[str]
    thread: list[ReportMessage] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)


@dataclass(frozen=True)
class StaffReferral:
    """A referral as one viewer may see it: ``info`` holds only the referral's fields the
    viewer may read, ``case`` only the case's, each report only its own."""

    id: Any
    organisation: str
    status: str
    status_label: str
    info: dict[str, Any]
    groups: list[str]
    case: dict[str, Any]
    reports: list[ShownReport]
    updates: list[ReferralUpdate]
    updates_shown: bool
    answerable: bool
    manageable: bool
    helpline: bool  # the viewer is the referring helpline
    overdue: bool
    officers: list[Any] = field(default_factory=list)


def _case_projection(case: Case, names: frozenset[str]) -> dict[str, Any]:
    shown: dict[str, Any] = {}
    for name in sorted(names):
        if name == "category":
            shown[name] = str(Category(case.category).label)
        elif name == "priority":
            shown[name] = case.get_priority_display()
        elif name == "priority_reasons":
            labels = dict(TriageReason.choices)
            shown[name] = [str(labels.get(code, code)) for code in case.priority_reasons]
        elif name in ("age_band", "gender"):
            shown[name] = getattr(case, f"get_{name}_display")()
        else:
            shown[name] = getattr(case, name)
    return shown


def _report_projection(
    report: Report, names: frozenset[str], thread: list[ReportMessage], evidence: list[Evidence]
) -> ShownReport:
    shown: dict[str, Any] = {}
    for name in sorted(names - {"messages", "evidence"}):
        if name == "category":
            shown["categories"] = categories_for_staff(
                [report.category, *report.other_categories], report.audience
            )
        elif name == "contact_method":
            shown[name] = report.contact_method
            shown["contact_method_label"] = report.get_contact_method_display()
        elif name in _CHOICE_FIELDS:
            shown[name] = getattr(report, f"get_{name}_display")()
        else:
            shown[name] = getattr(report, name)
    return ShownReport(id=report.pk, fields=shown, shared=names, thread=thread, evidence=evidence)


def _referral_info(referral: Referral, names: frozenset[str]) -> dict[str, Any]:
    info: dict[str, Any] = {}
    for name in names - {"updates"}:
        if name == "shared_fields":
            info[name] = group_labels(referral.shared_fields)
        elif name == "outcome":
            info[name] = referral.get_outcome_display() if referral.outcome else ""
        elif name in ("sent_by", "acknowledged_by", "officer"):
            person = getattr(referral, name)
            info[name] = person.get_username() if person is not None else ""
        elif name == "organisation":
            info[name] = referral.organisation.name
        else:
            info[name] = getattr(referral, name)
    return info


@dataclass(frozen=True)
class ReportRead:
    """One report of the referred case and the names of its fields the viewer may read."""

    report: Report
    names: frozenset[str]
    thread: list[ReportMessage]
    evidence: list[Evidence]


@dataclass(frozen=True)
class ReferralRead:
    """What one viewer may read of a referral, its case and its reports (the page and the API
    both build on it)."""

    referral: Referral
    names: frozenset[str]
    case_names: frozenset[str]
    reports: list[ReportRead]
    updates: list[ReferralUpdate]
    answerable: bool
    manageable: bool
    helpline: bool
    overdue: bool


def referral_read(*, viewer: Any, referral: Referral, request: Any = None) -> ReferralRead:
    """Read an accessed referral for ``viewer``: the referral's fields, the case's and each
    report's that the referral shares and the viewer may read (for the helpline, what the
    institution reads). Each read is written to the audit log with exactly those names."""
    from isigurt.audit.services import audit_read

    names = referral_fields_for(viewer, referral)
    case = referral.case
    case_names = (
        case_fields_for(viewer, case) & sharing.case_fields(referral.shared_fields) & CASE_SHOWN
    )
    shared_report = sharing.report_fields(referral.shared_fields)
    reports = []
    for report in (
        reports_visible_to(viewer)
        .filter(case_origin__case=case)
        .select_related("county", "municipality")
        .order_by("created_at")
    ):
        allowed = report_fields_for(viewer, report) & shared_report & REPORT_SHOWN
        if not allowed:
            continue
        thread = (
            list(
                report_messages_visible_to(viewer)
                .filter(report=report)
                .select_related("author")
                .order_by("created_at")
            )
            if "messages" in allowed
            else []
        )
        evidence = (
            list(evidence_visible_to(viewer).filter(report=report).order_by("created_at"))
            if "evidence" in allowed
            else []
        )
        reports.append(ReportRead(report=report, names=allowed, thread=thread, evidence=evidence))
    read = ReferralRead(
        referral=referral,
        names=names,
        case_names=case_names,
        reports=reports,
        updates=(
            list(referral.updates.select_related("author").order_by("at", "id"))
            if "updates" in names
            else []
        ),
        answerable=referral_answerable_by(viewer, referral),
        manageable=referral_manageable_by(viewer, referral),
        helpline=is_referring_helpline(viewer, referral),
        overdue=is_overdue(referral),
    )
    audit_read(actor=viewer, target=referral, fields=sorted(names), request=request)
    if case_names:
        audit_read(actor=viewer, target=case, fields=sorted(case_names), request=request)
    for shown in reports:
        audit_read(actor=viewer, target=shown.report, fields=sorted(shown.names), request=request)
    return read


def referral_for_staff(*, viewer: Any, referral: Referral, request: Any = None) -> StaffReferral:
    """The page's projection of an accessed referral (read and audited by referral_read)."""
    read = referral_read(viewer=viewer, referral=referral, request=request)
    return StaffReferral(
        id=referral.pk,
        organisation=referral.organisation.name,
        status=referral.status,
        status_label=referral.get_status_display(),
        info=_referral_info(referral, read.names),
        groups=group_labels(referral.shared_fields) if "shared_fields" in read.names else [],
        case=_case_projection(referral.case, read.case_names),
        reports=[
            _report_projection(shown.report, shown.names, shown.thread, shown.evidence)
            for shown in read.reports
        ],
        updates=read.updates,
        updates_shown="updates" in read.names,
        answerable=read.answerable,
        manageable=read.manageable,
        helpline=read.helpline,
        overdue=read.overdue,
        officers=list(officers_of(referral.organisation_id)) if read.answerable else [],
    )


# --- the referrals of one case (the case page's part) -----------------------------------------


@dataclass(frozen=True)
class CaseReferral:
    referral: Referral
    info: dict[str, Any]
    groups: list[str]
    updates: list[ReferralUpdate]
    manageable: bool
    overdue: bool
    helpline: bool


def case_referrals_for_staff(*, viewer: Any, case: Case, request: Any = None) -> list[CaseReferral]:
    """The referrals of ``case`` the viewer may see, oldest first, with their threads; each
    read is written to the audit log."""
    from isigurt.audit.services import audit_read

    rows = []
    now = timezone.now()
    referrals = (
        referrals_visible_to(viewer)
        .filter(case=case)
        .select_related("case", "organisation", "officer", "acknowledged_by", "sent_by")
        .order_by("sent_at", "id")
    )
    for referral in referrals:
        names = referral_fields_for(viewer, referral)
        rows.append(
            CaseReferral(
                referral=referral,
                info=_referral_info(referral, names),
                groups=group_labels(referral.shared_fields) if "shared_fields" in names else [],
                updates=(
                    list(referral.updates.select_related("author").order_by("at", "id"))
                    if "updates" in names
                    else []
                ),
                manageable=referral_manageable_by(viewer, referral),
                overdue=is_overdue(referral, now=now),
                helpline=is_referring_helpline(viewer, referral),
            )
        )
        audit_read(actor=viewer, target=referral, fields=sorted(names), request=request)
    return rows


# --- whom a case can be sent to ------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """An institution the send form offers, with the groups it may receive and those ticked."""

    key: str  # the organisation's id, or "cpu" for the child protection unit chosen below
    organisation: Organisation | None
    kind: str
    kind_label: str
    allowed: list[str]
    suggested: list[str]
    referred: bool = False


def _groups_for(kind: str) -> tuple[list[str], list[str]]:
    allowed = sharing.allowed_groups(kind, [group.code for group in sharing.FIELD_GROUPS])
    suggested = sharing.allowed_groups(kind, sharing.SUGGESTED_GROUPS.get(kind, frozenset()))
    return allowed, suggested


CPU_KEY = "cpu"


def send_candidates(*, case: Case) -> list[Candidate]:
    """The child protection unit (chosen from the list, the case's municipality first), then
    each national institution a case can be referred to, in REFERRAL_KINDS order."""
    referred = set(Referral.objects.filter(case=case).values_list("organisation_id", flat=True))
    labels = dict(OrganisationType.choices)
    cpu_kind = OrganisationType.CHILD_PROTECTION_UNIT
    allowed, suggested = _groups_for(cpu_kind)
    candidates = [
        Candidate(
            key=CPU_KEY,
            organisation=None,
            kind=cpu_kind,
            kind_label=str(labels[cpu_kind]),
            allowed=allowed,
            suggested=suggested,
        )
    ]
    order = {kind: index for index, kind in enumerate(REFERRAL_KINDS)}
    others = sorted(
        referral_recipients().exclude(kind=cpu_kind),
        key=lambda org: (order[org.kind], org.name),
    )
    for organisation in others:
        allowed, suggested = _groups_for(organisation.kind)
        candidates.append(
            Candidate(
                key=str(organisation.pk),
                organisation=organisation,
                kind=organisation.kind,
                kind_label=str(labels[organisation.kind]),
                allowed=allowed,
                suggested=suggested,
                referred=organisation.pk in referred,
            )
        )
    return candidates


def child_protection_units() -> QuerySet[Organisation]:
    return (
        referral_recipients().filter(kind=OrganisationType.CHILD_PROTECTION_UNIT).order_by("name")
    )


def suggested_unit(case: Case) -> Organisation | None:
    """The child protection unit of the case's municipality, if it has one."""
    if case.municipality_id is None:
        return None
    return child_protection_units().filter(municipality_id=case.municipality_id).first()
