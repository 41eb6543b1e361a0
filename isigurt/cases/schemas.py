"""Typed shapes of the cases API. What people send is described once, by the drafts of
``validation.py`` (shared with the staff forms); errors have the API's one shape, ``ErrorOut``."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import Field, field_validator

from isigurt.cases.models import CaseStatus, Priority
from isigurt.cases.selectors import ALL, OPEN
from isigurt.lib.validation import refuse
from isigurt.reports.models import Category

MAX_PAGE = 100_000

# An example body for each operation that takes one (placeholders only).
EXAMPLES: dict[str, dict[str, Any]] = {
    "open": {"report_code": "K7QM-4TZP"},
    "triage": {"reasons": ["sextortion_deadline"]},
    "priority": {"priority": 1, "reason": "Placeholder: a deadline was set for tonight."},
    "assign": {"owner": "operator"},
    "handover": {"to": "operator", "note": "Placeholder: call-back promised for tomorrow."},
    "status": {"status": "in_progress", "note": ""},
    "close": {"outcome": "supported", "note": "Placeholder: the child is safe."},
    "reopen": {"note": "Placeholder: the reporter wrote again."},
    "summary": {"summary": "Placeholder summary of the case."},
    "notes": {"text": "Placeholder note."},
    "tasks": {
        "title": "Placeholder: call the school.",
        "due_at": "2026-03-03T16:00:00+01:00",
        "assignee": "operator",
    },
}


def body_example(name: str) -> dict[str, Any]:
    """The OpenAPI extra that documents an operation's example body."""
    return {"requestBody": {"content": {"application/json": {"example": EXAMPLES[name]}}}}


class CaseFiltersIn(Schema):
    status: str = Field(
        OPEN, max_length=16, description='"open" (the default), "all", or one status.'
    )
    priority: int | None = Field(None, ge=min(Priority.values), le=max(Priority.values))
    category: Category | None = None
    county: str | None = Field(None, max_length=8, description="A county's code, like AL-11.")
    municipality: str | None = Field(None, max_length=64, description="A municipality's slug.")
    owner: Literal["mine", "unassigned"] | None = None
    opened_from: datetime.date | None = None
    opened_to: datetime.date | None = None
    q: str = Field("", max_length=200, description="A case number, or words to search for.")
    page: int = Field(1, ge=1, le=MAX_PAGE)

    @field_validator("status")
    @classmethod
    def _status(cls, value: str) -> str:
        if value not in (OPEN, ALL, *CaseStatus.values):
            from django.utils.translation import gettext as _

            raise refuse(_("Choose one of the options."))
        return value


class CaseSummaryOut(Schema):
    """A case as the queue shows it (no encrypted field)."""

    id: str
    code: str
    status: str
    priority: int
    priority_reasons: list[str]
    category: str
    child_in_danger: bool
    age_band: str
    owner: str | None
    created_at: datetime.datetime
    first_response_due: datetime.datetime | None
    first_response_at: datetime.datetime | None
    referral_due: datetime.datetime | None
    referred_at: datetime.datetime | None
    first_response_overdue: bool
    referral_overdue: bool
    outcome: str


class CasePageOut(Schema):
    count: int
    page: int
    pages: int
    items: list[CaseSummaryOut]


class OriginOut(Schema):
    kind: Literal["report", "contact"]
    report_code: str | None = None
    contact_id: str | None = None


class TaskOut(Schema):
    id: str
    title: str
    due_at: datetime.datetime | None
    assignee: str | None
    created_at: datetime.datetime
    done_at: datetime.datetime | None
    done_by: str | None


class EventOut(Schema):
    id: str
    kind: str
    at: datetime.datetime
    actor: str | None
    data: dict[str, Any] = Field(description="Codes and identifiers only.")
    text: str


class NoteOut(Schema):
    id: str
    at: datetime.datetime
    text: str


class DueTimesOut(Schema):
    first_response_due: datetime.datetime | None
    first_response_at: datetime.datetime | None
    first_response_overdue: bool
    referral_due: datetime.datetime | None
    referred_at: datetime.datetime | None
    referral_overdue: bool


class CaseOut(Schema):
    """One case: only the fields the caller may read are present (``fields`` names them);
    an institution reads what its referral shares, nothing else."""

    id: str
    fields: list[str]
    code: str | None = None
    status: str | None = None
    priority: int | None = None
    priority_reasons: list[str] | None = None
    category: str | None = None
    child_in_danger: bool | None = None
    age_band: str | None = None
    gender: str | None = None
    county_code: str | None = None
    municipality_slug: str | None = None
    outside_albania: bool | None = None
    summary: str | None = None
    owner: str | None = None
    due_times: DueTimesOut | None = None
    outcome: str | None = None
    created_at: datetime.datetime | None = None
    origins: list[OriginOut] | None = None
    tasks: list[TaskOut] | None = None
    timeline: list[EventOut] | None = None
