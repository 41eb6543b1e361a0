from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from isigurt.accounts.api_tokens import ApiTokenRefused, api_token_issue
from isigurt.accounts.models import Organisation


class Command(BaseCommand):
    help = (
        "Issue an API token for an institution's partner system and print it once (decision "
        "0017). The platform keeps only its digest: copy it from this output."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation", required=True, type=int, help="organisation id")
        parser.add_argument("--label", required=True, help="the partner system's name")
        parser.add_argument(
            "--expires", help="optional expiry, as 2027-06-30 or 2027-06-30T18:00 (local time)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(settings.LANGUAGE_CODE):
            self._issue(options["organisation"], options["label"], options.get("expires"))

    def _issue(self, organisation_id: int, label: str, expires: str | None) -> None:
        organisation = Organisation.objects.filter(pk=organisation_id).first()
        if organisation is None:
            raise CommandError(_("No organisation has this id."))
        expires_at = None
        if expires:
            try:
                expires_at = datetime.fromisoformat(expires)
            except ValueError as exc:
                raise CommandError(_("Give the expiry like 2027-06-30T18:00.")) from exc
            if timezone.is_naive(expires_at):
                expires_at = timezone.make_aware(expires_at)
        try:
            issued = api_token_issue(
                organisation=organisation, label=label, actor=None, expires_at=expires_at
            )
        except ApiTokenRefused as refused:
            raise CommandError(" ".join(m for ms in refused.errors.values() for m in ms)) from None
        self.stderr.write(
            _(
                "API token %(prefix)s issued for %(organisation)s. It is shown once, below: "
                "the platform keeps only its digest."
            )
            % {"prefix": issued.token.prefix, "organisation": organisation}
        )
        self.stdout.write(issued.value)
