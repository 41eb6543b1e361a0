"""Signing the audit log's checkpoints with Ed25519 (docs/decisions/0007-audit-sealing.md).

``settings.AUDIT_SIGNING_KEY`` holds the private key: the 32-byte Ed25519 seed, base64. Production
refuses to start without it; when it is empty (development and tests only) a key is derived from
SECRET_KEY. Verifiers need only the public key (``manage.py audit_signing_key``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from datetime import UTC, datetime
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# The first line of every checkpoint: which log it speaks for (as in C2SP tlog-checkpoint).
ORIGIN = "isigurt/audit/v1"
SEED_BYTES = 32


def _derive_dev_seed(secret_key: str) -> bytes:
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=SEED_BYTES,
        salt=b"isigurt-audit-signing",
        info=b"isigurt dev audit signing key v1",
    )
    return hkdf.derive(secret_key.encode("utf-8"))


def parse_private_key(value: str) -> Ed25519PrivateKey:
    """The key from its setting's form: the 32-byte seed in base64."""
    try:
        seed = base64.b64decode(value.strip().encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise ImproperlyConfigured("AUDIT_SIGNING_KEY must be 32 bytes in base64.") from None
    if len(seed) != SEED_BYTES:
        raise ImproperlyConfigured("AUDIT_SIGNING_KEY must be 32 bytes in base64.")
    return Ed25519PrivateKey.from_private_bytes(seed)


def parse_public_key(value: str) -> Ed25519PublicKey:
    """A public key as ``audit_signing_key`` prints it: 32 raw bytes in base64."""
    try:
        raw = base64.b64decode(value.strip().encode("ascii"), validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise ValueError("A public key is 32 bytes in base64.") from None


@lru_cache(maxsize=4)
def _key_for(value: str, secret_key: str) -> Ed25519PrivateKey:
    if value:
        return parse_private_key(value)
    return Ed25519PrivateKey.from_private_bytes(_derive_dev_seed(secret_key))


def signing_key() -> Ed25519PrivateKey:
    return _key_for(str(getattr(settings, "AUDIT_SIGNING_KEY", "") or ""), str(settings.SECRET_KEY))


@lru_cache(maxsize=4)
def _mac_key_for(value: str, secret_key: str) -> bytes:
    seed = _key_for(value, secret_key).private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    # A key of its own, derived from the signing key: the database never holds either.
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"isigurt-audit-entry-mac",
        info=b"isigurt audit entry mac v1",
    )
    return hkdf.derive(seed)


def entry_mac_key() -> bytes:
    return _mac_key_for(
        str(getattr(settings, "AUDIT_SIGNING_KEY", "") or ""), str(settings.SECRET_KEY)
    )


@lru_cache(maxsize=4)
def _mac_base_for(value: str, secret_key: str) -> hmac.HMAC:
    # The key's inner and outer blocks are hashed once; each entry copies that state.
    return hmac.new(_mac_key_for(value, secret_key), digestmod=hashlib.sha256)


def entry_mac(content: bytes) -> str:
    """HMAC-SHA256 of an entry's content (hex): computed once per audited action."""
    mac = _mac_base_for(
        str(getattr(settings, "AUDIT_SIGNING_KEY", "") or ""), str(settings.SECRET_KEY)
    ).copy()
    mac.update(content)
    return mac.hexdigest()


def entry_mac_valid(content: bytes, mac: str) -> bool:
    return hmac.compare_digest(entry_mac(content), mac)


def public_key_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_text(key: Ed25519PublicKey) -> str:
    return base64.b64encode(public_key_bytes(key)).decode("ascii")


def key_id(key: Ed25519PublicKey) -> str:
    """A short name for a public key: the start of its SHA-256."""
    return hashlib.sha256(public_key_bytes(key)).hexdigest()[:16]


def checkpoint_body(*, seq: int, head_hash: str, at: datetime) -> bytes:
    """The signed text: origin, tree size, head hash, time (UTC, microseconds), one per line."""
    when = at.astimezone(UTC).isoformat(timespec="microseconds")
    return f"{ORIGIN}\n{seq}\n{head_hash}\n{when}\n".encode("ascii")


def sign(body: bytes) -> str:
    return base64.b64encode(signing_key().sign(body)).decode("ascii")


def signature_valid(*, body: bytes, signature: str, key: Ed25519PublicKey) -> bool:
    try:
        key.verify(base64.b64decode(signature.encode("ascii"), validate=True), body)
    except (InvalidSignature, binascii.Error, ValueError, UnicodeEncodeError):
        return False
    return True
