import getpass
import os
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from isigurt.accounts.models import User
from isigurt.accounts.services import platform_admin_create

PASSWORD_ENV = "ISIGURT_ADMIN_PASSWORD"  # noqa: S105 - the name of a variable, not a secret


class Command(BaseCommand):
    help = (
        "Create the first platform administrator. The password is read from "
        f"${PASSWORD_ENV} or asked for; the authenticator app is set up at first sign-in."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        # The command speaks the platform's default language, and so does the address it gives.
        with translation.override(settings.LANGUAGE_CODE):
            self._create(options["username"], options["email"])

    def _create(self, username: str, email: str) -> None:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise CommandError(
                _("The email address is not valid. Give it as name@example.org.")
            ) from exc
        if User.objects.filter(username=username).exists():
            raise CommandError(_("A user with that username already exists."))
        password = os.environ.get(PASSWORD_ENV) or self._ask_password()
        try:
            platform_admin_create(username=username, email=email, password=password)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(
            _(
                "Platform administrator %(username)s created. Sign in at %(url)s and set up "
                "the authenticator app when asked (first sign-in)."
            )
            % {"username": username, "url": reverse("accounts:login")}
        )

    def _ask_password(self) -> str:
        try:
            first = getpass.getpass(_("Password: "))
            again = getpass.getpass(_("Password (again): "))
        except EOFError as exc:
            raise CommandError(
                _(
                    "No password given. Run this in a terminal to type it, or set "
                    "%(variable)s in the environment."
                )
                % {"variable": PASSWORD_ENV}
            ) from exc
        if first != again:
            raise CommandError(_("The passwords do not match."))
        return first
