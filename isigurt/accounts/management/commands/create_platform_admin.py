import getpass
import os
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

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
        username, email = options["username"], options["email"]
        if User.objects.filter(username=username).exists():
            raise CommandError("A user with that username already exists.")
        password = os.environ.get(PASSWORD_ENV) or self._ask_password()
        try:
            platform_admin_create(username=username, email=email, password=password)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(
            f"platform administrator {username} created; sign in at /staff/login/ and "
            "set up the authenticator app when asked (first sign-in)."
        )

    def _ask_password(self) -> str:
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("The passwords do not match.")
        return first
