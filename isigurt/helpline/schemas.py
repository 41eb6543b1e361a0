"""Typed shapes of the helpline's API. A new contact's shape is ``ContactDraft``
(validation.py), shared with the staff form; errors have the API's one shape, ``ErrorOut``."""

from __future__ import annotations

import datetime
from typing import Any

from ninja import Schema
from pydantic import Field, field_validator

from isigurt.helpline.models import ContactChannel
from isigurt.helpline.taxonomy import CATEGORIES
from isigurt.lib.validation import refuse

MAX_PAGE = 100_000


class TopicOut(Schema):
    code: str = Field(examples=["online.grooming"])
    label: str


class TaxonomyCategoryOut(Schema):
    code: str = Field(examples=["online"])
    label: str
    topics: list[TopicOut]


class TaxonomyOut(Schema):
    categories: list[TaxonomyCategoryOut]


class CallBackOut(Schema):
    id: str
    due_at: datetime.datetime | None
    made_at: datetime.datetime | None
    outcome: str = Field(description='"" while the call-back is still to be made.')
    note: str
    made_by: str | None


class ContactSummaryOut(Schema):
    id: str
    channel: str
    caller: str
    age_band: str
    gender: str
    county_code: str | None
    municipality_slug: str | None
    outside_albania: bool
    issues: list[str]
    actions: list[str]
    referred_to: str
    started_at: datetime.datetime
    ended_at: datetime.datetime
    duration_seconds: int
    operator: str
    report_code: str | None


class ContactOut(ContactSummaryOut):
    summary: str
    caller_phone: str
    callbacks: list[CallBackOut]


class ContactPageOut(Schema):
    count: int
    page: int
    pages: int
    items: list[ContactSummaryOut]


class ContactFiltersIn(Schema):
    channel: ContactChannel | None = None
    category: str | None = Field(None, max_length=40, examples=["online"])
    date: datetime.date | None = Field(None, description="Contacts that started on this day.")
    mine: bool = Field(False, description="Only the contacts the caller logged.")
    page: int = Field(1, ge=1, le=MAX_PAGE)

    @field_validator("category")
    @classmethod
    def _category(cls, value: str | None) -> str | None:
        if value and value not in CATEGORIES:
            from django.utils.translation import gettext as _

            raise refuse(_("Choose a category of the taxonomy."))
        return value or None


def schema_extra(example: dict[str, Any]) -> dict[str, Any]:
    return {"requestBody": {"content": {"application/json": {"example": example}}}}
