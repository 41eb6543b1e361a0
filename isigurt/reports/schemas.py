"""Typed shapes of the reporting API, with the examples that /api/v1/openapi.json carries."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import ConfigDict, Field

from isigurt.reports.models import (
    AffectedPerson,
    AgeBand,
    Audience,
    Category,
    ContactMethod,
    Gender,
    ReportStatus,
)
from isigurt.reports.validation import (
    MAX_DESCRIPTION_LENGTH,
    MAX_MESSAGE_LENGTH,
    MAX_PHONE_NUMBERS,
    MAX_PLATFORM_LENGTH,
    MAX_URLS,
    MAX_USERNAMES,
)

REPORT_EXAMPLE: dict[str, Any] = {
    "category": "bullying",
    "audience": "teen",
    "child_in_danger": False,
    "platform": "Instagram",
    "urls": ["https://www.instagram.com/p/EXAMPLE123/"],
    "usernames": ["@example_account"],
    "phone_numbers": [],
    "occurred_on": "2025-03-01",
    "affected": "self",
    "age_band": "13_15",
    "gender": "unknown",
    "county_code": "AL-11",
    "municipality_slug": "tirane",
    "outside_albania": False,
    "description": "Someone keeps posting mean comments under my photos.",
    "contact_method": "anonymous",
    "contact_value": "",
    "contact_consent": False,
    "language": "en",
}
MESSAGE_EXAMPLE: dict[str, Any] = {"body": "Thank you. The comments stopped yesterday."}
INFORMATION_EXAMPLE: dict[str, Any] = {
    "text": "I found a second account doing the same: @example_account_2."
}


class ReportIn(Schema):
    """A new report. Only ``category`` and ``audience`` are required."""

    model_config = ConfigDict(json_schema_extra={"examples": [REPORT_EXAMPLE]})

    category: Category
    audience: Audience
    child_in_danger: bool = False
    platform: str = Field("", max_length=MAX_PLATFORM_LENGTH)
    urls: list[str] = Field(default_factory=list, max_length=MAX_URLS)
    usernames: list[str] = Field(default_factory=list, max_length=MAX_USERNAMES)
    phone_numbers: list[str] = Field(default_factory=list, max_length=MAX_PHONE_NUMBERS)
    occurred_on: date | None = None
    affected: AffectedPerson = AffectedPerson.UNKNOWN
    age_band: AgeBand = AgeBand.UNKNOWN
    gender: Gender = Gender.UNKNOWN
    county_code: str | None = Field(None, max_length=8)
    municipality_slug: str | None = Field(None, max_length=64)
    outside_albania: bool = False
    description: str = Field("", max_length=MAX_DESCRIPTION_LENGTH)
    contact_method: ContactMethod = ContactMethod.ANONYMOUS
    contact_value: str = Field("", max_length=254)
    contact_consent: bool = False
    language: Literal["sq", "en"] | None = None


class ReportCreatedOut(Schema):
    tracking_code: str = Field(examples=["K7QM-4TZP"])
    secret: str | None = Field(examples=["ABCD-EFGH-JKLM-NPQR"])
    status: ReportStatus
    advice: list[str]


class MessageIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [MESSAGE_EXAMPLE]})

    body: str = Field(min_length=1, max_length=MAX_MESSAGE_LENGTH)


class InformationIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [INFORMATION_EXAMPLE]})

    text: str = Field(min_length=1, max_length=MAX_MESSAGE_LENGTH)


class MessageOut(Schema):
    from_helpline: bool
    kind: str
    body: str
    created_at: datetime


class ReportStatusOut(Schema):
    tracking_code: str
    category: Category
    status: ReportStatus
    status_label: str
    created_at: datetime
    updated_at: datetime
    messages: list[MessageOut]
    evidence_count: int


class EvidenceOut(Schema):
    id: str
    stored: bool
    sha256: str
    width: int | None = None
    height: int | None = None
    mime: str = ""


class CategoryOut(Schema):
    category: Category
    label: str
    explanation: str
    groups: list[str]
    fields: list[str]
    evidence_allowed: bool
    evidence_note: str
    advice: list[str]


class CategoriesOut(Schema):
    audience: Audience
    helpline_number: str
    emergency_number: str
    categories: list[CategoryOut]


class FieldError(Schema):
    field: str | None
    message: str


class ErrorOut(Schema):
    detail: str
    errors: list[FieldError] = Field(default_factory=list)
