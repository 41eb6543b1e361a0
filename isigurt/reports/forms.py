"""Input parsing for the public report pages, the tracking page and the helpline pages.

The report form is layout only: labels, widgets and the order of the questions. What makes a
report valid lives in ``ReportDraft`` (validation.py), which the form validates through, as the
API does; its messages land next to the field they belong to. Every field is optional at this
level, so that one bad answer never throws away the others.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from isigurt.geography.forms import PlaceFormMixin, county_field, municipality_field
from isigurt.reports.categories import GROUP_FIELDS, category_specs
from isigurt.reports.models import (
    AffectedPerson,
    AgeBand,
    Audience,
    Category,
    ContactMethod,
    Gender,
    ReportStatus,
)
from isigurt.reports.validation import ALL_GROUPS, MAX_MESSAGE_LENGTH, WHO, ReportDraft

# Who is reporting, in the reporter's own voice.
AUDIENCE_CHOICES = [
    (Audience.CHILD.value, _("I am a child (8 to 12 years old)")),
    (Audience.TEEN.value, _("I am a teenager (13 to 17 years old)")),
    (Audience.ADULT.value, _("I am an adult: a parent, a teacher or someone else")),
]
# "Is a child in danger right now?" starts with nothing chosen and may be left unanswered: a
# frightened reporter is never stopped by it. "Yes" and "Not sure" both show the call box; only
# "Yes" marks the report as a child in danger now.
DANGER_YES = "yes"
DANGER_NOT_SURE = "not_sure"
DANGER_CHOICES = [
    (DANGER_YES, _("Yes")),
    ("no", _("No")),
    (DANGER_NOT_SURE, _("I am not sure")),
]
DANGER_SHOWS_CALL_BOX = (DANGER_YES, DANGER_NOT_SURE)
YES_NO = DANGER_CHOICES
_CHOOSE_CATEGORY = _("Choose what happened, so we can ask the right questions.")

# Field labels and hints per audience where the words should change for a child.
_AFFECTED_LABEL: dict[str, Any] = {
    Audience.CHILD: _("Who did this happen to?"),
    Audience.TEEN: _("Who did this happen to?"),
    Audience.ADULT: _("Who is affected?"),
}
_DESCRIPTION_LABEL: dict[str, Any] = {
    Audience.CHILD: _("Tell us what happened, in your own words"),
    Audience.TEEN: _("What happened? Tell us in your own words"),
    Audience.ADULT: _("Describe what happened"),
}
_DESCRIPTION_HINT: dict[str, Any] = {
    Audience.CHILD: _("Write as much or as little as you like. You can skip this."),
    Audience.TEEN: _("Anything that helps us understand. You can skip this."),
    Audience.ADULT: _("Optional. Do not paste images or their content here."),
}


class AudienceForm(forms.Form):
    """The first question: who is reporting (it changes the words of everything after)."""

    audience = forms.ChoiceField(
        label=_("Who is telling us?"), choices=AUDIENCE_CHOICES, widget=forms.RadioSelect
    )


class StartForm(forms.Form):
    """Step 1: what happened (one thing or several), and is a child in danger right now.

    The main category is the first chosen in the list's order (the list runs from the most
    serious); step 2 asks the questions of every category chosen.
    """

    audience = forms.ChoiceField(choices=AUDIENCE_CHOICES, widget=forms.HiddenInput)
    category = forms.MultipleChoiceField(
        label=_("What happened?"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _CHOOSE_CATEGORY},
    )
    child_in_danger = forms.ChoiceField(
        label=_("Is a child in danger right now?"),
        choices=DANGER_CHOICES,
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, audience: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.specs = {spec["category"]: spec for spec in category_specs(audience)}
        _choice_field(self, "category").choices = [
            (name, spec["label"]) for name, spec in self.specs.items()
        ]
        self.fields["audience"].initial = audience

    def clean_category(self) -> list[str]:
        chosen = set(self.cleaned_data.get("category") or [])
        return [name for name in self.specs if name in chosen]

    def step1(self) -> dict[str, Any]:
        return step1_answers(
            audience=self.cleaned_data["audience"],
            categories=self.cleaned_data["category"],
            danger=self.cleaned_data.get("child_in_danger") or "",
        )


def step1_answers(*, audience: str, categories: list[str], danger: str) -> dict[str, Any]:
    """Step 1's answers as the session keeps them and step 2 carries them."""
    return {
        "audience": audience,
        "category": categories[0],
        "categories": categories,
        "child_in_danger": danger == DANGER_YES,
        "danger": danger,
    }


