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


# Reference data changes only when the reference file is loaded again, so intake (hundreds of
# reports a second) looks counties and municipalities up in memory, not in the database.
_lookup: tuple[dict[str, County], dict[str, Municipality]] | None = None


def _reference_lookup() -> tuple[dict[str, County], dict[str, Municipality]]:
    global _lookup
    if _lookup is None:
        counties = {county.code: county for county in County.objects.all()}
        municipalities = {
            municipality.slug: municipality
            for municipality in Municipality.objects.select_related("county")
        }
        _lookup = (counties, municipalities)
    return _lookup


def reference_lookup_clear(**_signal_kwargs: object) -> None:
    global _lookup
    _lookup = None


def reference_counties() -> list[tuple[County, list[Municipality]]]:
    """Every county by name with its municipalities by name, from the in-memory lookup."""
    counties, municipalities = _reference_lookup()
    towns: dict[str, list[Municipality]] = {code: [] for code in counties}
    for municipality in municipalities.values():
        towns.setdefault(municipality.county.code, []).append(municipality)
    return [
        (county, sorted(towns[county.code], key=lambda m: m.name))
        for county in sorted(counties.values(), key=lambda c: c.name)
    ]


def county_by_code(code: str) -> County | None:
    return _reference_lookup()[0].get(code)


def municipality_by_slug(slug: str) -> Municipality | None:
    return _reference_lookup()[1].get(slug)
