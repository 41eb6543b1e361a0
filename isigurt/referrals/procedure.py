"""Every write to a child protection unit's procedure records (Law 18/2017, DCM 578/2018):

    referral_worker_assign     the child protection worker assigned (the referral's officer)
    group_meeting_record       a meeting of the inter-sectoral technical group (GTN)
    protection_plan_save       the Individual Protection Plan (PIM): approved, or updated
    plan_measure_add           a measure of the plan
    plan_measure_status_set    where a measure stands
    plan_review_record         a review of the plan, which sets the date of the next one
    handoff_record             the case passed to police, prosecution or a court

Each is one transaction holding the change, its audit entry (field names, never values) and an
event on the case's timeline (REFERRAL_UPDATE, ``data`` {"procedure": what, ids, codes and
dates}, never the text a person wrote: the helpline reads the timeline, and the unit's text is
not the helpline's to read). Callers have asked isigurt.referrals.procedure_permissions
(``access_procedure``); as a second line every service asks it again before writing.
What a draft cannot check alone (dates against the referral and the plan, the worker, the
institution named) is refused here with ``ProcedureInvalid``, messages by field.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from isigurt.audit.services import audit_record
from isigurt.cases.models import CaseEventKind
from isigurt.cases.timeline import case_event_record
from isigurt.referrals.models import (
    GroupMeeting,
    Handoff,
    MeasureStatus,
    PlanMeasure,
    PlanReview,
    PlanStatus,
    ProtectionPlan,
    Referral,
)
from isigurt.referrals.procedure_permissions import procedure_changeable_by
from isigurt.referrals.procedure_selectors import (
    HANDOFF_KINDS,
    handoff_organisations,
    worker_candidates,
)
from isigurt.referrals.procedure_validation import (
    HandoffDraft,
    MeasureDraft,
    MeetingDraft,
    PlanDraft,
    ReviewDraft,
    WorkerDraft,
)


class ProcedureInvalid(Exception):
    """A procedure record breaks a rule its draft cannot check alone; ``errors`` maps fields
    to messages ("body" for the record as a whole)."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__("procedure record invalid")


def _writable(actor: Any, referral: Referral) -> None:
    if not procedure_changeable_by(actor, referral):
        raise PermissionDenied


def received_on(referral: Referral) -> datetime.date:
    """The day the unit received the referral (platform time)."""
    return timezone.localdate(referral.sent_at)


def _day(value: datetime.date) -> str:
    return str(formats.date_format(value, "SHORT_DATE_FORMAT"))


def _not_before_referral(
    referral: Referral, value: datetime.date, name: str
) -> dict[str, list[str]]:
    received = received_on(referral)
    if value < received:
        return {
            name: [
                _("This is before the referral was received (%(date)s): check the date.")
                % {"date": _day(received)}
            ]
        }
    return {}


def _event(referral: Referral, actor: Any, what: str, **data: Any) -> None:
    """The procedure's event on the case's timeline: codes, ids and dates only."""
    values = {
        key: value.isoformat() if isinstance(value, datetime.date) else value
        for key, value in data.items()
    }
    case_event_record(
        case=referral.case,
        kind=CaseEventKind.REFERRAL_UPDATE,
        actor=actor,
        data={"procedure": what, "referral": str(referral.pk), **values},
    )


def _filled(record: Any, names: list[str]) -> list[str]:
    return [name for name in names if getattr(record, name) not in (None, "", [])]


def referral_worker_assign(
    *, referral: Referral, draft: WorkerDraft, actor: Any, request: Any = None
) -> bool:
    """Assign the child protection worker (an officer of the unit); False if they already were."""
    _writable(actor, referral)
    worker = worker_candidates(referral).filter(username=draft.worker).first()
    if worker is None:
        raise ProcedureInvalid({"worker": [_("Choose an officer of the unit.")]})
    with transaction.atomic():
        referral = Referral.objects.select_for_update().select_related("case").get(pk=referral.pk)
        if referral.officer_id == worker.pk:
            return False
        referral.officer = worker
        referral.save(update_fields=["officer", "updated_at"])
        audit_record(
            actor=actor,
            action="referral.worker_assigned",
            target=referral,
            fields=["officer"],
            request=request,
        )
        _event(referral, actor, "worker_assigned")
    return True


