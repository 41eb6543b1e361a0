from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from isigurt.accounts.api_tokens import api_tokens_demo_seed
from isigurt.accounts.models import User
from isigurt.accounts.services import demo_seed
from isigurt.helpline.services import contacts_demo_seed


class Command(BaseCommand):
    help = (
        "Load the demo data set: every organisation (the national bodies, one child "
        "protection unit per municipality, one youth network per county) and one demo user "
        "per role, a few helpline contacts for the demo operator, and the demo API tokens of the "
        "child protection units of Tiranë and Durrës (see the README). Safe to run again. "
        "Refused outside demo mode."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("Demo data can only be loaded in demo mode (ISIGURT_DEMO_MODE).")
        summary = demo_seed()
        contacts = contacts_demo_seed(operator=User.objects.get(username="operator"))
        tokens = api_tokens_demo_seed()
        self.stdout.write(f"{summary}, {contacts} new helpline contacts, {tokens} new API tokens")
