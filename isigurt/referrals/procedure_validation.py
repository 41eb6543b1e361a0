"""The one description of each procedure record: pydantic drafts that the staff forms and the
API both validate through, with bounds as named constants and messages in the active language.

A draft checks what it can see alone: required answers, lengths, characters, a date held not in
the future, a next date after the date it follows. What needs the referral or the plan (a
meeting not before the referral was received, a review not before the plan was approved) is
checked by the services in isigurt.referrals.procedure, which answer ``ProcedureInvalid`` with
messages by field, shown the same way.

Field order matters: a field's checks may read the fields declared before it.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any

from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic import ValidationError as PydanticValidationError

from isigurt.lib.text import bidi_neutralise
from isigurt.lib.validation import messages_by_field, refuse
from isigurt.referrals.models import HandoffTo, MeasureStatus, PlanStatus, Sector
from isigurt.reports.validation import has_control_characters

MAX_DECISIONS_LENGTH = 5000
MAX_GOALS_LENGTH = 5000
MAX_MEASURE_LENGTH = 2000
MAX_RESPONSIBLE_LENGTH = 200
MAX_REVIEW_SUMMARY_LENGTH = 5000
MAX_HANDOFF_NOTE_LENGTH = 2000
MAX_USERNAME_LENGTH = 150
MAX_ID = 2**31 - 1  # an organisation's id; anything larger names none
# A next meeting, a review or a measure's due date further ahead than this is a typing mistake.
MAX_AHEAD = datetime.timedelta(days=2 * 366)

MEETING_EXAMPLE: dict[str, Any] = {
    "held_on": "2026-03-02",
    "sectors": ["child_protection", "social", "education", "police"],
    "decisions": "Placeholder decisions of the group.",
    "next_meeting_on": "2026-03-30",
}
PLAN_EXAMPLE: dict[str, Any] = {
    "approved_on": "2026-03-02",
    "goals": "Placeholder goals of the plan.",
    "next_review_on": "2026-06-02",
    "status": "active",
}
MEASURE_EXAMPLE: dict[str, Any] = {
    "sector": "education",
    "description": "Placeholder measure.",
    "responsible": "School psychologist",
    "due_on": "2026-04-15",
}
REVIEW_EXAMPLE: dict[str, Any] = {
    "reviewed_on": "2026-06-02",
    "summary": "Placeholder summary of the review.",
    "next_review_on": "2026-09-02",
}
HANDOFF_EXAMPLE: dict[str, Any] = {
    "to": "police",
    "to_organisation": None,
    "on": "2026-03-03",
    "note": "Placeholder note.",
}


def _text(value: str, *, allow_newlines: bool = True) -> str:
    if has_control_characters(value, allow_newlines=allow_newlines):
        raise refuse(_("This contains characters we cannot accept."))
    # Direction controls could reorder what staff read: each becomes a visible marker.
    return bidi_neutralise(value.strip()).text


def today() -> datetime.date:
    """The platform's date now (Europe/Tirane)."""
    return timezone.localdate()


def _held(value: datetime.date) -> datetime.date:
    """A date on which something happened: not in the future."""
    if value > today():
        raise refuse(_("This date is in the future: give the day it happened."))
    return value


def _ahead(value: datetime.date | None, after: Any, message: str) -> datetime.date | None:
    """A date still to come: after ``after`` (when known), and not years ahead."""
    if value is None:
        return None
    if isinstance(after, datetime.date) and value <= after:
        raise refuse(message)
    if value > today() + MAX_AHEAD:
        raise refuse(_("Choose a date within the next two years."))
    return value


class _Draft(BaseModel):
    model_config = ConfigDict(extra="ignore")

    @classmethod
    def check(cls, data: Any) -> tuple[Any, dict[str, list[str]]]:
        """(draft, {}) or (None, {field: [messages]}) for plain data (a dict, a form's data)."""
        try:
            return cls.model_validate(data), {}
        except PydanticValidationError as exc:
            return None, messages_by_field(exc.errors())


class WorkerDraft(_Draft):
    """The child protection worker assigned: an officer of the unit, by username."""

    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [{"worker": "pmf"}]})

    worker: Annotated[str, Field(min_length=1, max_length=MAX_USERNAME_LENGTH)]

    @field_validator("worker")
    @classmethod
    def _worker(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise refuse(_("Choose the child protection worker."))
        return value


class MeetingDraft(_Draft):
    """A meeting of the inter-sectoral technical group (GTN)."""

    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [MEETING_EXAMPLE]})

    held_on: datetime.date
    sectors: Annotated[list[Sector], Field(max_length=len(Sector.values))]
    decisions: Annotated[str, Field(max_length=MAX_DECISIONS_LENGTH)] = ""
    next_meeting_on: datetime.date | None = None

    @field_validator("held_on")
    @classmethod
    def _held_on(cls, value: datetime.date) -> datetime.date:
        return _held(value)

    @field_validator("sectors")
    @classmethod
    def _sectors(cls, values: list[Sector]) -> list[Sector]:
        chosen = list(dict.fromkeys(values))
        if not chosen:
            raise refuse(_("Choose the sectors that took part."))
        return chosen

    @field_validator("decisions")
    @classmethod
    def _decisions(cls, value: str) -> str:
        return _text(value)

    @field_validator("next_meeting_on")
    @classmethod
    def _next_meeting_on(
        cls, value: datetime.date | None, info: ValidationInfo
    ) -> datetime.date | None:
        return _ahead(
            value,
            info.data.get("held_on"),
            _("The next meeting comes after this one: choose a later date."),
        )

    def values(self) -> dict[str, Any]:
        return {
            "held_on": self.held_on,
            "sectors": [str(sector) for sector in self.sectors],
            "decisions": self.decisions,
            "next_meeting_on": self.next_meeting_on,
        }


