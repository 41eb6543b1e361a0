"""Input of the links section and of the merge page: validation only."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from isigurt.cases.models import Case
from isigurt.lib.text import bidi_neutralise
from isigurt.reports.validation import has_control_characters

MAX_NOTE_LENGTH = 2000
THIS, OTHER = "this", "other"


def _note(value: str) -> str:
    if has_control_characters(value, allow_newlines=True):
        raise forms.ValidationError(_("This contains characters we cannot accept."))
    # Direction controls could reorder what staff read: each becomes a visible marker.
    return bidi_neutralise(value.strip()).text


class LinkDecisionForm(forms.Form):
    note = forms.CharField(
        label=_("Note (optional)"),
        max_length=MAX_NOTE_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_note(self) -> str:
        return _note(self.cleaned_data.get("note") or "")


class MergeForm(forms.Form):
    survivor = forms.ChoiceField(
        label=_("Which case goes on?"),
        widget=forms.RadioSelect,
        help_text=_(
            "The other case is closed as merged; its reports, tasks, links and referrals move"
            " to the one that goes on."
        ),
    )
    note = forms.CharField(
        label=_("Why are they the same? (optional)"),
        max_length=MAX_NOTE_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, case: Case, other: Case, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"survivor": THIS})
        super().__init__(*args, **kwargs)
        survivor = cast(forms.ChoiceField, self.fields["survivor"])
        survivor.choices = [
            (THIS, _("This case, %(code)s") % {"code": case.code}),
            (OTHER, _("The other case, %(code)s") % {"code": other.code}),
        ]

    def clean_note(self) -> str:
        return _note(self.cleaned_data.get("note") or "")
