"""Keyed blind indexes: find encrypted values by equality without decrypting them (decision 0014).

A term is a normalised value (a word, a link, a username, a phone number, an image hash) turned
into ``HMAC-SHA256(key, kind + "\\0" + value)``, truncated to 128 bits. The keys are their own
(``BLIND_INDEX_KEYS``, never the field encryption keys), listed newest first as
``"id:base64key,id:base64key"``. Writers index under the newest key only; readers look up the
digests under every listed key, so rotation is: put a new key first, re-index
(``manage.py reindex_blind_terms``), then drop the old one.

    term_digest(kind, value)          (key_id, digest) under the newest key: what is stored
    term_lookups(kind, value)         [(key_id, digest)] under every key: what a query matches
    words(text)                       the words of a text, as search matches them
    normalise_url / normalise_username / normalise_phone
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

KEY_BYTES = 32
DIGEST_HEX = 32  # 128 bits: collisions are out of reach for the sizes a helpline holds
DEV_KEY_ID = "dev"
MIN_WORD = 3
MAX_WORDS = 400  # per text: a pasted essay is indexed on its first words only
_KEY_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
_WORD_RE = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class _Keys:
    newest_id: str
    keys: tuple[tuple[str, bytes], ...]


def _dev_key(secret_key: str) -> bytes:
    return hmac.new(secret_key.encode(), b"isigurt blind index dev key v1", "sha256").digest()


@lru_cache(maxsize=8)
def _parse(value: str, secret_key: str) -> _Keys:
    value = value.strip()
    if not value:
        return _Keys(DEV_KEY_ID, ((DEV_KEY_ID, _dev_key(secret_key)),))
    keys: list[tuple[str, bytes]] = []
    for item in filter(None, (part.strip() for part in value.split(","))):
        key_id, sep, encoded = item.partition(":")
        key_id = key_id.strip()
        if not sep or not _KEY_ID_RE.match(key_id):
            raise ImproperlyConfigured(
                "Each blind index key must look like id:base64key (id: 1-16 letters, digits, "
                "_ or -), newest first."
            )
        try:
            material = base64.b64decode(encoded.strip(), validate=True)
        except ValueError as error:
            raise ImproperlyConfigured(f"Blind index key {key_id!r} is not base64.") from error
        if len(material) != KEY_BYTES:
            raise ImproperlyConfigured(f"Blind index key {key_id!r} must be {KEY_BYTES} bytes.")
        if any(existing == key_id for existing, _ in keys):
            raise ImproperlyConfigured(f"Blind index key {key_id!r} is listed twice.")
        keys.append((key_id, material))
    if not keys:
        raise ImproperlyConfigured("BLIND_INDEX_KEYS lists no key.")
    return _Keys(keys[0][0], tuple(keys))


def _keys() -> _Keys:
    return _parse(str(getattr(settings, "BLIND_INDEX_KEYS", "") or ""), str(settings.SECRET_KEY))


def key_ids() -> list[str]:
    """The configured key ids, newest first."""
    return [key_id for key_id, _ in _keys().keys]


def newest_key_id() -> str:
    return _keys().newest_id


def _digest(key: bytes, kind: str, value: str) -> str:
    mac = hmac.new(key, f"{kind}\0{value}".encode(), hashlib.sha256)
    return mac.hexdigest()[:DIGEST_HEX]


def term_digest(kind: str, value: str) -> tuple[str, str]:
    """What is stored for a normalised value: (newest key id, digest)."""
    keys = _keys()
    material = dict(keys.keys)[keys.newest_id]
    return keys.newest_id, _digest(material, kind, value)


def term_lookups(kind: str, value: str) -> list[tuple[str, str]]:
    """What a query matches for a normalised value: (key id, digest) under every key."""
    return [(key_id, _digest(material, kind, value)) for key_id, material in _keys().keys]


# --- normalising --------------------------------------------------------------------------


def _fold(text: str) -> str:
    """Case and accents folded: "Çelësi" and "celesi" are one word (people often type
    Albanian without ë and ç on a phone)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """The distinct words of ``text`` (folded, at least MIN_WORD characters), first ones first."""
    seen: dict[str, None] = {}
    for match in _WORD_RE.finditer(_fold(text or "")):
        word = match.group()
        if len(word) >= MIN_WORD and word not in seen:
            seen[word] = None
            if len(seen) >= MAX_WORDS:
                break
    return list(seen)


def normalise_url(raw: str) -> str:
    """A link as one page: scheme and host in lower case, no "www.", no default port, no
    fragment, no trailing slash. "" when it is not a web address."""
    text = (raw or "").strip()
    if not text:
        return ""
    if "://" not in text:
        text = "http://" + text
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").rstrip(".")
        port = parts.port
    except ValueError:
        return ""
    if not host:
        return ""
    with contextlib.suppress(UnicodeError):
        host = host.encode("idna").decode("ascii")
    host = host.lower().removeprefix("www.")
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    path = parts.path.rstrip("/")
    query = f"?{parts.query}" if parts.query else ""
    return f"{netloc}{path}{query}"


def normalise_username(raw: str, platform: str = "") -> str:
    """A username as the platform sees it: lower case, no leading "@", prefixed by the
    platform's name when known ("tiktok:ana.k")."""
    name = _fold((raw or "").strip()).lstrip("@").strip()
    if not name:
        return ""
    where = _fold((platform or "").strip())
    return f"{where}:{name}" if where else name


def normalise_phone(raw: str) -> str:
    """A phone number in international digits: Albanian numbers written as 06x... or
    +355 6x... both become 3556x...; "" when fewer than 6 digits remain."""
    digits = re.sub(r"\D", "", raw or "")
    if (raw or "").strip().startswith("00"):
        digits = digits[2:]
    if digits.startswith("0") and len(digits) in (9, 10):  # national format, e.g. 069...
        digits = "355" + digits[1:]
    return digits if len(digits) >= 6 else ""
