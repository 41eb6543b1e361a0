"""The one description of each thing people send about a case, which the staff forms and the
API both validate through: a triage, a priority change, an assignment, a handover, a status,
a closing, a reopening, a note, a task, a summary, and the opening of a case through the API.

Bounds are named constants; messages are in the active language. Free text has its control
characters refused and its direction controls made visible (as the reports' and the
contacts' drafts do). The services check the same rules again through ``clean_text``.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Annotated, Any

from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic import ValidationError as PydanticValidationError

from isigurt.cases.models import CaseOutcome, CaseStatus, Priority
from isigurt.cases.triage import TICKABLE
from isigurt.lib.text import bidi_neutralise
from isigurt.lib.validation import messages_by_field, refuse
from isigurt.reports.services import TRACKING_CODE_LENGTH, normalise_code
from isigurt.reports.validation import has_control_characters

MAX_SUMMARY_LENGTH = 5000
MAX_NOTE_LENGTH = 5000
MAX_REASON_LENGTH = 1000
MAX_TASK_TITLE_LENGTH = 200
MAX_USERNAME_LENGTH = 150
MAX_REPORT_CODE_LENGTH = 20
# A task is due within a year; a time a little behind the server's clock is taken as now.
MAX_TASK_AHEAD = datetime.timedelta(days=366)
CLOCK_SKEW = datetime.timedelta(minutes=5)

# The statuses a person sets by hand; NEW and TRIAGED follow from triage, CLOSED from closing.
MANUAL_STATUSES: tuple[str, ...] = (
    CaseStatus.IN_PROGRESS,
    CaseStatus.REFERRED,
    CaseStatus.WAITING,
)
# Outcomes a person closes a case with; "merged" is set by merging cases.
CLOSING_OUTCOMES: tuple[str, ...] = tuple(
    outcome for outcome in CaseOutcome.values if outcome != CaseOutcome.MERGED
)


class TextProblem(ValueError):
    """Free text that cannot be accepted; ``message`` says why, in the active language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def clean_text(value: object, *, limit: int, required: bool = False, newlines: bool = True) -> str:
    """The text as it is stored (trimmed, direction controls made visible), or TextProblem."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        if required:
            raise TextProblem(_("This field is required."))
        return ""
    if len(text) > limit:
        raise TextProblem(_("Please keep this under %(limit)d characters.") % {"limit": limit})
    if has_control_characters(text, allow_newlines=newlines):
        raise TextProblem(_("This contains characters we cannot accept."))
    return bidi_neutralise(text).text


def _text(value: object, *, limit: int, required: bool = False, newlines: bool = True) -> str:
    try:
        return clean_text(value, limit=limit, required=required, newlines=newlines)
    except TextProblem as exc:
        raise refuse(exc.message) from None


def _aware(value: datetime.datetime) -> datetime.datetime:
    """A time without a zone is the platform's local time (the form's datetime-local input)."""
    return timezone.make_aware(value) if timezone.is_naive(value) else value


class CaseInput(BaseModel):
    """A draft: ``check`` gives (draft, {}) or (None, {field: [messages]})."""

    model_config = ConfigDict(extra="ignore", validate_default=True)

    @classmethod
    def check(cls, data: Any) -> tuple[Any, dict[str, list[str]]]:
        try:
            return cls.model_validate(data), {}
        except PydanticValidationError as exc:
            return None, messages_by_field(exc.errors())


class TriageDraft(CaseInput):
    """An operator confirms the triage, adding any reasons the facts alone did not show."""

    reasons: Annotated[
        list[Annotated[str, Field(json_schema_extra={"enum": list(TICKABLE)})]],
        Field(max_length=len(TICKABLE)),
    ] = []

    @field_validator("reasons")
    @classmethod
    def _reasons(cls, values: list[str]) -> list[str]:
        if any(value not in TICKABLE for value in values):
            raise refuse(_("Choose the reasons from the list."))
        return list(dict.fromkeys(values))


class PriorityDraft(CaseInput):
    """A supervisor sets another priority, and says why."""

    priority: Annotated[int, Field(json_schema_extra={"enum": list(Priority.values)})]
    reason: Annotated[str, Field(max_length=MAX_REASON_LENGTH)] = ""

    @field_validator("priority", mode="before")
    @classmethod
    def _priority(cls, value: Any) -> int:
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise refuse(_("Choose a priority.")) from None
        if number not in Priority.values:
            raise refuse(_("Choose a priority."))
        return number

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str) -> str:
        if not value.strip():
            raise refuse(_("Say why the priority changes."))
        return _text(value, limit=MAX_REASON_LENGTH, required=True)


class AssignDraft(CaseInput):
    """A supervisor gives the case to someone of the helpline (by username)."""

    owner: Annotated[str, Field(max_length=MAX_USERNAME_LENGTH)] = ""

    @field_validator("owner")
    @classmethod
    def _owner(cls, value: str) -> str:
        if not value.strip():
            raise refuse(_("Choose who follows the case."))
        return value.strip()


class HandoverDraft(CaseInput):
    """The owner (or a supervisor) hands the case over, with a note for the next person."""

    to: Annotated[str, Field(max_length=MAX_USERNAME_LENGTH)] = ""
    note: Annotated[str, Field(max_length=MAX_NOTE_LENGTH)] = ""

    @field_validator("to")
    @classmethod
    def _to(cls, value: str) -> str:
        if not value.strip():
            raise refuse(_("Choose who takes the case over."))
        return value.strip()

    @field_validator("note")
    @classmethod
    def _note(cls, value: str) -> str:
        if not value.strip():
            raise refuse(_("Write a handover note: what the next person needs to know."))
        return _text(value, limit=MAX_NOTE_LENGTH, required=True)


class StatusDraft(CaseInput):
    status: Annotated[
        str, Field(max_length=16, json_schema_extra={"enum": list(MANUAL_STATUSES)})
    ] = ""
    note: Annotated[str, Field(max_length=MAX_NOTE_LENGTH)] = ""

    @field_validator("status")
    @classmethod
    def _status(cls, value: str) -> str:
        if value not in MANUAL_STATUSES:
            raise refuse(_("Choose one of the options."))
        return value

    @field_validator("note")
    @classmethod
    def _note(cls, value: str) -> str:
        return _text(value, limit=MAX_NOTE_LENGTH)


class CloseDraft(CaseInput):
    outcome: Annotated[
        str, Field(max_length=32, json_schema_extra={"enum": list(CLOSING_OUTCOMES)})
    ] = ""
    note: Annotated[str, Field(max_length=MAX_NOTE_LENGTH)] = ""

    @field_validator("outcome")
    @classmethod
    def _outcome(cls, value: str) -> str:
        if value not in CLOSING_OUTCOMES:
            raise refuse(_("Choose the outcome of the case."))
        return value

    @field_validator("note")
    @classmethod
    def _note(cls, value: str) -> str:
        return _text(value, limit=MAX_NOTE_LENGTH)


class ReopenDraft(CaseInput):
    note: Annotated[str, Field(max_length=MAX_NOTE_LENGTH)] = ""

    @field_validator("note")
    @classmethod
    def _note(cls, value: str) -> str:
        if not value.strip():
            raise refuse(_("Say why the case is reopened."))
        return _text(value, limit=MAX_NOTE_LENGTH, required=True)


class NoteDraft(CaseInput):
    text: Annotated[str, Field(max_length=MAX_NOTE_LENGTH)] = ""

    @field_validator("text")
    @classmethod
    def _text_field(cls, value: str) -> str:
        if not value.strip():
            raise refuse(_("Write the note first."))
        return _text(value, limit=MAX_NOTE_LENGTH, required=True)


class SummaryDraft(CaseInput):
    summary: Annotated[str, Field(max_length=MAX_SUMMARY_LENGTH)] = ""

    @field_validator("summary")
    @classmethod
    def _summary(cls, value: str) -> str:
        return _text(value, limit=MAX_SUMMARY_LENGTH)


class TaskDraft(CaseInput):
    """A task on the case: what to do, by when, and by whom (a username, or nobody yet)."""

    title: Annotated[str, Field(max_length=MAX_TASK_TITLE_LENGTH)] = ""
    due_at: datetime.datetime | None = None
    assignee: Annotated[str | None, Field(max_length=MAX_USERNAME_LENGTH)] = None

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        if not value.strip():
            raise refuse(_("Say what is to be done."))
        return _text(value, limit=MAX_TASK_TITLE_LENGTH, required=True, newlines=False)

    @field_validator("due_at")
    @classmethod
    def _due_at(cls, value: datetime.datetime | None) -> datetime.datetime | None:
        if value is None:
            return None
        value = _aware(value)
        now = timezone.now()
        try:
            too_early = value < now - CLOCK_SKEW
            too_late = value > now + MAX_TASK_AHEAD
        except (OverflowError, ValueError):
            raise refuse(_("Choose a time within the next year.")) from None
        if too_early:
            raise refuse(_("A task cannot be due in the past: choose a time from now on."))
        if too_late:
            raise refuse(_("Choose a time within the next year."))
        return value

    @field_validator("assignee")
    @classmethod
    def _assignee(cls, value: str | None) -> str | None:
        return (value or "").strip() or None


class OpenDraft(CaseInput):
    """Open a case (API): from a report's tracking code, or from a contact's id."""

    report_code: Annotated[str | None, Field(max_length=MAX_REPORT_CODE_LENGTH)] = None
    contact_id: uuid.UUID | None = None

    @field_validator("report_code")
    @classmethod
    def _report_code(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        code = normalise_code(value, length=TRACKING_CODE_LENGTH)
        if code is None:
            raise refuse(_("A report's code looks like K7QM-4TZP."))
        return code

    @field_validator("contact_id")
    @classmethod
    def _one_origin(cls, value: uuid.UUID | None, info: ValidationInfo) -> uuid.UUID | None:
        has_code = bool(info.data.get("report_code"))
        if (value is None) == (not has_code) and "report_code" in info.data:
            raise refuse(_("Give either a report's code or a contact's id."))
        return value
