from typing import Any

from django.core.management.base import BaseCommand

from isigurt.geography.services import geography_load


class Command(BaseCommand):
    help = "Load Albania's 12 counties and 61 municipalities from the project's reference file."

    def handle(self, *args: Any, **options: Any) -> None:
        summary = geography_load()
        counties, municipalities = summary.counties, summary.municipalities
        self.stdout.write(f"geography loaded: {counties} counties, {municipalities} municipalities")
