"""The place of a child in a form: a county, then a municipality, or "outside Albania".

Each form declares the two fields where it asks them (``county_field()``,
``municipality_field()``), so its own order stays; ``PlaceFormMixin`` fills their choices and
turns the county answer "outside Albania" into the draft's ``outside_albania``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from isigurt.geography.selectors import OUTSIDE_ALBANIA, reference_counties


def county_choices() -> list[tuple[str, str]]:
    """Counties by name, from the in-memory reference lookup (no query once it is warm)."""
    choices = [("", str(_("I don't know or I'd rather not say")))]
    choices += [(county.code, county.name) for county, _towns in reference_counties()]
    choices.append((OUTSIDE_ALBANIA, str(_("Outside Albania"))))
    return choices


def municipality_choices() -> list[tuple[str, Any]]:
    """Municipalities grouped by county (an <optgroup> each) for the page without JavaScript."""
    choices: list[tuple[str, Any]] = [("", str(_("I don't know or I'd rather not say")))]
    for county, towns in reference_counties():
        choices.append((county.name, [(m.slug, m.name) for m in towns]))
    return choices


class MunicipalitySelect(forms.Select):
    """A <select> whose options carry their county, so a script can filter them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.county_of: dict[str, str] = {}

    def create_option(
        self,
        name: str,
        value: Any,
        label: Any,
        selected: Any,
        index: int,
        subindex: int | None = None,
        attrs: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        option: dict[str, Any] = super().create_option(
            name, value, label, selected, index, subindex, attrs
        )
        county = self.county_of.get(str(value))
        if county:
            option["attrs"]["data-county"] = county
        return option


def county_field() -> forms.ChoiceField:
    """The ``county_code`` field; its choices are filled per form (``fill_place_choices``)."""
    return forms.ChoiceField(label=_("County"), required=False)


def municipality_field() -> forms.ChoiceField:
    """The ``municipality_slug`` field; its choices are filled per form."""
    return forms.ChoiceField(label=_("Municipality"), required=False, widget=MunicipalitySelect)


class PlaceFormMixin:
    """For a form with ``county_code`` and ``municipality_slug`` fields."""

    fields: dict[str, forms.Field]

    def fill_place_choices(self) -> None:
        """The counties, and the municipalities each marked with its county."""
        county = self.fields["county_code"]
        municipality = self.fields["municipality_slug"]
        assert isinstance(county, forms.ChoiceField)  # noqa: S101 — declared as one
        assert isinstance(municipality, forms.ChoiceField)  # noqa: S101 — declared as one
        county.choices = county_choices()
        municipality.choices = municipality_choices()
        widget = municipality.widget
        assert isinstance(widget, MunicipalitySelect)  # noqa: S101 — declared as one
        widget.county_of = {
            m.slug: county.code for county, towns in reference_counties() for m in towns
        }

    @staticmethod
    def place_answers(answers: dict[str, Any]) -> None:
        """The county answer "outside Albania" becomes the draft's ``outside_albania``."""
        if answers.get("county_code") == OUTSIDE_ALBANIA:
            answers["outside_albania"] = True
            del answers["county_code"]
