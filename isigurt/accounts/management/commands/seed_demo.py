from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from isigurt.accounts.api_tokens import api_tokens_demo_seed
from isigurt.accounts.models import User
from isigurt.accounts.services import demo_seed
from isigurt.cases.services import cases_demo_seed
from isigurt.helpline.services import contacts_demo_seed
from isigurt.referrals.services import referrals_demo_seed
from isigurt.reports.search import report_terms_reindex


class Command(BaseCommand):
    help = (
        "Load the demo data set: every organisation (the national bodies, one child "
        "protection unit per municipality, one youth network per county) and one demo user "
        "per role, a few helpline contacts for the demo operator, a few cases opened from "
        "them and from demo reports, a referral to the Tiranë child protection unit and one "
        "to the police, and the demo API tokens of the child protection units of Tiranë and "
        "Durrës (see the README). Safe to run again. "
        "Refused outside demo mode."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("Demo data can only be loaded in demo mode (ISIGURT_DEMO_MODE).")
        summary = demo_seed()
        operator = User.objects.get(username="operator")
        contacts = contacts_demo_seed(operator=operator)
        cases = cases_demo_seed(operator=operator)
        referrals = referrals_demo_seed()
        tokens = api_tokens_demo_seed()
        # Reports filed before search existed become searchable (only those not yet indexed).
        indexed = report_terms_reindex()
        self.stdout.write(
            f"{summary}, {contacts} new helpline contacts, {cases} new cases, "
            f"{referrals} new referrals, {tokens} new API tokens, {indexed} reports indexed "
            "for search"
        )