class PlanDraft(_Draft):
    """The child's Individual Protection Plan (PIM) as approved, or as it stands now."""

    model_config = ConfigDict(
        extra="ignore", validate_default=True, json_schema_extra={"examples": [PLAN_EXAMPLE]}
    )

    approved_on: datetime.date
    goals: Annotated[str, Field(max_length=MAX_GOALS_LENGTH)] = ""
    status: PlanStatus = PlanStatus.ACTIVE
    next_review_on: datetime.date | None = None

    @field_validator("approved_on")
    @classmethod
    def _approved_on(cls, value: datetime.date) -> datetime.date:
        return _held(value)

    @field_validator("goals")
    @classmethod
    def _goals(cls, value: str) -> str:
        return _text(value)

    @field_validator("next_review_on", mode="after")
    @classmethod
    def _next_review_on(
        cls, value: datetime.date | None, info: ValidationInfo
    ) -> datetime.date | None:
        if value is None:
            if info.data.get("status", PlanStatus.ACTIVE) == PlanStatus.ACTIVE:
                raise refuse(_("A plan in force has a date for its next review."))
            return None
        return _ahead(
            value,
            info.data.get("approved_on"),
            _("The plan is reviewed after it is approved: choose a later date."),
        )

    def values(self) -> dict[str, Any]:
        return {
            "approved_on": self.approved_on,
            "goals": self.goals,
            "next_review_on": self.next_review_on,
            "status": str(self.status),
        }


class MeasureDraft(_Draft):
    """One measure of the plan: what, by which sector, who is responsible, by when."""

    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [MEASURE_EXAMPLE]})

    sector: Sector
    description: Annotated[str, Field(max_length=MAX_MEASURE_LENGTH)]
    responsible: Annotated[str, Field(max_length=MAX_RESPONSIBLE_LENGTH)] = ""
    due_on: datetime.date | None = None

    @field_validator("description")
    @classmethod
    def _description(cls, value: str) -> str:
        value = _text(value)
        if not value:
            raise refuse(_("Say what the measure is."))
        return value

    @field_validator("responsible")
    @classmethod
    def _responsible(cls, value: str) -> str:
        return _text(value, allow_newlines=False)

    @field_validator("due_on")
    @classmethod
    def _due_on(cls, value: datetime.date | None) -> datetime.date | None:
        return _ahead(value, None, "")

    def values(self) -> dict[str, Any]:
        return {
            "sector": str(self.sector),
            "description": self.description,
            "responsible": self.responsible,
            "due_on": self.due_on,
        }


class MeasureStatusDraft(_Draft):
    """Where a measure stands."""

    model_config = ConfigDict(
        extra="ignore", json_schema_extra={"examples": [{"status": "under_way"}]}
    )

    status: MeasureStatus


class ReviewDraft(_Draft):
    """A review of the plan, and the date of the next one."""

    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [REVIEW_EXAMPLE]})

    reviewed_on: datetime.date
    summary: Annotated[str, Field(max_length=MAX_REVIEW_SUMMARY_LENGTH)] = ""
    next_review_on: datetime.date | None = None

    @field_validator("reviewed_on")
    @classmethod
    def _reviewed_on(cls, value: datetime.date) -> datetime.date:
        return _held(value)

    @field_validator("summary")
    @classmethod
    def _summary(cls, value: str) -> str:
        return _text(value)

    @field_validator("next_review_on")
    @classmethod
    def _next_review_on(
        cls, value: datetime.date | None, info: ValidationInfo
    ) -> datetime.date | None:
        return _ahead(
            value,
            info.data.get("reviewed_on"),
            _("The next review comes after this one: choose a later date."),
        )

    def values(self) -> dict[str, Any]:
        return {
            "reviewed_on": self.reviewed_on,
            "summary": self.summary,
            "next_review_on": self.next_review_on,
        }


class HandoffDraft(_Draft):
    """The case passed to police, prosecution or a court (optionally naming the institution)."""

    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [HANDOFF_EXAMPLE]})

    to: HandoffTo
    to_organisation: Annotated[int | None, Field(ge=1, le=MAX_ID)] = None
    on: datetime.date
    note: Annotated[str, Field(max_length=MAX_HANDOFF_NOTE_LENGTH)] = ""

    @field_validator("on")
    @classmethod
    def _on(cls, value: datetime.date) -> datetime.date:
        return _held(value)

    @field_validator("note")
    @classmethod
    def _note(cls, value: str) -> str:
        return _text(value)
