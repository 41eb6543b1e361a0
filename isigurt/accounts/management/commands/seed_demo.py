from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Load the demo data set (organisations and one user per role)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write("demo data: nothing yet")
