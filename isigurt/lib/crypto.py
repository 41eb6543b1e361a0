"""Authenticated encryption of single values, with key rotation.

Keys come from ``settings.FIELD_ENCRYPTION_KEYS``: ``"id:base64key,id:base64key"``, newest first.
The newest key encrypts; every listed key decrypts. Each key is 32 random bytes (AES-256-GCM).
With no keys configured (a developer's laptop only; production settings refuse to start) one key
is derived from ``SECRET_KEY`` with HKDF under the id ``dev``.

A token looks like ``enc1:<key id>:<urlsafe base64 of nonce || ciphertext || tag>``. The
associated data (``aad``) names where the value lives (table, row, field; see ``field_aad``), so
a token copied to another row or field fails to decrypt instead of disclosing its value there.
See docs/decisions/0003-field-encryption.md.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

TOKEN_PREFIX = "enc1"  # noqa: S105 — a format marker, not a secret
KEY_BYTES = 32
NONCE_BYTES = 12
DEV_KEY_ID = "dev"
_KEY_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


class EncryptionKeyError(ImproperlyConfigured):
    """FIELD_ENCRYPTION_KEYS is malformed."""


class DecryptionError(Exception):
    """A token is malformed, was made with an unknown key, was altered, or belongs elsewhere.

    The message never contains the token or any part of the value.
    """


@dataclass(frozen=True)
class _Key:
    key_id: str
    aead: AESGCM


class KeyRing:
    """An ordered set of keys: the first encrypts, all decrypt."""

    def __init__(self, keys: list[tuple[str, bytes]]) -> None:
        if not keys:
            raise EncryptionKeyError("At least one field encryption key is needed.")
        seen: set[str] = set()
        self._keys: dict[str, _Key] = {}
        for key_id, material in keys:
            if not _KEY_ID_RE.match(key_id):
                raise EncryptionKeyError(
                    f"Field encryption key id {key_id!r} must be 1-32 letters, digits, _ or -."
                )
            if key_id in seen:
                raise EncryptionKeyError(f"Field encryption key id {key_id!r} is listed twice.")
            if len(material) != KEY_BYTES:
                raise EncryptionKeyError(
                    f"Field encryption key {key_id!r} must be {KEY_BYTES} bytes, "
                    f"not {len(material)}."
                )
            seen.add(key_id)
            self._keys[key_id] = _Key(key_id, AESGCM(material))
        self.newest_id = keys[0][0]

    @property
    def key_ids(self) -> list[str]:
        return list(self._keys)

    @classmethod
    def from_setting(cls, value: str, *, secret_key: str) -> KeyRing:
        """Parse ``"id:base64key,id:base64key"``; an empty value derives a development key."""
        value = value.strip()
        if not value:
            return cls([(DEV_KEY_ID, derive_dev_key(secret_key))])
        keys: list[tuple[str, bytes]] = []
        for item in value.split(","):
            item = item.strip()
            if not item:
                continue
            key_id, sep, encoded = item.partition(":")
            if not sep:
                raise EncryptionKeyError(
                    "Each field encryption key must look like id:base64key (newest first)."
                )
            keys.append((key_id.strip(), _decode_key(key_id.strip(), encoded.strip())))
        return cls(keys)

    def encrypt(self, plaintext: bytes, *, aad: bytes) -> str:
        key = self._keys[self.newest_id]
        nonce = os.urandom(NONCE_BYTES)
        sealed = key.aead.encrypt(nonce, plaintext, aad)
        body = base64.urlsafe_b64encode(nonce + sealed).decode("ascii")
        return f"{TOKEN_PREFIX}:{key.key_id}:{body}"

    def decrypt(self, token: str, *, aad: bytes) -> bytes:
        key_id, raw = _split_token(token)
        key = self._keys.get(key_id)
        if key is None:
            raise DecryptionError(
                f"The value was encrypted with key {key_id!r}, which is not configured."
            )
        try:
            return key.aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], aad)
        except InvalidTag:
            raise DecryptionError(
                "The value could not be decrypted: it was altered or belongs to another "
                "row or field."
            ) from None


def _decode_key(key_id: str, encoded: str) -> bytes:
    try:
        if "-" in encoded or "_" in encoded:
            return base64.urlsafe_b64decode(encoded)
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise EncryptionKeyError(f"Field encryption key {key_id!r} is not valid base64.") from None


def _split_token(token: str) -> tuple[str, bytes]:
    if not isinstance(token, str):
        raise DecryptionError("An encrypted value must be a string token.")
    parts = token.split(":")
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        raise DecryptionError("The value is not an encrypted token.")
    try:
        raw = base64.urlsafe_b64decode(parts[2].encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise DecryptionError("The encrypted token is damaged.") from None
    if len(raw) < NONCE_BYTES + 16:
        raise DecryptionError("The encrypted token is too short.")
    return parts[1], raw


def derive_dev_key(secret_key: str) -> bytes:
    """A key for local development only, derived from SECRET_KEY."""
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=KEY_BYTES,
        salt=b"isigurt-field-encryption",
        info=b"isigurt dev field key v1",
    )
    return hkdf.derive(secret_key.encode("utf-8"))


@lru_cache(maxsize=8)
def _keyring_for(value: str, secret_key: str) -> KeyRing:
    return KeyRing.from_setting(value, secret_key=secret_key)


def get_keyring() -> KeyRing:
    """The key ring for the current settings (cached per setting value)."""
    value = getattr(settings, "FIELD_ENCRYPTION_KEYS", "") or ""
    if isinstance(value, (list, tuple)):
        value = ",".join(value)
    return _keyring_for(str(value), str(settings.SECRET_KEY))


def field_aad(*, table: str, pk: object, field: str) -> str:
    """The associated data that binds a value to one field of one row."""
    return json.dumps([table, str(pk), field], separators=(",", ":"))


def is_token(value: object) -> bool:
    return isinstance(value, str) and value.startswith(TOKEN_PREFIX + ":")


def token_key_id(token: str) -> str:
    return _split_token(token)[0]


def encrypt_text(plaintext: str, *, aad: str) -> str:
    """Encrypt with the newest key; ``aad`` must be given again to decrypt."""
    return get_keyring().encrypt(plaintext.encode("utf-8"), aad=aad.encode("utf-8"))


def decrypt_text(token: str, *, aad: str) -> str:
    """Decrypt a token made by ``encrypt_text`` with the same ``aad``; else DecryptionError."""
    return get_keyring().decrypt(token, aad=aad.encode("utf-8")).decode("utf-8")


def needs_rotation(token: str) -> bool:
    """True when the token was made with a key other than the newest."""
    return token_key_id(token) != get_keyring().newest_id


def reencrypt_text(token: str, *, aad: str) -> str:
    """Decrypt with whichever key made it, encrypt again with the newest."""
    return encrypt_text(decrypt_text(token, aad=aad), aad=aad)


# --- whole files (evidence): raw bytes, no base64 -------------------------------------------
# Layout: b"ISB1" | key id length (1 byte) | key id (ASCII) | nonce (12) | ciphertext || tag.
_BLOB_MAGIC = b"ISB1"


def encrypt_bytes(data: bytes, *, aad: bytes) -> bytes:
    """Encrypt a file's bytes with the newest key; ``aad`` must be given again to decrypt."""
    ring = get_keyring()
    key = ring._keys[ring.newest_id]
    nonce = os.urandom(NONCE_BYTES)
    key_id = key.key_id.encode("ascii")
    return _BLOB_MAGIC + bytes([len(key_id)]) + key_id + nonce + key.aead.encrypt(nonce, data, aad)


