"""Albania's counties and municipalities are reference data: every database has them."""

import csv
import unicodedata
from pathlib import Path

from django.db import migrations
from django.utils.text import slugify

CSV = Path(__file__).resolve().parent.parent / "data" / "albania_admin_units.csv"


def _fold(text):
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def load(apps, schema_editor):
    County = apps.get_model("geography", "County")
    Municipality = apps.get_model("geography", "Municipality")
    with CSV.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    counties = {}
    for row in rows:
        code = row["county_code"].strip()
        if code not in counties:
            counties[code], _ = County.objects.update_or_create(
                code=code, defaults={"name": row["county"].strip(), "slug": slugify(_fold(row["county"]))}
            )
    for row in rows:
        name, seat = row["municipality"].strip(), row["municipality_seat"].strip()
        Municipality.objects.update_or_create(
            name=name,
            defaults={
                "county": counties[row["county_code"].strip()],
                "slug": slugify(_fold(name)),
                "seat": seat,
                "aliases": "|".join(sorted({_fold(name), _fold(seat)})),
            },
        )


def unload(apps, schema_editor):
    apps.get_model("geography", "Municipality").objects.all().delete()
    apps.get_model("geography", "County").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("geography", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
