"""Loading Albania's reference geography from the CSV shipped with the project."""

import csv
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils.text import slugify

from isigurt.geography.models import County, Municipality
from isigurt.geography.selectors import reference_lookup_clear
from isigurt.lib.text import fold

REFERENCE_CSV = Path(__file__).resolve().parent / "data" / "albania_admin_units.csv"


@dataclass(frozen=True)
class LoadSummary:
    counties: int
    municipalities: int


def _aliases(name: str, seat: str) -> str:
    # The seat keeps a former name alive (Dimal was Ura Vajgurore until 2021).
    candidates = {fold(name), fold(seat)}
    return "|".join(sorted(candidates))


@transaction.atomic
def geography_load(*, path: Path = REFERENCE_CSV) -> LoadSummary:
    """Create or update counties and municipalities; safe to run again."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    counties: dict[str, County] = {}
    for row in rows:
        code = row["county_code"].strip()
        if code not in counties:
            county, _ = County.objects.update_or_create(
                code=code,
                defaults={"name": row["county"].strip(), "slug": slugify(fold(row["county"]))},
            )
            counties[code] = county
    for row in rows:
        name = row["municipality"].strip()
        seat = row["municipality_seat"].strip()
        Municipality.objects.update_or_create(
            name=name,
            defaults={
                "county": counties[row["county_code"].strip()],
                "slug": slugify(fold(name)),
                "seat": seat,
                "aliases": _aliases(name, seat),
            },
        )
    reference_lookup_clear()
    return LoadSummary(counties=len(counties), municipalities=len(rows))
