"""Test data for referrals: neutral placeholders only, never realistic abuse content."""

from __future__ import annotations

import secrets
from typing import Any

from isigurt.accounts.models import Organisation, OrganisationType
from isigurt.accounts.tests.personas import organisation_for
from isigurt.cases.models import Case, CaseOrigin, CaseStatus, Priority
from isigurt.geography.models import Municipality
from isigurt.referrals.models import Referral
from isigurt.referrals.services import referral_send
from isigurt.referrals.validation import ReferralDraft
from isigurt.reports.services import CODE_ALPHABET
from isigurt.reports.tests.factories import submitted


def open_case(
    operator: Any,
    *,
    municipality: str | None = "Tiranë",
    priority: int = Priority.NORMAL,
    status: str = CaseStatus.TRIAGED,
    report: Any = None,
    **report_values: Any,
) -> Case:
    """A case of the operator's helpline opened from a new report (placeholders only)."""
    place = (
        Municipality.objects.select_related("county").get(name=municipality)
        if municipality
        else None
    )
    if report is None:
        values: dict[str, Any] = {
            "contact_method": "email",
            "contact_value": "reporter@example.org",
            "contact_consent": True,
            "age_band": "13_15",
            "gender": "female",
            "phone_numbers": ["069 000 1111"],
        }
        if place is not None:
            values.update(county_code=place.county.code, municipality_slug=place.slug)
        values.update(report_values)
        report = submitted(**values).report
    case = Case.objects.create(
        code="C" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(8)),
        organisation=operator.organisation,
        status=status,
        priority=priority,
        priority_reasons=["operator"],
        category=report.category,
        child_in_danger=report.child_in_danger,
        age_band=report.age_band,
        gender=report.gender,
        county=place.county if place else None,
        municipality=place,
        summary="Placeholder case summary.",
        owner=operator,
        opened_by=operator,
    )
    CaseOrigin.objects.create(case=case, report=report)
    return case


def institution(kind: str, name: str) -> Organisation:
    return organisation_for(name, kind)


def akep() -> Organisation:
    return institution(OrganisationType.TELECOM_REGULATOR, "AKEP")


def refer(
    case: Case,
    organisation: Organisation,
    actor: Any,
    *,
    groups: list[str] | None = None,
    request: str = "Placeholder request.",
) -> Referral:
    draft = ReferralDraft.model_validate(
        {
            "recipients": [{"organisation_id": organisation.pk, "groups": groups}],
            "request": request,
        }
    )
    result = referral_send(case=case, draft=draft, actor=actor)
    return result.referrals[0]
