"""Print the audit log's public key (for verifiers), or generate a new private key."""

import base64
import secrets
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from isigurt.audit import signing


class Command(BaseCommand):
    help = (
        "Print the public key that verifies the audit log's checkpoints (keep a copy outside the "
        "database host; give it to verify_audit_log --public-key). With --generate, print a new "
        "private key for AUDIT_SIGNING_KEY instead."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--generate", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["generate"]:
            seed = base64.b64encode(secrets.token_bytes(signing.SEED_BYTES)).decode("ascii")
            public = signing.parse_private_key(seed).public_key()
            self.stdout.write(f"AUDIT_SIGNING_KEY={seed}")
            self.stdout.write(f"public key {signing.public_key_text(public)}")
            return
        public = signing.signing_key().public_key()
        self.stdout.write(f"{signing.public_key_text(public)} (key id {signing.key_id(public)})")
