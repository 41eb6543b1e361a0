"""Reads of the reference geography."""

from django.db.models import QuerySet

from isigurt.geography.models import County, Municipality
from isigurt.lib.text import fold

OUTSIDE_ALBANIA = "outside"


def counties_with_municipalities() -> QuerySet[County]:
    return County.objects.prefetch_related("municipalities").order_by("code")


def municipality_find(*, name: str) -> Municipality | None:
    """Find a municipality by its name, a former name or a spelling without ë and ç."""
    wanted = fold(name)
    if not wanted:
        return None
    for municipality in Municipality.objects.select_related("county"):
        if wanted == fold(municipality.name) or wanted in municipality.aliases.split("|"):
            return municipality
    return None
