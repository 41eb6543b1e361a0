"""Who may see and write a child protection unit's procedure records: the only place deciding it.

The procedure of a referral (Law 18/2017, DCM 578/2018) is the child protection worker assigned,
the meetings of the inter-sectoral technical group (GTN), the Individual Protection Plan (PIM)
with its measures and reviews, and the hand-offs to police, prosecution or court. Only a
referral to a municipality's child protection unit has one; for any other referral it does
not exist (404 for everybody).

    procedure_referrals_visible_to(user)      the referrals whose procedure the user may see
    access_procedure(user, id, write=...)     one referral's procedure: Http404 when the user
                                              may not see it (or it does not exist: the two
                                              look the same), PermissionDenied (403) when the
                                              user sees it read-only
    access_plan_measure(user, id, write=...)  one measure of a plan, likewise
    procedure_reading(user, referral)         FULL, SUMMARY or None: how much the user reads

Who sees what:

    the unit's officers          the procedure of every referral to their unit that is not
    (institution officers of     withdrawn, in full (decisions, goals, measures, summaries,
    the receiving unit, and      notes), and record it. Closed referrals stay writable: a
    its API tokens' service      protection plan runs, and is reviewed, long after the unit
    accounts)                    has answered the helpline with an outcome.
    the helpline that referred   a read-only SUMMARY (helpline operators and supervisors of
    the case                     the case's helpline): whether a worker is assigned, the dates
                                 and sectors of the meetings, the plan's dates and status and
                                 whether its review is overdue, each measure's sector, status
                                 and due date, each review's dates, each hand-off's date, kind
                                 and institution. Never the encrypted text (decisions, goals,
                                 measures, summaries, notes), the people named as responsible,
                                 nor who the worker is: the referral shares the case with the
                                 unit, not the child's file back with the helpline. The
                                 helpline keeps its summary after withdrawing a referral.
    everyone else                nothing (404), including other units, the police, other
                                 institutions and the platform's administrators.

Roles become abilities in isigurt.accounts.permissions (INSTITUTION_REFERRALS, HELPLINE_CASES).
"""

from __future__ import annotations

import enum
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from isigurt.accounts import permissions as roles
from isigurt.accounts.models import OrganisationType
from isigurt.lib.ids import uuid_or_404
from isigurt.referrals.models import PlanMeasure, Referral, ReferralStatus


class Reading(enum.Enum):
    FULL = "full"
    SUMMARY = "summary"


def _unit_referrals(user: Any) -> Q | None:
    """Referrals the user's unit received and that stand (not withdrawn)."""
    if not roles.can_read_received_referrals(user) or user.organisation_id is None:
        return None
    return Q(organisation_id=user.organisation_id) & ~Q(status=ReferralStatus.WITHDRAWN)


def _helpline_referrals(user: Any) -> Q | None:
    """Referrals of the user's helpline's cases."""
    if not roles.can_read_helpline_cases(user) or user.organisation_id is None:
        return None
    return Q(case__organisation_id=user.organisation_id)


def procedure_referrals_visible_to(user: Any) -> QuerySet[Referral]:
    """Referrals to a child protection unit whose procedure the user may see (unordered)."""
    reach = [q for q in (_unit_referrals(user), _helpline_referrals(user)) if q is not None]
    if not reach:
        return Referral.objects.none()
    either = reach[0]
    for more in reach[1:]:
        either |= more
    return Referral.objects.filter(
        either, organisation__kind=OrganisationType.CHILD_PROTECTION_UNIT
    )


def _is_unit_officer_of(user: Any, referral: Referral) -> bool:
    return (
        roles.can_read_received_referrals(user)
        and user.organisation_id is not None
        and referral.organisation_id == user.organisation_id
        and referral.organisation.kind == OrganisationType.CHILD_PROTECTION_UNIT
        and referral.status != ReferralStatus.WITHDRAWN
    )


def procedure_reading(user: Any, referral: Referral) -> Reading | None:
    """How much of ``referral``'s procedure the user reads: FULL, SUMMARY or None."""
    if referral.organisation.kind != OrganisationType.CHILD_PROTECTION_UNIT:
        return None
    if _is_unit_officer_of(user, referral):
        return Reading.FULL
    if (
        roles.can_read_helpline_cases(user)
        and user.organisation_id is not None
        and referral.case.organisation_id == user.organisation_id
    ):
        return Reading.SUMMARY
    return None


def procedure_changeable_by(user: Any, referral: Referral) -> bool:
    """Whether the user may record the procedure of ``referral`` (its unit's officers)."""
    return roles.can_answer_received_referrals(user) and _is_unit_officer_of(user, referral)


def access_procedure(user: Any, referral_id: Any, *, write: bool = False) -> Referral:
    """The referral whose procedure the user may see (and record, with ``write``).

    Raises Http404 if it does not exist or is not the user's to see (a referral to another
    kind of institution has no procedure), PermissionDenied if the user sees it read-only.
    """
    referral = (
        procedure_referrals_visible_to(user)
        .select_related("organisation", "case", "officer")
        .filter(pk=uuid_or_404(referral_id))
        .first()
    )
    if referral is None or procedure_reading(user, referral) is None:
        raise Http404
    if write and not procedure_changeable_by(user, referral):
        raise PermissionDenied
    return referral


def plan_measures_visible_to(user: Any) -> QuerySet[PlanMeasure]:
    """Measures of the plans whose procedure the user may see."""
    return PlanMeasure.objects.filter(
        plan__referral__in=procedure_referrals_visible_to(user).values("pk")
    )


def access_plan_measure(
    user: Any, measure_id: Any, *, referral_id: Any = None, write: bool = False
) -> PlanMeasure:
    """One measure of a plan (of ``referral_id`` when given): 404 if the user may not see it,
    403 if the user sees it read-only."""
    measures = plan_measures_visible_to(user).filter(pk=uuid_or_404(measure_id))
    if referral_id is not None:
        measures = measures.filter(plan__referral_id=uuid_or_404(referral_id))
    measure = measures.select_related(
        "plan__referral__organisation", "plan__referral__case"
    ).first()
    if measure is None or procedure_reading(user, measure.plan.referral) is None:
        raise Http404
    if write and not procedure_changeable_by(user, measure.plan.referral):
        raise PermissionDenied
    return measure
