"""Typed shapes of the reporting API, with the examples that /api/v1/openapi.json carries.

A new report's shape is ``ReportDraft`` (validation.py), shared with the web form; errors have
the API's one shape, ``isigurt.api.errors.ErrorOut``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import ConfigDict, Field

from isigurt.reports.models import (
    Audience,
    Category,
    ReportStatus,
)
from isigurt.reports.validation import MAX_MESSAGE_LENGTH

MESSAGE_EXAMPLE: dict[str, Any] = {"body": "Thank you. The comments stopped yesterday."}
INFORMATION_EXAMPLE: dict[str, Any] = {
    "text": "I found a second account doing the same: @example_account_2."
}


class ReportCreatedOut(Schema):
    tracking_code: str = Field(examples=["K7QM-4TZP"])
    secret: str | None = Field(examples=["ABCD-EFGH-JKLM-NPQR"])
    status: ReportStatus
    advice: list[str]


# What clean_message accepts, said in the schema so that clients (and schemathesis) know it: no
# control characters but tab and line breaks, and at least one character that is not a space.
_ALLOWED = r"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
MESSAGE_PATTERN = rf"^{_ALLOWED}*[^\s\x00-\x1f\x7f-\x9f]{_ALLOWED}*$"


class MessageIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [MESSAGE_EXAMPLE]})

    body: str = Field(min_length=1, max_length=MAX_MESSAGE_LENGTH, pattern=MESSAGE_PATTERN)


class InformationIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [INFORMATION_EXAMPLE]})

    text: str = Field(min_length=1, max_length=MAX_MESSAGE_LENGTH, pattern=MESSAGE_PATTERN)


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
