"""Re-encrypt stored values with the newest key in FIELD_ENCRYPTION_KEYS.

Put the new key first in FIELD_ENCRYPTION_KEYS, keep the old ones after it, deploy, run this
command; once it reports 0 fields, the old keys can be removed.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from isigurt.lib.rotation import rotate_encryption


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field value not yet encrypted with the newest key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        result = rotate_encryption(batch_size=options["batch_size"])
        self.stdout.write(
            _("re-encrypted %(fields)d fields in %(rows)d rows across %(models)d models")
            % {"fields": result.fields, "rows": result.rows, "models": result.models}
        )
