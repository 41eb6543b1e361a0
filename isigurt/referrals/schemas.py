"""Typed shapes of the referrals API. Bodies are the drafts of validation.py (shared with the
staff forms); errors have the API's one shape, ``ErrorOut``.

A referral's case and reports come as ``fields``: an object holding only the fields the
referral shares with the caller's institution (codes, not labels); a field it does not share
is absent, never null.
"""

from __future__ import annotations

import datetime
from typing import Any

from ninja import Schema
from pydantic import Field, field_validator

from isigurt.lib.validation import refuse
from isigurt.referrals.models import ReferralStatus

MAX_PAGE = 100_000
STATUS_FILTERS = ("open", "all", *ReferralStatus.values)


class ReferralSummaryOut(Schema):
    id: str
    organisation_id: int
    organisation: str
    status: str = Field(examples=["sent"])
    case_code: str | None = Field(
        description="The case's number; null once the referral is withdrawn."
    )
    sent_at: datetime.datetime
    acknowledge_due: datetime.datetime
    acknowledged_at: datetime.datetime | None
    overdue: bool = Field(description="Not acknowledged by its due time.")
    officer: str | None
    outcome: str = Field(description='"" until the institution records its outcome.')
    closed_at: datetime.datetime | None
    shared_groups: list[str] = Field(
        description="Codes of the groups of fields the referral shares (empty once withdrawn)."
    )


class UpdateOut(Schema):
    id: str
    kind: str = Field(examples=["update"])
    from_institution: bool
    author: str | None = Field(description="null for the helpline, seen by an institution.")
    text: str
    at: datetime.datetime


class SharedMessageOut(Schema):
    from_helpline: bool
    kind: str
    body: str
    created_at: datetime.datetime


class SharedEvidenceOut(Schema):
    id: str
    stored: bool
    mime: str
    size: int
    sha256: str


class SharedReportOut(Schema):
    id: str
    fields: dict[str, Any] = Field(description="Only the fields the referral shares.")
    messages: list[SharedMessageOut] | None = Field(
        description="The thread with the reporter, when the referral shares it; else null."
    )
    evidence: list[SharedEvidenceOut] | None = Field(
        description="The pictures (metadata), when the referral shares them; else null."
    )


class SharedCaseOut(Schema):
    id: str | None = Field(description="null once the referral is withdrawn.")
    fields: dict[str, Any] = Field(description="Only the fields the referral shares.")


class ReferralOut(ReferralSummaryOut):
    request: str | None = Field(description="What the helpline asks; null once withdrawn.")
    case: SharedCaseOut
    reports: list[SharedReportOut]
    updates: list[UpdateOut]


class ReferralPageOut(Schema):
    count: int
    page: int
    pages: int
    items: list[ReferralSummaryOut]


class SendOut(Schema):
    created: list[ReferralSummaryOut] = Field(description="Referrals made by this request.")
    existing: list[ReferralSummaryOut] = Field(
        description="Institutions the case had already been referred to: left as they were."
    )


class InboxFiltersIn(Schema):
    status: str = Field("open", max_length=16, description="open, all, or one status.")
    page: int = Field(1, ge=1, le=MAX_PAGE)

    @field_validator("status")
    @classmethod
    def _status(cls, value: str) -> str:
        if value not in STATUS_FILTERS:
            from django.utils.translation import gettext as _

            raise refuse(_("Choose open, all, or one status."))
        return value


def schema_extra(example: dict[str, Any]) -> dict[str, Any]:
    return {"requestBody": {"content": {"application/json": {"example": example}}}}
