"""Re-encrypt stored values and files with the newest key in FIELD_ENCRYPTION_KEYS.

Put the new key first in FIELD_ENCRYPTION_KEYS, keep the old ones after it, deploy, run this
command. It re-encrypts encrypted model fields and every encrypted file an app registered a
rotator for (evidence screenshots). Only once a run reports 0 fields AND 0 files can the old
keys be removed: a file still made with a removed key can never be decrypted again.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from isigurt.lib.rotation import rotate_encrypted_files, rotate_encryption


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field value and file not yet encrypted with the newest key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        result = rotate_encryption(batch_size=options["batch_size"])
        files = rotate_encrypted_files(batch_size=options["batch_size"])
        self.stdout.write(
            _(
                "re-encrypted %(fields)d fields in %(rows)d rows across %(models)d models "
                "and %(files)d files"
            )
            % {
                "fields": result.fields,
                "rows": result.rows,
                "models": result.models,
                "files": sum(files.values()),
            }
        )
