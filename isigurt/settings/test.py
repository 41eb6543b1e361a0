"""Test settings: the same as local ones, with fast hashing and fixed keys."""

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Two fixed keys so that rotation is exercised; newest first.
FIELD_ENCRYPTION_KEYS = (
    "k2:aXNpZ3VydC10ZXN0LWtleS0yLTMyLWJ5dGVzLW9rISE=,"
    "k1:aXNpZ3VydC10ZXN0LWtleS0xLTMyLWJ5dGVzLW9rISE="
)
EVIDENCE_ROOT = BASE_DIR / "var" / "test-evidence"  # noqa: F405
CELERY_BROKER_URL = ""
# Each test has a fresh log: a file shared across tests would hold other chains' checkpoints.
# Tests of the checkpoint log point it at their own file.
AUDIT_CHECKPOINT_LOG = ""
