"""The one description of a contact: ``ContactDraft``, which the staff form and the API both
validate through, with its bounds as named constants and its messages in the active language.

Field order matters: a field's checks may read the fields declared before it (the county at
"outside Albania", the referral and the phone number at the actions, the length at the start).
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any

from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import ConfigDict, Field, ValidationInfo, field_validator
from pydantic import ValidationError as PydanticValidationError

from isigurt.geography.validation import (
    MAX_COUNTY_CODE_LENGTH,
    MAX_MUNICIPALITY_SLUG_LENGTH,
    PlaceChecks,
)
from isigurt.helpline.models import Caller, ContactAction, ContactChannel
from isigurt.helpline.taxonomy import MAX_TOPIC_CODE_LENGTH, TOPICS
from isigurt.lib.text import bidi_neutralise
from isigurt.lib.validation import messages_by_field, refuse
from isigurt.reports.models import AgeBand, Gender
from isigurt.reports.services import TRACKING_CODE_LENGTH, normalise_code
from isigurt.reports.validation import (
    MAX_PHONE_LENGTH,
    has_control_characters,
    normalise_phone,
)

MAX_ISSUES = 10
MAX_ACTIONS = len(ContactAction.values)
MAX_REFERRED_TO_LENGTH = 200
MAX_SUMMARY_LENGTH = 5000
MAX_NOTE_LENGTH = 2000
MAX_REPORT_CODE_LENGTH = 20
MAX_DURATION_SECONDS = 6 * 60 * 60  # a contact longer than six hours is a typing mistake
# A start a little ahead of the server's clock (another machine's clock) is taken as now.
CLOCK_SKEW = datetime.timedelta(minutes=5)
MAX_CALLBACK_AHEAD = datetime.timedelta(days=31)
# A contact is logged (or corrected) within a year of it; an older time is a typing mistake.
MAX_PAST = datetime.timedelta(days=366)

CONTACT_EXAMPLE: dict[str, Any] = {
    "channel": "call",
    "caller": "child",
    "age_band": "13_15",
    "gender": "female",
    "outside_albania": False,
    "county_code": "AL-11",
    "municipality_slug": "tirane",
    "issues": ["online.cyberbullying", "peers.friendship"],
    "actions": ["counselling", "callback"],
    "referred_to": "",
    "started_at": "2026-03-02T16:05:00+01:00",
    "duration_seconds": 540,
    "summary": "Placeholder summary of the conversation.",
    "caller_phone": "069 000 0000",
    "callback_due_at": "2026-03-03T16:00:00+01:00",
    "report_code": None,
}


def _text(value: str, *, allow_newlines: bool = False) -> str:
    if has_control_characters(value, allow_newlines=allow_newlines):
        raise refuse(_("This contains characters we cannot accept."))
    # Direction controls could reorder what staff read: each becomes a visible marker.
    return bidi_neutralise(value.strip()).text


def _aware(value: datetime.datetime) -> datetime.datetime:
    """A time without a zone is the platform's local time (the form's datetime-local input)."""
    if timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


def _place_in_time(
    value: datetime.datetime, earliest: datetime.datetime, latest: datetime.datetime
) -> int:
    """-1 before ``earliest``, 1 after ``latest``, 0 between; a time at the calendar's very
    edge (year 1 in a zone ahead of UTC, which Python cannot compare) counts as out of range."""
    try:
        if value < earliest:
            return -1
        if value > latest:
            return 1
    except (OverflowError, ValueError):
        return -1 if value.year < earliest.year else 1
    return 0


class ContactDraft(PlaceChecks):
    """A contact as an operator logs it, checked and normalised on validation.

    Only ``channel`` and at least one issue are required. ``started_at`` left out means the
    contact ended now; ``duration_seconds`` left out means it lasted from ``started_at`` to now.
    """

    model_config = ConfigDict(
        extra="ignore",
        validate_default=True,
        json_schema_extra={"examples": [CONTACT_EXAMPLE]},
    )

    channel: ContactChannel
    caller: Caller = Caller.UNKNOWN
    age_band: AgeBand = AgeBand.UNKNOWN
    gender: Gender = Gender.UNKNOWN
    outside_albania: bool = False
    county_code: Annotated[str | None, Field(max_length=MAX_COUNTY_CODE_LENGTH)] = None
    municipality_slug: Annotated[str | None, Field(max_length=MAX_MUNICIPALITY_SLUG_LENGTH)] = None
    issues: Annotated[
        list[Annotated[str, Field(max_length=MAX_TOPIC_CODE_LENGTH)]],
        Field(max_length=MAX_ISSUES),
    ]
    actions: Annotated[list[ContactAction], Field(max_length=MAX_ACTIONS)] = []
    referred_to: Annotated[str, Field(max_length=MAX_REFERRED_TO_LENGTH)] = ""
    started_at: datetime.datetime | None = None
    duration_seconds: Annotated[int | None, Field(ge=0, le=MAX_DURATION_SECONDS)] = None
    summary: Annotated[str, Field(max_length=MAX_SUMMARY_LENGTH)] = ""
    caller_phone: Annotated[str, Field(max_length=MAX_PHONE_LENGTH)] = ""
    callback_due_at: datetime.datetime | None = None
    report_code: Annotated[str | None, Field(max_length=MAX_REPORT_CODE_LENGTH)] = None

    @field_validator("channel", mode="wrap")
    @classmethod
    def _channel(cls, value: Any, handler: Any) -> Any:
        try:
            return handler(value)
        except PydanticValidationError:
            raise refuse(_("Choose how the contact came in.")) from None

    @field_validator("issues")
    @classmethod
    def _issues(cls, values: list[str]) -> list[str]:
        codes = list(dict.fromkeys(v.strip() for v in values if v.strip()))
        if not codes:
            raise refuse(_("Choose at least one issue."))
        unknown = [code for code in codes if code not in TOPICS]
        if unknown:
            raise refuse(_("Choose the issues from the list."))
        return codes

    @field_validator("actions")
    @classmethod
    def _actions(cls, values: list[ContactAction]) -> list[ContactAction]:
        return list(dict.fromkeys(values))

    @field_validator("referred_to")
    @classmethod
    def _referred_to(cls, value: str, info: ValidationInfo) -> str:
        actions = info.data.get("actions") or []
        if ContactAction.REFERRAL not in actions:
            return ""  # said only with a referral
        value = _text(value)
        if not value:
            raise refuse(_("Say where the contact was referred to."))
        return value

    @field_validator("age_band")
    @classmethod
    def _age_band(cls, value: AgeBand, info: ValidationInfo) -> AgeBand:
        if value == AgeBand.ADULT and info.data.get("caller") == Caller.CHILD:
            raise refuse(_("A child is under 18: choose the child's age, or change who contacted."))
        return value

    @field_validator("started_at")
    @classmethod
    def _started_at(cls, value: datetime.datetime | None) -> datetime.datetime | None:
        if value is None:
            return None
        value = _aware(value)
        now = timezone.now()
        place = _place_in_time(value, now - MAX_PAST, now + CLOCK_SKEW)
        if place > 0:
            raise refuse(_("This time is in the future."))
        if place < 0:
            raise refuse(_("Give a time within the last year."))
        return min(value, now)

    @field_validator("duration_seconds")
    @classmethod
    def _duration_seconds(cls, value: int | None, info: ValidationInfo) -> int:
        if value is not None:
            return value
        started = info.data.get("started_at")
        if started is None:
            return 0
        elapsed = int((timezone.now() - started).total_seconds())
        if elapsed > MAX_DURATION_SECONDS:
            raise refuse(_("Give the length of the contact."))
        return max(elapsed, 0)

    @field_validator("summary")
    @classmethod
    def _summary(cls, value: str) -> str:
        return _text(value, allow_newlines=True)

    @field_validator("caller_phone")
    @classmethod
    def _caller_phone(cls, value: str, info: ValidationInfo) -> str:
        actions = info.data.get("actions") or []
        value = value.strip()
        if ContactAction.CALLBACK not in actions:
            if value:
                raise refuse(_("Keep a phone number only when you promise a call-back."))
            return ""
        phone = normalise_phone(value)
        if phone is None:
            raise refuse(_("Give the number to call back, like 069 123 4567."))
        return phone

    @field_validator("callback_due_at")
    @classmethod
    def _callback_due_at(
        cls, value: datetime.datetime | None, info: ValidationInfo
    ) -> datetime.datetime | None:
        actions = info.data.get("actions") or []
        if value is None or ContactAction.CALLBACK not in actions:
            return None
        value = _aware(value)
        now = timezone.now()
        # Correcting a contact keeps a call-back that is already overdue; a new one is ahead.
        editing = bool((info.context or {}).get("editing"))
        earliest = now - MAX_PAST if editing else now - CLOCK_SKEW
        place = _place_in_time(value, earliest, now + MAX_CALLBACK_AHEAD)
        if place > 0:
            raise refuse(_("Choose a time within the next month."))
        if place < 0:
            raise refuse(_("A call-back cannot be due in the past: choose a time from now on."))
        return value

    @field_validator("report_code")
    @classmethod
    def _report_code(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        code = normalise_code(value, length=TRACKING_CODE_LENGTH)
        if code is None:
            raise refuse(_("A report's code looks like K7QM-4TZP."))
        return code

    # --- what follows from a valid draft ---

    def times(self, *, now: datetime.datetime | None = None) -> tuple[datetime.datetime, ...]:
        """(started_at, ended_at): from the start and the length, or ending now."""
        length = datetime.timedelta(seconds=self.duration_seconds or 0)
        if self.started_at is None:
            ended = now or timezone.now()
            return ended - length, ended
        return self.started_at, self.started_at + length

    def contact_values(self) -> dict[str, Any]:
        """The Contact model's own fields (not the issues, the link or the call-back)."""
        started_at, ended_at = self.times()
        return {
            "channel": self.channel,
            "caller": self.caller,
            "age_band": self.age_band,
            "gender": self.gender,
            "outside_albania": self.outside_albania,
            "county": self.county,
            "municipality": self.municipality,
            "actions": [str(action) for action in self.actions],
            "referred_to": self.referred_to,
            "started_at": started_at,
            "ended_at": ended_at,
            "summary": self.summary,
            "caller_phone": self.caller_phone,
        }

    @classmethod
    def check(
        cls, data: Any, *, editing: bool = False
    ) -> tuple[ContactDraft | None, dict[str, list[str]]]:
        """(draft, {}) or (None, {field: [messages]}) for plain data (a dict, a form's data);
        ``editing`` when a logged contact is corrected."""
        try:
            return cls.model_validate(data, context={"editing": editing}), {}
        except PydanticValidationError as exc:
            return None, messages_by_field(exc.errors())
