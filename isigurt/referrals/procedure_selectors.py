"""Reads of a child protection unit's procedure records, always for a given viewer.

``procedure_for_staff`` returns a projection: plain rows holding only what the viewer may read
(the unit reads everything; the helpline a summary without any encrypted text, see
isigurt.referrals.procedure_permissions), so a page or an API answer cannot show more. Each
read is written to the audit log with the names of the fields it returned, in the caller's
transaction: if the entry cannot be written, nothing is returned.

A plan in force whose next review date has passed is flagged (``review_overdue``), and so is
a measure not done by its due date.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet

from isigurt.accounts.models import Organisation, OrganisationType, Role, User
from isigurt.audit.services import audit_record
from isigurt.referrals.models import (
    GroupMeeting,
    Handoff,
    HandoffTo,
    MeasureStatus,
    PlanMeasure,
    PlanReview,
    PlanStatus,
    ProtectionPlan,
    Referral,
    Sector,
)
from isigurt.referrals.procedure_permissions import (
    Reading,
    procedure_changeable_by,
    procedure_reading,
)
from isigurt.referrals.procedure_validation import today

# What each reading returns, as the audit entry names it.
FULL_FIELDS: tuple[str, ...] = (
    "officer",
    "meetings.held_on",
    "meetings.sectors",
    "meetings.decisions",
    "meetings.next_meeting_on",
    "plan.approved_on",
    "plan.goals",
    "plan.status",
    "plan.next_review_on",
    "measures.sector",
    "measures.description",
    "measures.responsible",
    "measures.due_on",
    "measures.status",
    "reviews.reviewed_on",
    "reviews.summary",
    "reviews.next_review_on",
    "handoffs.to",
    "handoffs.to_organisation",
    "handoffs.on",
    "handoffs.note",
)
# The helpline's summary: dates, codes and statuses; no encrypted text, nobody's name.
SUMMARY_FIELDS: tuple[str, ...] = (
    "officer_assigned",
    "meetings.held_on",
    "meetings.sectors",
    "meetings.next_meeting_on",
    "plan.approved_on",
    "plan.status",
    "plan.next_review_on",
    "measures.sector",
    "measures.due_on",
    "measures.status",
    "reviews.reviewed_on",
    "reviews.next_review_on",
    "handoffs.to",
    "handoffs.to_organisation",
    "handoffs.on",
)
# Where each kind of hand-off may name an institution.
HANDOFF_KINDS: dict[str, str] = {
    HandoffTo.POLICE: OrganisationType.POLICE,
    HandoffTo.PROSECUTION: OrganisationType.PROSECUTION,
    HandoffTo.COURT: OrganisationType.COURT,
}
_OPEN_MEASURES = (MeasureStatus.PLANNED, MeasureStatus.UNDER_WAY)


@dataclass(frozen=True)
class WorkerRow:
    id: int
    username: str
    name: str

    @property
    def label(self) -> str:
        return f"{self.name} ({self.username})" if self.name else self.username


@dataclass(frozen=True)
class MeetingRow:
    id: str
    held_on: datetime.date
    sectors: tuple[str, ...]
    sector_labels: tuple[str, ...]
    next_meeting_on: datetime.date | None
    decisions: str | None  # None in the summary


@dataclass(frozen=True)
class MeasureRow:
    id: str
    sector: str
    sector_label: str
    due_on: datetime.date | None
    status: str
    status_label: str
    overdue: bool
    description: str | None  # None in the summary
    responsible: str | None


@dataclass(frozen=True)
class ReviewRow:
    id: str
    reviewed_on: datetime.date
    next_review_on: datetime.date | None
    summary: str | None  # None in the summary


@dataclass(frozen=True)
class PlanRow:
    id: str
    approved_on: datetime.date
    status: str
    status_label: str
    next_review_on: datetime.date | None
    review_overdue: bool
    goals: str | None  # None in the summary
    measures: tuple[MeasureRow, ...] = ()
    reviews: tuple[ReviewRow, ...] = ()


@dataclass(frozen=True)
class HandoffRow:
    id: str
    to: str
    to_label: str
    to_organisation_id: int | None
    to_organisation: str | None
    on: datetime.date
    note: str | None  # None in the summary


@dataclass(frozen=True)
class ProcedureView:
    """A referral's procedure as one viewer may read it."""

    referral: Referral
    reading: Reading
    changeable: bool
    today: datetime.date
    worker_assigned: bool
    worker: WorkerRow | None  # None in the summary, or when nobody is assigned
    meetings: tuple[MeetingRow, ...] = ()
    plan: PlanRow | None = None
    handoffs: tuple[HandoffRow, ...] = ()
    fields: tuple[str, ...] = field(default=())

    @property
    def full(self) -> bool:
        return self.reading is Reading.FULL

    @property
    def next_meeting_on(self) -> datetime.date | None:
        """The next meeting the latest meeting set, if any."""
        return self.meetings[-1].next_meeting_on if self.meetings else None

    @property
    def review_overdue(self) -> bool:
        return self.plan is not None and self.plan.review_overdue


