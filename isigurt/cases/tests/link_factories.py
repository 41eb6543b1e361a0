"""Test data for blind indexes, links, search and merging: neutral placeholders only.

Cases are made directly (the case services live elsewhere); reports and contacts go through
their own services, so they are stored and encrypted as in production.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from django.utils import timezone

from isigurt.accounts.models import Organisation
from isigurt.accounts.tests.personas import organisation_for
from isigurt.cases.linking import case_index
from isigurt.cases.models import Case, CaseOrigin, CaseTerm
from isigurt.helpline.models import Contact
from isigurt.helpline.tests.factories import logged
from isigurt.lib import fields as encrypted_fields
from isigurt.reports.models import Report
from isigurt.reports.services import CODE_ALPHABET
from isigurt.reports.tests.factories import submitted

# Two blind index keys (32 bytes each, base64), for rotation.
OLD_KEY = "old:" + "b2xkLWJsaW5kLWluZGV4LWtleS0zMi1ieXRlcy0wMDA="
NEW_KEY = "new:" + "bmV3LWJsaW5kLWluZGV4LWtleS0zMi1ieXRlcy0wMDA="


def helpline() -> Organisation:
    return organisation_for("ALO 116", "helpline")


def other_helpline() -> Organisation:
    return organisation_for("Another helpline", "helpline")


def new_code() -> str:
    return "C" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def open_case(
    *,
    organisation: Organisation | None = None,
    report: Report | None = None,
    contact: Contact | None = None,
    summary: str = "",
    index: bool = True,
    **values: Any,
) -> Case:
    """A case of the helpline opened from ``report`` or ``contact`` (or neither), indexed."""
    values.setdefault("category", "bullying")
    case = Case.objects.create(
        code=new_code(), organisation=organisation or helpline(), summary=summary, **values
    )
    if report is not None:
        CaseOrigin.objects.create(case=case, report=report)
    if contact is not None:
        CaseOrigin.objects.create(case=case, contact=contact)
    if index:
        case_index(case)
    return case


def report_case(*, organisation: Organisation | None = None, **report: Any) -> Case:
    """A case opened from a report filed with these answers (placeholders by default)."""
    report.setdefault("urls", [])
    report.setdefault("usernames", [])
    return open_case(organisation=organisation, report=submitted(**report).report)


def contact_case(operator: Any, *, summary: str = "", **contact: Any) -> Case:
    return open_case(
        organisation=operator.organisation, contact=logged(operator, **contact), summary=summary
    )


def kinds_of(case: Case) -> set[str]:
    return set(CaseTerm.objects.filter(case=case).values_list("kind", flat=True))


def days_ago(days: int) -> Any:
    return timezone.now() - timedelta(days=days)


@contextmanager
def decryptions() -> Iterator[list[str]]:
    """Every value decrypted meanwhile, by where it lives ("table:pk:field" associated data)."""
    seen: list[str] = []
    original = encrypted_fields.decrypt_text

    def counting(token: str, *, aad: str) -> str:
        seen.append(aad)
        return original(token, aad=aad)

    encrypted_fields.decrypt_text = counting  # type: ignore[assignment]
    try:
        yield seen
    finally:
        encrypted_fields.decrypt_text = original  # type: ignore[assignment]


def refer(
    case: Case, organisation: Organisation, *, by: Any, shared: list[str] | None = None
) -> Any:
    """A referral of ``case`` to ``organisation`` (made directly: the referral services live
    elsewhere)."""
    from isigurt.referrals.models import Referral

    now = timezone.now()
    return Referral.objects.create(
        case=case,
        organisation=organisation,
        shared_fields=shared if shared is not None else ["child"],
        sent_by=by,
        sent_at=now,
        acknowledge_due=now + timedelta(days=1),
    )
