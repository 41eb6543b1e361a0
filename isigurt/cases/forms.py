"""The staff forms of cases: layout and parsing only.

What makes an answer valid lives in the drafts of ``validation.py``, which each form validates
through (as the API does); their messages land next to the field they belong to. Every form
on the case page has its own ids (``auto_id``) so that two "note" fields never share one.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext_lazy as _

from isigurt.cases.models import CaseOutcome, CaseStatus, Priority
from isigurt.cases.selectors import ALL, MINE, OPEN, UNASSIGNED, CaseFilters
from isigurt.cases.triage import TICKABLE, reason_labels
from isigurt.cases.validation import (
    CLOSING_OUTCOMES,
    MANUAL_STATUSES,
    MAX_NOTE_LENGTH,
    MAX_REASON_LENGTH,
    MAX_SUMMARY_LENGTH,
    MAX_TASK_TITLE_LENGTH,
    AssignDraft,
    CaseInput,
    CloseDraft,
    HandoverDraft,
    NoteDraft,
    PriorityDraft,
    ReopenDraft,
    StatusDraft,
    SummaryDraft,
    TaskDraft,
    TriageDraft,
)
from isigurt.geography.selectors import reference_counties
from isigurt.reports.models import Category

MAX_SEARCH_LENGTH = 200


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class DraftForm(forms.Form):
    """A form whose answers are checked by a draft (``draft_class``): ``draft`` after
    ``is_valid()``, or the draft's messages on the fields."""

    draft_class: ClassVar[type[CaseInput]]
    form_id: ClassVar[str]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.form_id}-%s")
        super().__init__(*args, **kwargs)
        self.draft: Any = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        draft, errors = self.draft_class.check(
            {name: value for name, value in data.items() if value not in (None, "")}
        )
        self.draft = draft
        self.add_refusals(errors)
        return data

    def add_refusals(self, errors: dict[str, list[str]]) -> None:
        """The draft's (or the service's) messages next to their field."""
        for name, messages in errors.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)


class TriageForm(DraftForm):
    draft_class = TriageDraft
    form_id = "triage"

    reasons = forms.MultipleChoiceField(
        label=_("Other reasons you know of"),
        choices=[],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, offered: list[tuple[str, str]] | None = None, **kw: Any):
        super().__init__(*args, **kw)
        field = self.fields["reasons"]
        assert isinstance(field, forms.MultipleChoiceField)  # noqa: S101 — declared as one
        field.choices = (
            offered
            if offered is not None
            else list(zip(TICKABLE, reason_labels(TICKABLE), strict=True))
        )


class PriorityForm(DraftForm):
    draft_class = PriorityDraft
    form_id = "priority"

    priority = forms.TypedChoiceField(label=_("New priority"), choices=Priority.choices, coerce=int)
    reason = forms.CharField(
        label=_("Why"),
        help_text=_("Kept in the case's timeline."),
        max_length=MAX_REASON_LENGTH,
        widget=_textarea(2),
    )


class _PersonForm(DraftForm):
    """A form that chooses a person of the helpline (by username)."""

    person_field: ClassVar[str]

    def __init__(self, *args: Any, staff: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields[self.person_field]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 — declared as one
        field.choices = [("", _("Choose a person")), *self.people(staff or [])]

    @staticmethod
    def people(staff: list[Any]) -> list[tuple[str, str]]:
        return [(user.get_username(), user.get_username()) for user in staff]


class AssignForm(_PersonForm):
    draft_class = AssignDraft
    form_id = "assign"
    person_field = "owner"

    owner = forms.ChoiceField(label=_("Give the case to"))


class HandoverForm(_PersonForm):
    draft_class = HandoverDraft
    form_id = "handover"
    person_field = "to"

    to = forms.ChoiceField(label=_("Hand over to"))
    note = forms.CharField(
        label=_("Handover note"),
        help_text=_("What the next person needs to know: where things stand, what was promised."),
        max_length=MAX_NOTE_LENGTH,
        widget=_textarea(3),
    )


class StatusForm(DraftForm):
    draft_class = StatusDraft
    form_id = "status"

    status = forms.ChoiceField(
        label=_("New status"),
        choices=[(value, label) for value, label in CaseStatus.choices if value in MANUAL_STATUSES],
    )
    note = forms.CharField(
        label=_("Note (optional)"), max_length=MAX_NOTE_LENGTH, required=False, widget=_textarea(2)
    )


class CloseForm(DraftForm):
    draft_class = CloseDraft
    form_id = "close"

    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[("", _("Choose the outcome"))]
        + [(value, label) for value, label in CaseOutcome.choices if value in CLOSING_OUTCOMES],
    )
    note = forms.CharField(
        label=_("Note (optional)"), max_length=MAX_NOTE_LENGTH, required=False, widget=_textarea(2)
    )


