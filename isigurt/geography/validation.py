"""The place of a child (a county, a municipality, or outside Albania) as drafts check it.

``PlaceChecks`` gives a draft the checks of its ``county_code`` and ``municipality_slug`` and
the county and municipality they name. The draft declares the three fields itself, in its own
order, after ``outside_albania``: the checks read "outside Albania" and the county from the
fields validated before them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from pydantic import BaseModel, ValidationInfo, field_validator

from isigurt.geography.models import County, Municipality
from isigurt.geography.selectors import county_by_code, municipality_by_slug
from isigurt.lib.validation import refuse

MAX_COUNTY_CODE_LENGTH = 8
MAX_MUNICIPALITY_SLUG_LENGTH = 64


class PlaceChecks(BaseModel):
    """The checks and reads of a draft's place; the fields are the draft's own."""

    if TYPE_CHECKING:
        outside_albania: bool
        county_code: str | None
        municipality_slug: str | None

    @classmethod
    def outside_albania_message(cls) -> str:
        """What to say when a county or municipality comes with "outside Albania"."""
        return _("Leave the county and municipality empty for outside Albania.")

    @field_validator("county_code", check_fields=False)
    @classmethod
    def _county_code(cls, value: str | None, info: ValidationInfo) -> str | None:
        if not value:
            return None
        if info.data.get("outside_albania"):
            raise refuse(cls.outside_albania_message())
        if county_by_code(value) is None:
            raise refuse(_("Choose a county from the list."))
        return value

    @field_validator("municipality_slug", check_fields=False)
    @classmethod
    def _municipality_slug(cls, value: str | None, info: ValidationInfo) -> str | None:
        if not value:
            return None
        if info.data.get("outside_albania"):
            raise refuse(cls.outside_albania_message())
        municipality = municipality_by_slug(value)
        if municipality is None:
            raise refuse(_("Choose a municipality from the list."))
        code = info.data.get("county_code")
        county = county_by_code(code) if code else None
        if county is not None and municipality.county_id != county.pk:
            raise refuse(_("This municipality is not in the county you chose."))
        return value

    # --- what follows from a valid draft ---

    @property
    def municipality(self) -> Municipality | None:
        return municipality_by_slug(self.municipality_slug) if self.municipality_slug else None

    @property
    def county(self) -> County | None:
        """The county chosen, or the municipality's county when only that was chosen."""
        if self.county_code:
            return county_by_code(self.county_code)
        municipality = self.municipality
        return municipality.county if municipality is not None else None