def group_meeting_record(
    *, referral: Referral, draft: MeetingDraft, actor: Any, request: Any = None
) -> GroupMeeting:
    """Record a meeting of the technical group; audited, on the case's timeline."""
    _writable(actor, referral)
    errors = _not_before_referral(referral, draft.held_on, "held_on")
    if errors:
        raise ProcedureInvalid(errors)
    with transaction.atomic():
        meeting = GroupMeeting.objects.create(
            referral=referral, recorded_by=actor, **draft.values()
        )
        audit_record(
            actor=actor,
            action="groupmeeting.recorded",
            target=meeting,
            fields=_filled(meeting, ["held_on", "sectors", "decisions", "next_meeting_on"]),
            request=request,
        )
        _event(
            referral,
            actor,
            "meeting",
            held_on=meeting.held_on,
            sectors=list(meeting.sectors),
            next_meeting_on=meeting.next_meeting_on,
        )
    return meeting


def _plan_errors(
    referral: Referral, draft: PlanDraft, plan: ProtectionPlan | None
) -> dict[str, list[str]]:
    errors = _not_before_referral(referral, draft.approved_on, "approved_on")
    if plan is not None and not errors:
        first_review = plan.reviews.order_by("reviewed_on").values_list("reviewed_on", flat=True)
        earliest = first_review.first()
        if earliest is not None and draft.approved_on > earliest:
            errors["approved_on"] = [
                _("The plan was reviewed on %(date)s: it was approved before that.")
                % {"date": _day(earliest)}
            ]
        earliest_due = (
            plan.measures.exclude(due_on=None)
            .order_by("due_on")
            .values_list("due_on", flat=True)
            .first()
        )
        if earliest_due is not None and draft.approved_on > earliest_due:
            errors.setdefault("approved_on", []).append(
                _("A measure of the plan is due on %(date)s: the plan was approved before that.")
                % {"date": _day(earliest_due)}
            )
    return errors


def protection_plan_save(
    *, referral: Referral, draft: PlanDraft, actor: Any, request: Any = None
) -> tuple[ProtectionPlan, list[str]]:
    """Record the plan as approved, or update it (one plan per referral); returns the plan and
    the names of the fields that changed ([] when nothing did). Audited, on the timeline."""
    _writable(actor, referral)
    with transaction.atomic():
        plan = ProtectionPlan.objects.select_for_update().filter(referral=referral).first()
        errors = _plan_errors(referral, draft, plan)
        if errors:
            raise ProcedureInvalid(errors)
        values = draft.values()
        if plan is None:
            plan = ProtectionPlan.objects.create(referral=referral, created_by=actor, **values)
            written = _filled(plan, ["approved_on", "goals", "status", "next_review_on"])
            audit_record(
                actor=actor,
                action="protectionplan.recorded",
                target=plan,
                fields=written,
                request=request,
            )
            _event(
                referral,
                actor,
                "plan_approved",
                approved_on=plan.approved_on,
                next_review_on=plan.next_review_on,
            )
            return plan, written
        changed = [name for name, value in values.items() if getattr(plan, name) != value]
        if not changed:
            return plan, []
        for name in changed:
            setattr(plan, name, values[name])
        plan.save(update_fields=changed)
        audit_record(
            actor=actor,
            action="protectionplan.updated",
            target=plan,
            fields=changed,
            request=request,
        )
        closed = "status" in changed and plan.status == PlanStatus.CLOSED
        _event(
            referral,
            actor,
            "plan_closed" if closed else "plan_updated",
            status=plan.status,
            next_review_on=plan.next_review_on,
        )
    return plan, changed


def _plan_of(referral: Referral) -> ProtectionPlan:
    plan = ProtectionPlan.objects.filter(referral=referral).first()
    if plan is None:
        raise ProcedureInvalid({"body": [_("Record the protection plan first.")]})
    return plan


def plan_measure_add(
    *, referral: Referral, draft: MeasureDraft, actor: Any, request: Any = None
) -> PlanMeasure:
    """Add a measure to the referral's plan; audited, on the timeline."""
    _writable(actor, referral)
    plan = _plan_of(referral)
    if draft.due_on is not None and draft.due_on < plan.approved_on:
        raise ProcedureInvalid(
            {
                "due_on": [
                    _("The plan was approved on %(date)s: a measure is due after that.")
                    % {"date": _day(plan.approved_on)}
                ]
            }
        )
    with transaction.atomic():
        measure = PlanMeasure.objects.create(plan=plan, **draft.values())
        audit_record(
            actor=actor,
            action="planmeasure.added",
            target=measure,
            fields=_filled(measure, ["sector", "description", "responsible", "due_on", "status"]),
            request=request,
        )
        _event(
            referral,
            actor,
            "measure_added",
            measure=str(measure.pk),
            sector=measure.sector,
            due_on=measure.due_on,
        )
    return measure