def _split_blob(blob: bytes) -> tuple[str, bytes]:
    """The key id and the nonce || ciphertext || tag of a blob made by ``encrypt_bytes``."""
    if len(blob) < len(_BLOB_MAGIC) + 1 or not blob.startswith(_BLOB_MAGIC):
        raise DecryptionError("The data is not an encrypted blob.")
    offset = len(_BLOB_MAGIC)
    id_length = blob[offset]
    key_id = blob[offset + 1 : offset + 1 + id_length].decode("ascii", errors="replace")
    body = blob[offset + 1 + id_length :]
    if len(body) < NONCE_BYTES + 16:
        raise DecryptionError("The encrypted blob is too short.")
    return key_id, body


def decrypt_bytes(blob: bytes, *, aad: bytes) -> bytes:
    """Decrypt a blob made by ``encrypt_bytes`` with the same ``aad``; else DecryptionError."""
    key_id, body = _split_blob(blob)
    key = get_keyring()._keys.get(key_id)
    if key is None:
        raise DecryptionError(
            f"The data was encrypted with key {key_id!r}, which is not configured."
        )
    try:
        return key.aead.decrypt(body[:NONCE_BYTES], body[NONCE_BYTES:], aad)
    except InvalidTag:
        raise DecryptionError("The data could not be decrypted: it was altered or moved.") from None


def blob_key_id(blob: bytes) -> str:
    """The id of the key that made a blob (DecryptionError when it is not one)."""
    return _split_blob(blob)[0]


def blob_needs_rotation(blob: bytes) -> bool:
    """True when the blob was made with a key other than the newest."""
    return blob_key_id(blob) != get_keyring().newest_id


def reencrypt_bytes(blob: bytes, *, aad: bytes) -> bytes:
    """Decrypt with whichever key made it, encrypt again with the newest, under the same aad."""
    return encrypt_bytes(decrypt_bytes(blob, aad=aad), aad=aad)
