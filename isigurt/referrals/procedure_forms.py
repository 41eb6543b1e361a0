"""The procedure page's forms: layout and parsing only.

What makes a record valid lives in its draft (procedure_validation.py), which each form
validates through, as the API does; the draft's messages, and the service's, land next to the
field they belong to. Every form has a prefix, so that the page's forms never share an id.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext_lazy as _

from isigurt.accounts.models import Organisation, User
from isigurt.referrals.models import HandoffTo, MeasureStatus, PlanStatus, Sector
from isigurt.referrals.procedure_selectors import HANDOFF_KINDS, WorkerRow, worker_row
from isigurt.referrals.procedure_validation import (
    MAX_DECISIONS_LENGTH,
    MAX_GOALS_LENGTH,
    MAX_HANDOFF_NOTE_LENGTH,
    MAX_MEASURE_LENGTH,
    MAX_RESPONSIBLE_LENGTH,
    MAX_REVIEW_SUMMARY_LENGTH,
    HandoffDraft,
    MeasureDraft,
    MeasureStatusDraft,
    MeetingDraft,
    PlanDraft,
    ReviewDraft,
    WorkerDraft,
    today,
)


class _DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class _HeldDateField(forms.DateField):
    """The day something happened: the browser's date picker stops at today."""


def _date(label: Any, *, held: bool = False, help_text: Any = "") -> forms.DateField:
    kind = _HeldDateField if held else forms.DateField
    return kind(
        label=label,
        required=False,
        help_text=help_text,
        widget=_DateInput(),
        input_formats=["%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y"],
        error_messages={"invalid": _("Give the date like 2026-03-31.")},
    )


class DraftForm(forms.Form):
    """A form whose answers become a draft (``draft``) or messages on its fields."""

    draft_class: ClassVar[type[Any]]
    # A draft's field shown under another name on the form.
    moved: ClassVar[dict[str, str]] = {}
    title: Any = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.draft: Any = None
        for field in self.fields.values():
            if isinstance(field, _HeldDateField):
                field.widget.attrs["max"] = today().isoformat()

    def answers(self, data: dict[str, Any]) -> dict[str, Any]:
        return {name: value for name, value in data.items() if value not in (None, "", [])}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        self.draft, errors = self.draft_class.check(self.answers(data))
        self.add_draft_errors(errors)
        return data

    def add_draft_errors(self, errors: dict[str, list[str]]) -> None:
        """Put the draft's (or the service's) messages next to the field they belong to."""
        for name, messages in errors.items():
            target = self.moved.get(name, name)
            for message in messages:
                self.add_error(target if target in self.fields else None, message)


class WorkerForm(DraftForm):
    draft_class = WorkerDraft
    title = _("Assign the child protection worker")
    worker = forms.ChoiceField(label=_("Child protection worker"), required=False)

    def __init__(self, *args: Any, candidates: list[User] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "worker")
        super().__init__(*args, **kwargs)
        rows: list[WorkerRow] = [worker_row(user) for user in candidates or []]
        field = self.fields["worker"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - declared as one
        field.choices = [
            ("", _("Choose an officer of the unit")),
            *[(row.username, row.label) for row in rows],
        ]


class MeetingForm(DraftForm):
    draft_class = MeetingDraft
    title = _("Record a meeting of the technical group")
    held_on = _date(_("Held on"), held=True)
    sectors = forms.MultipleChoiceField(
        label=_("Sectors present"),
        choices=Sector.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    decisions = forms.CharField(
        label=_("Decisions"),
        help_text=_("What the group decided and who does what. Never copy abuse material here."),
        max_length=MAX_DECISIONS_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    next_meeting_on = _date(_("Next meeting"), help_text=_("Optional."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "meeting")
        super().__init__(*args, **kwargs)

    def answers(self, data: dict[str, Any]) -> dict[str, Any]:
        answers = super().answers(data)
        answers["sectors"] = data.get("sectors") or []
        return answers


class PlanForm(DraftForm):
    draft_class = PlanDraft
    title = _("Record the protection plan")
    approved_on = _date(_("Approved on"), held=True)
    goals = forms.CharField(
        label=_("Goals"),
        help_text=_("What the plan sets out to achieve for the child."),
        max_length=MAX_GOALS_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=PlanStatus.choices, required=False, widget=forms.RadioSelect
    )
    next_review_on = _date(_("Next review"), help_text=_("Needed while the plan is in force."))

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "plan")
        super().__init__(*args, **kwargs)
        self.editing = editing
        if not editing:
            del self.fields["status"]  # a plan is recorded in force
        else:
            self.title = _("Update the protection plan")


class MeasureForm(DraftForm):
    draft_class = MeasureDraft
    title = _("Add a measure")
    sector = forms.ChoiceField(
        label=_("Sector"), choices=[("", _("Choose a sector")), *Sector.choices], required=False
    )
    description = forms.CharField(
        label=_("Measure"),
        max_length=MAX_MEASURE_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    responsible = forms.CharField(
        label=_("Responsible"),
        help_text=_("The service or role, such as the school psychologist."),
        max_length=MAX_RESPONSIBLE_LENGTH,
        required=False,
    )
    due_on = _date(_("Due"), help_text=_("Optional."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "measure")
        super().__init__(*args, **kwargs)


class MeasureStatusForm(DraftForm):
    """One per measure on the page: its own ids, the same field name."""

    draft_class = MeasureStatusDraft
    status = forms.ChoiceField(label=_("Status"), choices=MeasureStatus.choices, required=False)

    def __init__(self, *args: Any, measure_id: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"measure-{measure_id}-%s")
        super().__init__(*args, **kwargs)


class ReviewForm(DraftForm):
    draft_class = ReviewDraft
    title = _("Record a review of the plan")
    reviewed_on = _date(_("Reviewed on"), held=True)
    summary = forms.CharField(
        label=_("Summary"),
        help_text=_("What the review found and what changes."),
        max_length=MAX_REVIEW_SUMMARY_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    next_review_on = _date(_("Next review"), help_text=_("Needed while the plan is in force."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "review")
        super().__init__(*args, **kwargs)


class HandoffForm(DraftForm):
    draft_class = HandoffDraft
    title = _("Record a hand-off")
    to = forms.ChoiceField(
        label=_("Passed to"), choices=HandoffTo.choices, required=False, widget=forms.RadioSelect
    )
    to_organisation = forms.TypedChoiceField(
        label=_("Institution"),
        help_text=_("Optional: the office or court, when you know it."),
        coerce=int,
        empty_value=None,
        required=False,
    )
    on = _date(_("On"), held=True)
    note = forms.CharField(
        label=_("Note"),
        max_length=MAX_HANDOFF_NOTE_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self, *args: Any, organisations: list[Organisation] | None = None, **kwargs: Any
    ) -> None:
        kwargs.setdefault("prefix", "handoff")
        super().__init__(*args, **kwargs)
        groups: list[tuple[Any, list[tuple[int, str]]]] = []
        for to, kind in HANDOFF_KINDS.items():
            members = [(o.pk, o.name) for o in organisations or [] if o.kind == kind]
            if members:
                groups.append((HandoffTo(to).label, members))
        field = self.fields["to_organisation"]
        assert isinstance(field, forms.TypedChoiceField)  # noqa: S101 - declared as one
        field.choices = [("", _("Not named")), *groups]
