"""Forms of the helpline's report pages that are theirs alone (input validation only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from isigurt.geography.forms import MunicipalitySelect, county_choices, municipality_choices
from isigurt.geography.selectors import (
    OUTSIDE_ALBANIA,
    county_by_code,
    municipality_by_slug,
    reference_counties,
)
from isigurt.reports.models import (
    MAX_CALLBACK_NOTE_LENGTH,
    CallbackOutcome,
    Category,
    Channel,
    ReportStatus,
)
from isigurt.reports.search import MAX_QUERY_LENGTH, ReportSearch, SearchRefused, search_parse
from isigurt.reports.selectors import OPEN, QueueFilters
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


class QueueFilterForm(forms.Form):
    """The intake queue's search and filters (a GET form that works without JavaScript).

    A value that is not one of the choices, a municipality outside the chosen county or a
    search with nothing searchable in it is an error shown beside its field, never silently
    dropped: the helpline must not believe it is looking at a filtered list when it is not.
    """

    q = forms.CharField(
        label=_("Search"),
        help_text=_(
            "A tracking code, words from the report or the reporter's messages, a link, "
            "a @username (or platform:username) or a phone number."
        ),
        max_length=MAX_QUERY_LENGTH,
        required=False,
        widget=forms.TextInput(
            attrs={"type": "search", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    county = forms.ChoiceField(label=_("County"), required=False)
    municipality = forms.ChoiceField(
        label=_("Municipality"), required=False, widget=MunicipalitySelect
    )
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    danger = forms.BooleanField(label=_("Only a child in danger now"), required=False)
    unread = forms.BooleanField(label=_("Only unread"), required=False)
    page = forms.IntegerField(label=_("Page"), min_value=1, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.search: ReportSearch | None = None
        self._choose(
            "status",
            [("", _("All statuses")), (OPEN, _("Open (not closed)")), *ReportStatus.choices],
        )
        self._choose("category", [("", _("All categories")), *Category.choices])
        self._choose("channel", [("", _("All channels")), *Channel.choices])
        # Without the place form's "I don't know": here the empty choice means every county.
        self._choose("county", [("", _("All counties")), *county_choices()[1:]])
        self._choose("municipality", [("", _("All municipalities")), *municipality_choices()[1:]])
        widget = self.fields["municipality"].widget
        assert isinstance(widget, MunicipalitySelect)  # noqa: S101 — declared as one
        widget.county_of = {
            town.slug: county.code for county, towns in reference_counties() for town in towns
        }

    def _choose(self, name: str, choices: list[tuple[str, Any]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 — declared as one
        field.choices = choices

    def clean_q(self) -> str:
        text: str = self.cleaned_data.get("q") or ""
        try:
            self.search = search_parse(text)
        except SearchRefused as refused:
            raise forms.ValidationError(refused.message) from None
        return text

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        county, slug = data.get("county"), data.get("municipality")
        if slug and county:
            municipality = municipality_by_slug(slug)
            if county == OUTSIDE_ALBANIA or (
                municipality is not None and municipality.county.code != county
            ):
                place = county_by_code(county)
                self.add_error(
                    "municipality",
                    _("This municipality is not in %(county)s. Choose one of its own.")
                    % {"county": place.name if place else _("the chosen place")},
                )
        return data

    def filters(self) -> QueueFilters:
        """The chosen filters (call after ``is_valid()`` answered True)."""
        data = self.cleaned_data
        return QueueFilters(
            status=data.get("status") or None,
            category=data.get("category") or None,
            county=data.get("county") or None,
            municipality=data.get("municipality") or None,
            channel=data.get("channel") or None,
            danger=bool(data.get("danger")),
            unread=bool(data.get("unread")),
            search=self.search,
        )

    @property
    def narrowed(self) -> bool:
        """Whether a search or a filter is chosen (an empty list then says "no match")."""
        return bool(self.data.get("q")) or self.filtering

    @property
    def filtering(self) -> bool:
        """Whether a filter (not the search) is chosen: the filters then show open."""
        return any(self.data.get(name) for name in self.fields if name not in ("q", "page"))
