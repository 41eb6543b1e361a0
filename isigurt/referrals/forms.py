"""The staff forms of referrals: layout and parsing only.

What makes a referral, an update or an outcome valid lives in the drafts of validation.py,
which these forms validate through, as the API does; each message lands next to its field.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from isigurt.cases.models import Case
from isigurt.lib.validation import refusals_onto_form
from isigurt.referrals import sharing
from isigurt.referrals.models import ReferralOutcome, ReferralStatus
from isigurt.referrals.selectors import (
    ALL_FILTER,
    CPU_KEY,
    OPEN_FILTER,
    Candidate,
    child_protection_units,
    send_candidates,
    suggested_unit,
)
from isigurt.referrals.validation import (
    MAX_REQUEST_LENGTH,
    MAX_TEXT_LENGTH,
    OptionalText,
    OutcomeDraft,
    ReferralDraft,
    ReferralText,
    check,
)


class _DraftForm(forms.Form):
    """A form whose answers are checked by a draft of validation.py (``self.draft``)."""

    draft_model: Any = None
    draft: Any = None
    # Several of these forms share a page: each names its fields' ids after itself.
    id_prefix = "id"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)

    def draft_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        data = self.draft_data()
        if self.errors:
            return cleaned
        draft, errors = check(self.draft_model, data)
        if errors:
            refusals_onto_form(self, errors)
        else:
            self.draft = draft
        return cleaned


class SendForm(_DraftForm):
    """Refer a case to one or more institutions, each with the groups of fields it reads."""

    draft_model = ReferralDraft

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.candidates: list[Candidate] = send_candidates(case=case)
        labels = {group.code: group.label for group in sharing.FIELD_GROUPS}
        unit = suggested_unit(case)
        self.fields["cpu"] = forms.ModelChoiceField(
            label=_("Child protection unit"),
            queryset=child_protection_units(),
            required=False,
            initial=unit.pk if unit else None,
            empty_label=_("Choose the municipality's unit"),
            help_text=_("The unit of the child's municipality is chosen first."),
        )
        for candidate in self.candidates:
            self.fields[f"to_{candidate.key}"] = forms.BooleanField(
                label=(
                    _("Refer to the child protection unit chosen above")
                    if candidate.key == CPU_KEY
                    else candidate.organisation.name
                    if candidate.organisation
                    else candidate.kind_label
                ),
                required=False,
            )
            self.fields[f"groups_{candidate.key}"] = forms.MultipleChoiceField(
                label=_("What it may read"),
                choices=[(code, labels[code]) for code in candidate.allowed],
                initial=candidate.suggested,
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )
        self.fields["request"] = forms.CharField(
            label=_("What you ask of the institution"),
            max_length=MAX_REQUEST_LENGTH,
            required=False,
            widget=forms.Textarea(attrs={"rows": 4}),
            help_text=_(
                "Every institution you refer to reads this. Write only what it needs to act."
            ),
        )

    def rows(self) -> list[dict[str, Any]]:
        """Each candidate with its two fields, for the template."""
        return [
            {
                "candidate": candidate,
                "to": self[f"to_{candidate.key}"],
                "groups": self[f"groups_{candidate.key}"],
            }
            for candidate in self.candidates
        ]

    def draft_data(self) -> dict[str, Any]:
        recipients = []
        for candidate in self.candidates:
            if not self.cleaned_data.get(f"to_{candidate.key}"):
                continue
            if candidate.key == CPU_KEY:
                unit = self.cleaned_data.get("cpu")
                if unit is None:
                    self.add_error("cpu", _("Choose the child protection unit."))
                    continue
                organisation_id = unit.pk
            else:
                organisation_id = int(candidate.key)
            recipients.append(
                {
                    "organisation_id": organisation_id,
                    "groups": list(self.cleaned_data.get(f"groups_{candidate.key}") or []),
                }
            )
        return {"recipients": recipients, "request": self.cleaned_data.get("request", "")}


class UpdateForm(_DraftForm):
    id_prefix = "update"
    draft_model = ReferralText
    text = forms.CharField(
        label=_("Update for the helpline"),
        max_length=MAX_TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class QuestionForm(_DraftForm):
    id_prefix = "question"
    draft_model = ReferralText
    text = forms.CharField(
        label=_("Question for the institution"),
        max_length=MAX_TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class WithdrawForm(_DraftForm):
    id_prefix = "withdraw"
    draft_model = OptionalText
    text = forms.CharField(
        label=_("Why the referral is withdrawn (for the case's timeline)"),
        max_length=MAX_TEXT_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class OutcomeForm(_DraftForm):
    id_prefix = "outcome"
    draft_model = OutcomeDraft
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=ReferralOutcome.choices, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label=_("What was done (for the helpline)"),
        max_length=MAX_TEXT_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class OfficerForm(forms.Form):
    """The officer of the institution who follows the referral (none chosen: the one who
    sends the form takes it on)."""

    def __init__(self, *args: Any, officers: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["officer"] = forms.TypedChoiceField(
            label=_("Officer in charge"),
            choices=[(officer.pk, officer.get_username()) for officer in officers],
            coerce=int,
            required=False,
            empty_value=None,
        )


class InboxFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            (OPEN_FILTER, _("Open referrals")),
            (ALL_FILTER, _("All referrals")),
            *ReferralStatus.choices,
        ],
    )

    def chosen(self) -> str:
        if self.is_valid():
            return self.cleaned_data.get("status") or OPEN_FILTER
        return OPEN_FILTER