class ReopenForm(DraftForm):
    draft_class = ReopenDraft
    form_id = "reopen"

    note = forms.CharField(
        label=_("Why is the case reopened?"), max_length=MAX_NOTE_LENGTH, widget=_textarea(2)
    )


class NoteForm(DraftForm):
    draft_class = NoteDraft
    form_id = "note"

    text = forms.CharField(
        label=_("New note"),
        help_text=_("For the helpline only. Never copy abuse material here."),
        max_length=MAX_NOTE_LENGTH,
        widget=_textarea(3),
    )


class SummaryForm(DraftForm):
    draft_class = SummaryDraft
    form_id = "summary"

    summary = forms.CharField(
        label=_("Summary"),
        help_text=_("The case in a few lines, for whoever opens it next."),
        max_length=MAX_SUMMARY_LENGTH,
        required=False,
        widget=_textarea(4),
    )


class TaskForm(_PersonForm):
    draft_class = TaskDraft
    form_id = "task"
    person_field = "assignee"

    title = forms.CharField(label=_("Task"), max_length=MAX_TASK_TITLE_LENGTH)
    due_at = forms.DateTimeField(
        label=_("Due"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    assignee = forms.ChoiceField(label=_("For"), required=False)

    def __init__(self, *args: Any, staff: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, staff=staff, **kwargs)
        field = self.fields["assignee"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 — declared as one
        field.choices = [("", _("Nobody yet")), *self.people(staff or [])]


# --- the queue's filters -------------------------------------------------------------------


def _county_choices() -> list[tuple[str, Any]]:
    return [("", _("All counties"))] + [
        (county.code, county.name) for county, _towns in reference_counties()
    ]


def _municipality_choices() -> list[tuple[str, Any]]:
    choices: list[tuple[str, Any]] = [("", _("All municipalities"))]
    for county, towns in reference_counties():
        choices.append((county.name, [(m.slug, m.name) for m in towns]))
    return choices


class QueueFilterForm(forms.Form):
    """The queue's filters (a GET form); the view lists nothing while one is invalid."""

    q = forms.CharField(
        label=_("Search"),
        help_text=_(
            "A case number like C7QM4TZPK, a report's tracking code, words, a link, "
            "a @username or a phone number."
        ),
        max_length=MAX_SEARCH_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(OPEN, _("Every open case")), *CaseStatus.choices, (ALL, _("Every status"))],
        required=False,
    )
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        choices=[("", _("Every priority")), *Priority.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    category = forms.ChoiceField(
        label=_("Category"),
        choices=[("", _("Every category")), *Category.choices],
        required=False,
    )
    county = forms.ChoiceField(label=_("County"), required=False)
    municipality = forms.ChoiceField(label=_("Municipality"), required=False)
    owner = forms.ChoiceField(
        label=_("Followed by"),
        choices=[("", _("Anyone")), (MINE, _("Me")), (UNASSIGNED, _("Nobody yet"))],
        required=False,
    )
    opened_from = forms.DateField(
        label=_("Opened on or after"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    opened_to = forms.DateField(
        label=_("Opened on or before"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "filter-%s")
        super().__init__(*args, **kwargs)
        county = self.fields["county"]
        municipality = self.fields["municipality"]
        assert isinstance(county, forms.ChoiceField)  # noqa: S101 — declared as one
        assert isinstance(municipality, forms.ChoiceField)  # noqa: S101 — declared as one
        county.choices = _county_choices()
        municipality.choices = _municipality_choices()

    def filters(self, *, owner: str | None = None) -> CaseFilters:
        """The chosen filters (an invalid one is left out); ``owner`` fixes the owner."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return CaseFilters(
            status=data.get("status") or OPEN,
            priority=data.get("priority"),
            category=data.get("category") or None,
            county=data.get("county") or None,
            municipality=data.get("municipality") or None,
            owner=owner or data.get("owner") or None,
            opened_from=data.get("opened_from"),
            opened_to=data.get("opened_to"),
            text=data.get("q") or "",
        )
