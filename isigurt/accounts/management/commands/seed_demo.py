from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from isigurt.accounts.services import demo_seed


class Command(BaseCommand):
    help = (
        "Load the demo data set: every organisation (the national bodies, one child "
        "protection unit per municipality, one youth network per county) and one demo user "
        "per role. Safe to run again. Refused outside demo mode."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("Demo data can only be loaded in demo mode (ISIGURT_DEMO_MODE).")
        self.stdout.write(str(demo_seed()))
