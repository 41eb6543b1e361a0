"""The staff forms of the helpline: layout and parsing only.

What makes a contact valid lives in ``ContactDraft`` (validation.py), which the contact form
validates through, as the API does; its messages land next to the field they belong to.

The form's clock: the page carries the moment it was drawn, signed (``opened``). With
JavaScript off the contact lasted from then until the form is sent, unless the operator typed
its length; with JavaScript on a timer shows the running length and fills the same field.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from django import forms
from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from isigurt.geography.forms import PlaceFormMixin, county_field, municipality_field
from isigurt.helpline.models import Caller, ContactAction, ContactChannel
from isigurt.helpline.taxonomy import TAXONOMY, TOPICS, category_choices
from isigurt.helpline.validation import (
    MAX_DURATION_SECONDS,
    MAX_NOTE_LENGTH,
    MAX_REFERRED_TO_LENGTH,
    MAX_REPORT_CODE_LENGTH,
    MAX_SUMMARY_LENGTH,
    ContactDraft,
)
from isigurt.reports.models import AgeBand, CallbackOutcome, Gender
from isigurt.reports.validation import MAX_PHONE_LENGTH

STAMP_SALT = "isigurt.helpline.contact-form.opened"
# A form left open longer than this has no trustworthy start: its length must be typed.
MAX_STAMP_AGE = 24 * 60 * 60
_NUMBER_RE = re.compile(r"[0-9]{1,3}")


def opened_stamp(now: datetime | None = None) -> str:
    """The signed moment the form was drawn."""
    moment = now or timezone.now()
    return signing.dumps(moment.timestamp(), salt=STAMP_SALT)


def opened_at(stamp: str) -> datetime | None:
    """When the form was drawn, or None for a stamp that is missing, forged or too old."""
    try:
        value = signing.loads(stamp, salt=STAMP_SALT, max_age=MAX_STAMP_AGE)
        return datetime.fromtimestamp(float(value), tz=UTC)
    except (signing.BadSignature, TypeError, ValueError, OverflowError):
        return None


def parse_duration(text: str) -> int | None:
    """Seconds from "9" (minutes), "9:05" (minutes and seconds) or "1:09:05"; None if neither."""
    parts = text.strip().split(":")
    if len(parts) > 3 or not all(_NUMBER_RE.fullmatch(part) for part in parts):
        return None
    numbers = [int(part) for part in parts]
    if any(number >= 60 for number in numbers[1:]):
        return None
    if len(numbers) == 1:
        return numbers[0] * 60
    if len(numbers) == 2:
        return numbers[0] * 60 + numbers[1]
    return numbers[0] * 3600 + numbers[1] * 60 + numbers[2]


def format_duration(seconds: int) -> str:
    hours, rest = divmod(max(seconds, 0), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class ContactForm(PlaceFormMixin, forms.Form):
    """A contact, in the order an operator asks; everything optional at this level so that one
    bad answer never throws away the others."""

    opened = forms.CharField(widget=forms.HiddenInput, required=False)
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=ContactChannel.choices,
        initial=ContactChannel.CALL,
        required=False,
        widget=forms.RadioSelect,
    )
    caller = forms.ChoiceField(
        label=_("Who contacted"), choices=Caller.choices, required=False, widget=forms.RadioSelect
    )
    age_band = forms.ChoiceField(
        label=_("Age of the child"),
        choices=AgeBand.choices,
        initial=AgeBand.UNKNOWN,
        required=False,
    )
    gender = forms.ChoiceField(
        label=_("Gender of the child"),
        choices=Gender.choices,
        initial=Gender.UNKNOWN,
        required=False,
    )
    county_code = county_field()
    municipality_slug = municipality_field()
    issues = forms.MultipleChoiceField(
        label=_("Issues"),
        choices=[(code, str(t.label)) for code, t in TOPICS.items()],
        required=False,
    )
    actions = forms.MultipleChoiceField(
        label=_("What you did"),
        choices=ContactAction.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    referred_to = forms.CharField(
        label=_("Referred to"),
        help_text=_("The institution or service, not a person's name."),
        max_length=MAX_REFERRED_TO_LENGTH,
        required=False,
    )
    caller_phone = forms.CharField(
        label=_("Number to call back"),
        help_text=_("Only when you promise a call-back."),
        max_length=MAX_PHONE_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )
    callback_due_at = forms.DateTimeField(
        label=_("Call back by"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    report_code = forms.CharField(
        label=_("Report code"),
        help_text=_("When the contact is about a web or app report, like K7QM-4TZP."),
        max_length=MAX_REPORT_CODE_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    summary = forms.CharField(
        label=_("Summary"),
        help_text=_("What was said and agreed, briefly. Never copy abuse material here."),
        max_length=MAX_SUMMARY_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    duration = forms.CharField(
        label=_("Length (minutes:seconds)"),
        help_text=_("Filled in as the contact goes on; correct it if needed."),
        max_length=10,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.editing = editing
        self.contact_draft: ContactDraft | None = None
        self.fill_place_choices()
        if editing:
            del self.fields["opened"]
            self.fields["duration"].help_text = ""
        elif not self.is_bound:
            self.initial["opened"] = opened_stamp()

    def issue_groups(self) -> list[dict[str, Any]]:
        """The taxonomy as groups of checkboxes, with what is ticked."""
        ticked = set(self["issues"].value() or [])
        return [
            {
                "code": category.code,
                "label": category.label,
                "topics": [
                    {
                        "code": t.code,
                        "id": "issue-" + t.code.replace(".", "-").replace("_", "-"),
                        "label": t.label,
                        "checked": t.code in ticked,
                    }
                    for t in category.topics
                ],
            }
            for category in TAXONOMY
        ]

    def clean(self) -> dict[str, Any]:
        """The answers as a ContactDraft (``contact_draft``), or its messages on the fields."""
        data = super().clean() or {}
        if self.errors:
            return data
        answers: dict[str, Any] = {
            name: value
            for name, value in data.items()
            if name in ContactDraft.model_fields and value not in ("", None, [])
        }
        answers["issues"] = data.get("issues") or []
        self.place_answers(answers)
        duration_text = data.get("duration") or ""
        if duration_text:
            seconds = parse_duration(duration_text)
            if seconds is None or seconds > MAX_DURATION_SECONDS:
                self.add_error("duration", _("Give the length like 9:30 (minutes:seconds)."))
                return data
            answers["duration_seconds"] = seconds
        if not self.editing:
            started = opened_at(data.get("opened") or "")
            if started is None and not duration_text:
                self.add_error("duration", _("Give the length of the contact."))
                return data
            if started is not None:
                answers["started_at"] = started
        elif not duration_text:
            self.add_error("duration", _("Give the length of the contact."))
            return data
        draft, errors = ContactDraft.check(answers, editing=self.editing)
        self.contact_draft = draft
        self.add_draft_errors(errors)
        return data

    def add_draft_errors(self, errors: dict[str, list[str]]) -> None:
        """Put the draft's (or the service's) messages next to the field they belong to."""
        moved = {
            "outside_albania": "county_code",
            "duration_seconds": "duration",
            "started_at": "duration",
            "body": None,
        }
        for name, messages in errors.items():
            target = moved.get(name, name)
            for message in messages:
                self.add_error(target if target in self.fields else None, message)


class FilterForm(forms.Form):
    """The list's filters (a GET form): anything unknown is simply no filter."""

    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[("", _("All channels")), *ContactChannel.choices],
        required=False,
    )
    category = forms.ChoiceField(label=_("Issue"), required=False)
    day = forms.DateField(
        label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    mine = forms.BooleanField(label=_("Only my contacts"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 — declared as one
        field.choices = [("", _("All issues")), *category_choices()]

    def values(self) -> dict[str, Any]:
        self.is_valid()  # what is valid filters; what is not is no filter
        data = getattr(self, "cleaned_data", {})
        return {
            "channel": data.get("channel") or None,
            "category": data.get("category") or None,
            "day": data.get("day"),
            "mine": bool(data.get("mine")),
        }


class CallBackForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=CallbackOutcome.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=MAX_NOTE_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