def plan_measure_status_set(
    *, measure: PlanMeasure, status: str, actor: Any, request: Any = None
) -> bool:
    """Set where a measure stands; False when it already stood there. Audited, on the
    timeline."""
    referral = measure.plan.referral
    _writable(actor, referral)
    if status not in MeasureStatus.values:
        raise ProcedureInvalid({"status": [_("Choose where the measure stands.")]})
    with transaction.atomic():
        measure = PlanMeasure.objects.select_for_update().get(pk=measure.pk)
        if measure.status == status:
            return False
        before = measure.status
        measure.status = status
        measure.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action="planmeasure.updated",
            target=measure,
            fields=["status"],
            request=request,
        )
        _event(
            referral,
            actor,
            "measure_status",
            measure=str(measure.pk),
            **{"from": before, "to": status},
        )
    return True


def plan_review_record(
    *, referral: Referral, draft: ReviewDraft, actor: Any, request: Any = None
) -> PlanReview:
    """Record a review of the plan. The latest review sets the plan's next review date (a plan
    in force needs one). Audited, on the timeline."""
    _writable(actor, referral)
    with transaction.atomic():
        plan = ProtectionPlan.objects.select_for_update().filter(referral=referral).first()
        if plan is None:
            raise ProcedureInvalid({"body": [_("Record the protection plan first.")]})
        errors: dict[str, list[str]] = {}
        if draft.reviewed_on < plan.approved_on:
            errors["reviewed_on"] = [
                _("The plan was approved on %(date)s: a review comes after that.")
                % {"date": _day(plan.approved_on)}
            ]
        latest = plan.reviews.order_by("-reviewed_on").values_list("reviewed_on", flat=True).first()
        is_latest = latest is None or draft.reviewed_on >= latest
        if is_latest and plan.status == PlanStatus.ACTIVE and draft.next_review_on is None:
            errors["next_review_on"] = [
                _("The plan is in force: give the date of its next review.")
            ]
        if errors:
            raise ProcedureInvalid(errors)
        review = PlanReview.objects.create(plan=plan, recorded_by=actor, **draft.values())
        audit_record(
            actor=actor,
            action="planreview.recorded",
            target=review,
            fields=_filled(review, ["reviewed_on", "summary", "next_review_on"]),
            request=request,
        )
        if is_latest and plan.next_review_on != review.next_review_on:
            plan.next_review_on = review.next_review_on
            plan.save(update_fields=["next_review_on"])
            audit_record(
                actor=actor,
                action="protectionplan.updated",
                target=plan,
                fields=["next_review_on"],
                request=request,
            )
        _event(
            referral,
            actor,
            "review",
            reviewed_on=review.reviewed_on,
            next_review_on=review.next_review_on,
        )
    return review


def handoff_record(
    *, referral: Referral, draft: HandoffDraft, actor: Any, request: Any = None
) -> Handoff:
    """Record that the unit passed the case to police, prosecution or a court; audited, on
    the timeline."""
    _writable(actor, referral)
    errors = _not_before_referral(referral, draft.on, "on")
    organisation = None
    if draft.to_organisation is not None:
        organisation = (
            handoff_organisations()
            .filter(pk=draft.to_organisation, kind=HANDOFF_KINDS[draft.to])
            .first()
        )
        if organisation is None:
            errors["to_organisation"] = [
                _("Choose an institution of the kind the case was passed to, or none.")
            ]
    if errors:
        raise ProcedureInvalid(errors)
    with transaction.atomic():
        handoff = Handoff.objects.create(
            referral=referral,
            to=draft.to,
            to_organisation=organisation,
            on=draft.on,
            note=draft.note,
            recorded_by=actor,
        )
        audit_record(
            actor=actor,
            action="handoff.recorded",
            target=handoff,
            fields=_filled(handoff, ["to", "to_organisation", "on", "note"]),
            request=request,
        )
        _event(
            referral,
            actor,
            "handoff",
            to=handoff.to,
            organisation=organisation.pk if organisation else None,
            on=handoff.on,
        )
    return handoff
