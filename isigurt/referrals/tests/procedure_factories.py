"""Cases and referrals for the procedure's tests, made directly (neutral placeholders only)."""

from __future__ import annotations

import itertools
import secrets
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from isigurt.accounts.models import Organisation, OrganisationType, Role, User
from isigurt.accounts.tests.personas import organisation_for, persona
from isigurt.cases.models import Case
from isigurt.referrals.models import (
    MeasureStatus,
    PlanMeasure,
    ProtectionPlan,
    Referral,
    ReferralStatus,
)

_numbers = itertools.count(1)
RECEIVED_DAYS_AGO = 30


def tirana_unit() -> Organisation:
    return organisation_for(
        "NjMF", OrganisationType.CHILD_PROTECTION_UNIT, municipality_name="Tiranë"
    )


def durres_unit() -> Organisation:
    return organisation_for(
        "NjMF", OrganisationType.CHILD_PROTECTION_UNIT, municipality_name="Durrës"
    )


def police() -> Organisation:
    return organisation_for("Policia", OrganisationType.POLICE)


def case_of(helpline_user: User, **values: Any) -> Case:
    code = "C" + "".join(secrets.choice("ABCDEFGHJKMNPQRSTVWXYZ23456789") for _ in range(8))
    return Case.objects.create(
        code=code,
        organisation_id=helpline_user.organisation_id,
        category=values.pop("category", "bullying"),
        summary=values.pop("summary", "Placeholder summary of the case."),
        opened_by=helpline_user,
        **values,
    )


def referral_to(
    organisation: Organisation,
    *,
    sent_by: User,
    case: Case | None = None,
    status: str = ReferralStatus.ACKNOWLEDGED,
    days_ago: int = RECEIVED_DAYS_AGO,
) -> Referral:
    sent_at = timezone.now() - timedelta(days=days_ago)
    return Referral.objects.create(
        case=case or case_of(sent_by),
        organisation=organisation,
        status=status,
        shared_fields=["child", "place", "summary"],
        request="Placeholder request to the unit.",
        sent_by=sent_by,
        sent_at=sent_at,
        acknowledge_due=sent_at + timedelta(days=1),
    )


def unit_colleague(unit: Organisation, username: str | None = None) -> User:
    """Another officer of the unit (a possible child protection worker)."""
    name = username or f"pmf.{next(_numbers)}"
    user = persona(name, Role.INSTITUTION_OFFICER, unit)
    user.first_name, user.last_name = "Placeholder", "Worker"
    user.save(update_fields=["first_name", "last_name"])
    return user


def days_ago(days: int) -> date:
    return timezone.localdate() - timedelta(days=days)


def plan_for(referral: Referral, creator: User, **values: Any) -> ProtectionPlan:
    return ProtectionPlan.objects.create(
        referral=referral,
        approved_on=values.pop("approved_on", days_ago(20)),
        goals=values.pop("goals", "Placeholder goals."),
        next_review_on=values.pop("next_review_on", days_ago(-60)),
        created_by=creator,
        **values,
    )


def measure_for(plan: ProtectionPlan, **values: Any) -> PlanMeasure:
    return PlanMeasure.objects.create(
        plan=plan,
        sector=values.pop("sector", "education"),
        description=values.pop("description", "Placeholder measure."),
        status=values.pop("status", MeasureStatus.PLANNED),
        **values,
    )