def review_overdue(plan: ProtectionPlan, *, on: datetime.date | None = None) -> bool:
    """A plan in force whose next review date has passed."""
    return (
        plan.status == PlanStatus.ACTIVE
        and plan.next_review_on is not None
        and plan.next_review_on < (on or today())
    )


def measure_overdue(measure: PlanMeasure, *, on: datetime.date | None = None) -> bool:
    return (
        measure.status in _OPEN_MEASURES
        and measure.due_on is not None
        and measure.due_on < (on or today())
    )


def worker_candidates(referral: Referral) -> QuerySet[User]:
    """The unit's officers who can be the child protection worker: active people with the
    institution officer role (never an API token's service account)."""
    return (
        User.objects.filter(
            organisation_id=referral.organisation_id,
            is_active=True,
            role_grants__role=Role.INSTITUTION_OFFICER,
            api_token__isnull=True,
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def worker_row(user: User) -> WorkerRow:
    return WorkerRow(id=user.pk, username=user.get_username(), name=user.get_full_name())


def handoff_organisations() -> QuerySet[Organisation]:
    """The institutions a hand-off may name: police, prosecution offices, courts."""
    return Organisation.objects.filter(
        kind__in=set(HANDOFF_KINDS.values()), is_active=True
    ).order_by("kind", "name")


def meeting_row(meeting: GroupMeeting, texts: bool) -> MeetingRow:
    labels = dict(Sector.choices)
    return MeetingRow(
        id=str(meeting.pk),
        held_on=meeting.held_on,
        sectors=tuple(meeting.sectors),
        sector_labels=tuple(str(labels.get(code, code)) for code in meeting.sectors),
        next_meeting_on=meeting.next_meeting_on,
        decisions=meeting.decisions if texts else None,
    )


def measure_row(measure: PlanMeasure, texts: bool, on: datetime.date) -> MeasureRow:
    return MeasureRow(
        id=str(measure.pk),
        sector=measure.sector,
        sector_label=str(measure.get_sector_display()),
        due_on=measure.due_on,
        status=measure.status,
        status_label=str(measure.get_status_display()),
        overdue=measure_overdue(measure, on=on),
        description=measure.description if texts else None,
        responsible=measure.responsible if texts else None,
    )


def review_row(review: PlanReview, texts: bool) -> ReviewRow:
    return ReviewRow(
        id=str(review.pk),
        reviewed_on=review.reviewed_on,
        next_review_on=review.next_review_on,
        summary=review.summary if texts else None,
    )


def plan_row(plan: ProtectionPlan, texts: bool, on: datetime.date) -> PlanRow:
    """The plan alone, without its measures and reviews."""
    return PlanRow(
        id=str(plan.pk),
        approved_on=plan.approved_on,
        status=plan.status,
        status_label=str(plan.get_status_display()),
        next_review_on=plan.next_review_on,
        review_overdue=review_overdue(plan, on=on),
        goals=plan.goals if texts else None,
    )


def _plan(referral: Referral, texts: bool, on: datetime.date) -> PlanRow | None:
    fields = ["id", "referral_id", "approved_on", "status", "next_review_on"]
    plans = ProtectionPlan.objects.filter(referral=referral)
    plan = (plans if texts else plans.only(*fields)).first()
    if plan is None:
        return None
    measures = PlanMeasure.objects.filter(plan=plan).order_by("created_at", "id")
    reviews = PlanReview.objects.filter(plan=plan).order_by("reviewed_on", "created_at")
    if not texts:  # the encrypted columns are not even read
        measures = measures.only("id", "plan_id", "sector", "due_on", "status", "created_at")
        reviews = reviews.only("id", "plan_id", "reviewed_on", "next_review_on", "created_at")
    return dataclasses.replace(
        plan_row(plan, texts, on),
        measures=tuple(measure_row(m, texts, on) for m in measures),
        reviews=tuple(review_row(r, texts) for r in reviews),
    )


def handoff_row(handoff: Handoff, texts: bool) -> HandoffRow:
    organisation = handoff.to_organisation
    return HandoffRow(
        id=str(handoff.pk),
        to=handoff.to,
        to_label=str(handoff.get_to_display()),
        to_organisation_id=organisation.pk if organisation else None,
        to_organisation=organisation.name if organisation else None,
        on=handoff.on,
        note=handoff.note if texts else None,
    )


def procedure_for_staff(
    *, viewer: User, referral: Referral, request: Any = None, brief: bool = False
) -> ProcedureView:
    """The procedure of ``referral`` as ``viewer`` may read it (the referral comes from
    ``access_procedure``); the read is audited with the fields returned. ``brief``: dates,
    codes and statuses only, whoever reads (the panel on the referral's page)."""
    reading = procedure_reading(viewer, referral)
    if reading is None:  # the caller skipped access_procedure
        raise PermissionDenied
    named = reading is Reading.FULL
    texts = named and not brief
    on = today()
    meetings = GroupMeeting.objects.filter(referral=referral).order_by("held_on", "created_at")
    if not texts:
        meetings = meetings.only(
            "id", "referral_id", "held_on", "sectors", "next_meeting_on", "created_at"
        )
    handoffs = (
        Handoff.objects.filter(referral=referral)
        .select_related("to_organisation")
        .order_by("on", "created_at")
    )
    if not texts:
        handoffs = handoffs.defer("note")
    officer = referral.officer if referral.officer_id else None
    fields = FULL_FIELDS if texts else SUMMARY_FIELDS
    if named and not texts:
        fields = ("officer", *fields)
    with transaction.atomic():
        shown = ProcedureView(
            referral=referral,
            reading=reading,
            changeable=procedure_changeable_by(viewer, referral),
            today=on,
            worker_assigned=officer is not None,
            worker=worker_row(officer) if named and officer is not None else None,
            meetings=tuple(meeting_row(m, texts) for m in meetings),
            plan=_plan(referral, texts, on),
            handoffs=tuple(handoff_row(h, texts) for h in handoffs),
            fields=fields,
        )
        audit_record(
            actor=viewer,
            action="referral.procedure_read",
            target=referral,
            fields=fields,
            request=request,
        )
    return shown


def measure_for_staff(*, viewer: User, measure: PlanMeasure, request: Any = None) -> MeasureRow:
    """One measure as its unit reads it (after a change, to answer with it); audited."""
    if procedure_reading(viewer, measure.plan.referral) is not Reading.FULL:
        raise PermissionDenied
    measure.refresh_from_db()
    with transaction.atomic():
        row = measure_row(measure, True, today())
        audit_record(
            actor=viewer,
            action="planmeasure.read",
            target=measure,
            fields=["sector", "description", "responsible", "due_on", "status"],
            request=request,
        )
    return row