class Step1Form(forms.Form):
    """Step 1's answers, carried as hidden fields of step 2 so that step 2 stands on its own.

    The session keeps a copy only for convenience: when it has expired (JavaScript off, a slow
    writer), the posted step 2 still says who is reporting and what happened.
    """

    audience = forms.ChoiceField(choices=AUDIENCE_CHOICES, widget=forms.HiddenInput)
    category = forms.MultipleChoiceField(widget=forms.MultipleHiddenInput)
    child_in_danger = forms.ChoiceField(
        choices=DANGER_CHOICES, required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "category").choices = [(c.value, c.value) for c in Category]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        audience, chosen = data.get("audience"), data.get("category") or []
        known = [spec["category"] for spec in category_specs(audience)] if audience else []
        if chosen and not set(chosen) <= set(known):
            self.add_error("category", _CHOOSE_CATEGORY)
        elif chosen:
            data["category"] = [name for name in known if name in chosen]
        return data

    def step1(self) -> dict[str, Any]:
        """The same shape as the session copy."""
        return step1_answers(
            audience=self.cleaned_data["audience"],
            categories=self.cleaned_data["category"],
            danger=self.cleaned_data.get("child_in_danger") or "",
        )

    @classmethod
    def for_step1(cls, step1: dict[str, Any]) -> Step1Form:
        return cls(
            initial={
                "audience": step1["audience"],
                "category": step1.get("categories") or [step1["category"]],
                "child_in_danger": step1.get("danger")
                or (DANGER_YES if step1["child_in_danger"] else ""),
            }
        )


def _choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)  # noqa: S101 — declared as one
    return field


class LinesField(forms.CharField):
    """A textarea of one entry per line, cleaned to a list of the non-empty lines."""

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


