"""Forms of the helpline's report pages that are theirs alone (input validation only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from isigurt.reports.models import MAX_CALLBACK_NOTE_LENGTH, CallbackOutcome
from isigurt.reports.services import callback_time_problem


class CallbackForm(forms.Form):
    called_at = forms.DateTimeField(
        label=_("When you called"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=CallbackOutcome.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Short note"),
        required=False,
        max_length=MAX_CALLBACK_NOTE_LENGTH,
        help_text=_("A line or two for colleagues. Not a transcript."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial", {"called_at": timezone.localtime().replace(second=0, microsecond=0)}
        )
        super().__init__(*args, **kwargs)

    def clean_called_at(self) -> datetime:
        called_at: datetime = self.cleaned_data["called_at"]
        problem = callback_time_problem(called_at)
        if problem:
            raise forms.ValidationError(problem)
        return called_at