class ReportForm(PlaceFormMixin, forms.Form):
    """Step 2: only the questions that fit the chosen category; everything optional here."""

    form_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    platform = forms.CharField(
        label=_("Which app, game or website?"),
        help_text=_("For example TikTok, Instagram, WhatsApp or a game."),
        required=False,
    )
    urls = LinesField(
        label=_("Links (one per line)"),
        help_text=_("Copy the address from the top of the page, like https://example.com/…"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "inputmode": "url", "spellcheck": "false"}),
    )
    usernames = LinesField(
        label=_("Usernames or profile links (one per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}),
    )
    phone_numbers = LinesField(
        label=_("Phone numbers (one per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "inputmode": "tel"}),
    )
    occurred_on = forms.CharField(
        label=_("When did it happen?"),
        help_text=_("If you are not sure, leave it empty."),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    affected = forms.ChoiceField(
        choices=AffectedPerson.choices,
        initial=AffectedPerson.UNKNOWN,
        required=False,
        widget=forms.RadioSelect,
    )
    age_band = forms.ChoiceField(
        label=_("How old is the child it happened to?"),
        choices=AgeBand.choices,
        initial=AgeBand.UNKNOWN,
        required=False,
    )
    gender = forms.ChoiceField(
        label=_("Gender of the child it happened to"),
        choices=Gender.choices,
        initial=Gender.UNKNOWN,
        required=False,
    )
    county_code = county_field()
    municipality_slug = municipality_field()
    description = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    contact_method = forms.ChoiceField(
        label=_("Do you want the helpline to contact you?"),
        choices=ContactMethod.choices,
        initial=ContactMethod.ANONYMOUS,
        required=False,
        widget=forms.RadioSelect,
    )
    contact_value = forms.CharField(
        label=_("Your phone number or e-mail address"),
        help_text=_("Only the helpline sees it, and only to answer you."),
        required=False,
    )
    contact_consent = forms.BooleanField(
        label=_("I agree that the helpline contacts me about this report."),
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        spec: dict[str, Any],
        audience: str,
        child_in_danger: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.spec = spec
        self.audience = audience
        self.child_in_danger = child_in_danger
        self.groups = set(spec["groups"])
        self.evidence_allowed = bool(spec["evidence_allowed"])
        self.report_draft: ReportDraft | None = None
        self.fields["affected"].label = _AFFECTED_LABEL.get(audience, _AFFECTED_LABEL["adult"])
        self.fields["description"].label = _DESCRIPTION_LABEL.get(
            audience, _DESCRIPTION_LABEL["adult"]
        )
        self.fields["description"].help_text = _DESCRIPTION_HINT.get(
            audience, _DESCRIPTION_HINT["adult"]
        )
        if spec["category"] == Category.ABUSE_MATERIAL:
            self.fields["urls"].label = _("Where did you see it? The link (one per line)")
            self.fields["urls"].help_text = spec["evidence_note"]
        if WHO in self.groups:
            self.fill_place_choices()
        self.fields["occurred_on"].widget.attrs["max"] = timezone.localdate().isoformat()
        self.fields["contact_value"].widget.attrs["autocomplete"] = "off"
        for name in list(self.fields):
            if name == "form_key":
                continue
            if self.field_group(name) not in self.groups:
                del self.fields[name]
                continue
            # The draft's bounds, as the browser's own limit on typing; text counted as a
            # person counts it gets a counter instead, and is never cut.
            characters = _max_characters(name)
            limit = _max_length(name)
            if characters is not None:
                self.fields[name].widget.attrs["data-max-chars"] = str(characters)
            elif limit is not None and not isinstance(self.fields[name], LinesField):
                self.fields[name].widget.attrs["maxlength"] = str(limit)

    @staticmethod
    def field_group(name: str) -> str:
        for group, names in GROUP_FIELDS.items():
            if name in names:
                return group
        raise KeyError(name)

    def groups_in_order(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The visible fields, grouped as the page shows them."""
        return [
            (
                group,
                [
                    self[name]
                    for name in self.fields
                    if name != "form_key" and self.field_group(name) == group
                ],
            )
            for group in ALL_GROUPS
            if group in self.groups
        ]

    def clean(self) -> dict[str, Any]:
        """The answers as a ReportDraft (``report_draft``), or its messages on the fields."""
        data = super().clean() or {}
        if self.errors:
            return data
        answers: dict[str, Any] = {
            name: value
            for name, value in data.items()
            if name in ReportDraft.model_fields and value not in ("", None)
        }
        self.place_answers(answers)
        draft, errors = ReportDraft.check(
            {
                **answers,
                "category": self.spec["category"],
                "categories": self.spec.get("categories") or [self.spec["category"]],
                "audience": self.audience,
                "child_in_danger": self.child_in_danger,
            }
        )
        self.report_draft = draft
        self.add_report_errors(errors)
        return data

    def add_report_errors(self, errors: dict[str, list[str]]) -> None:
        """Put the draft's messages next to the field they belong to."""
        for name, messages in errors.items():
            target = "county_code" if name == "outside_albania" else name
            for message in messages:
                self.add_error(target if target in self.fields else None, message)


def _max_characters(name: str) -> int | None:
    """The draft's limit on characters as a person counts them, if the field has one."""
    extra = ReportDraft.model_fields[name].json_schema_extra
    limit = extra.get("x-max-characters") if isinstance(extra, dict) else None
    return limit if isinstance(limit, int) else None


def _max_length(name: str) -> int | None:
    for meta in ReportDraft.model_fields[name].metadata:
        limit = getattr(meta, "max_length", None)
        if isinstance(limit, int):
            return limit
    return None


class TrackForm(forms.Form):
    tracking_code = forms.CharField(
        label=_("Tracking code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    secret = forms.CharField(
        label=_("Secret"),
        max_length=100,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        max_length=MAX_MESSAGE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class InformationForm(forms.Form):
    text = forms.CharField(
        label=_("Add information to your report"),
        max_length=MAX_MESSAGE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ReportStatus.choices)


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Answer the reporter"),
        max_length=MAX_MESSAGE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
