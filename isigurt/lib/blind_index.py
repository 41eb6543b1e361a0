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
    normalise_url / normalise_username / normalise_phone / normalise_platform
    username_from_url(url)            "instagram:ana.k" for a profile link, else ""
    any_platform(name)                the username term that matches a name on any platform
    urls_in / phones_in / mentions_in what free text holds that looks like one of those
    keys_check(value, field_keys)     production's check of BLIND_INDEX_KEYS

Every normaliser is idempotent (normalising a normalised value changes nothing) and returns ""
for what cannot be one of its kind: an empty value is never indexed.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

KEY_BYTES = 32
DIGEST_HEX = 32  # 128 bits: collisions are out of reach for the sizes a helpline holds
DEV_KEY_ID = "dev"
MIN_WORD = 3
MAX_WORD = 64  # longer runs of letters are not words a person searches for
MAX_WORDS = 400  # per text: a pasted essay is indexed on its first words only
MIN_PHONE_DIGITS = 6
MAX_PHONE_DIGITS = 15  # E.164
MAX_USERNAME = 64
_KEY_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
_WORD_RE = re.compile(r"\w+", re.UNICODE)

# Words so common in Albanian and English narratives that they find every case: not indexed,
# and left out of a query (folded, as ``words`` returns them).
STOP_WORDS: frozenset[str] = frozenset(
    {
        # Albanian
        "dhe", "per", "nga", "nje", "eshte", "jane", "ishte", "kishte", "por", "qe", "nuk",
        "tek", "ate", "kete", "kjo", "ky", "mua", "une", "ajo", "tij", "saj", "tyre", "ose",
        "sepse", "edhe", "kur", "deri", "pas", "para", "mbi", "nen", "duke", "kam", "ka", "kemi",
        "keni", "kane", "jam", "je", "jemi", "jeni", "tani", "shume", "pak", "cdo", "gjithe",
        "cili", "cila", "cilat", "cilet", "kush", "cfare", "pse", "keshtu", "atje", "ketu",
        "mire", "vetem", "gjate", "rreth", "prej", "sic",
        # English
        "the", "and", "for", "with", "that", "this", "was", "were", "are", "you", "not",
        "but", "have", "has", "had", "his", "her", "she", "him", "they", "them", "their",
        "from", "who", "what", "when", "which", "there", "then", "than", "been", "being",
        "will", "would", "can", "could", "about", "into", "our", "your", "its", "all", "any",
        # pieces of links and addresses
        "http", "https", "www", "com", "net", "org",
    }
)  # fmt: skip


@dataclass(frozen=True)
class _Keys:
    newest_id: str
    keys: tuple[tuple[str, bytes], ...]


def _dev_key(secret_key: str) -> bytes:
    return hmac.new(secret_key.encode(), b"isigurt blind index dev key v1", "sha256").digest()


def _key_list(value: str, *, setting: str = "BLIND_INDEX_KEYS") -> list[tuple[str, bytes]]:
    keys: list[tuple[str, bytes]] = []
    for item in filter(None, (part.strip() for part in value.split(","))):
        key_id, sep, encoded = item.partition(":")
        key_id = key_id.strip()
        if not sep or not _KEY_ID_RE.match(key_id):
            raise ImproperlyConfigured(
                f"Each key of {setting} must look like id:base64key (id: 1-16 letters, digits, "
                "_ or -), newest first."
            )
        try:
            material = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError) as error:
            raise ImproperlyConfigured(f"{setting}: key {key_id!r} is not base64.") from error
        if len(material) != KEY_BYTES:
            raise ImproperlyConfigured(f"{setting}: key {key_id!r} must be {KEY_BYTES} bytes.")
        if any(existing == key_id for existing, _ in keys):
            raise ImproperlyConfigured(f"{setting}: key {key_id!r} is listed twice.")
        keys.append((key_id, material))
    return keys


@lru_cache(maxsize=8)
def _parse(value: str, secret_key: str) -> _Keys:
    value = value.strip()
    if not value:
        return _Keys(DEV_KEY_ID, ((DEV_KEY_ID, _dev_key(secret_key)),))
    keys = _key_list(value)
    if not keys:
        raise ImproperlyConfigured("BLIND_INDEX_KEYS lists no key.")
    return _Keys(keys[0][0], tuple(keys))


def keys_check(value: str, field_keys: str) -> None:
    """Production's check: ``value`` lists at least one well-formed key, and none of them is
    also a field encryption key (the index has keys of its own). Raises ImproperlyConfigured."""
    keys = _key_list(value.strip()) if value.strip() else []
    if not keys:
        raise ImproperlyConfigured(
            "BLIND_INDEX_KEYS must be set in production (id:base64key, 32 bytes, newest first)."
        )
    field_material: set[bytes] = set()
    for item in filter(None, (part.strip() for part in field_keys.split(","))):
        with contextlib.suppress(binascii.Error, ValueError):
            field_material.add(base64.b64decode(item.partition(":")[2].strip(), validate=True))
    if any(material in field_material for _key_id, material in keys):
        raise ImproperlyConfigured(
            "BLIND_INDEX_KEYS must not reuse a key of FIELD_ENCRYPTION_KEYS: give the index "
            "keys of its own."
        )


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


# --- words --------------------------------------------------------------------------------


def fold(text: str) -> str:
    """Case and accents folded: "Çelësi" and "celesi" are one word (people often type
    Albanian without ë and ç on a phone)."""
    # Compatibility forms first (a full-width or a squared "A" is "A"), then case, then once
    # more: case folding can itself give letters that decompose.
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    return "".join(ch for ch in folded if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """The distinct words of ``text`` as search matches them: folded, MIN_WORD to MAX_WORD
    characters, common words (STOP_WORDS) left out; first ones first, at most MAX_WORDS."""
    seen: dict[str, None] = {}
    for match in _WORD_RE.finditer(fold(text or "")):
        word = match.group().strip("_")
        if MIN_WORD <= len(word) <= MAX_WORD and word not in STOP_WORDS and word not in seen:
            seen[word] = None
            if len(seen) >= MAX_WORDS:
                break
    return list(seen)


# --- links --------------------------------------------------------------------------------

_HOST_RE = re.compile(r"^[a-z0-9_-]+(?:\.[a-z0-9_-]+)+$")
# Sub-domains that show the same page as the site itself.
_SAME_SITE_PREFIXES = ("www.", "m.", "mobile.", "web.", "mbasic.", "touch.")
# Other names of one site.
_HOST_ALIASES = {
    "twitter.com": "x.com",
    "fb.com": "facebook.com",
    "fb.me": "facebook.com",
    "instagr.am": "instagram.com",
}
# Query parameters that say where a link was shared from, not which page it is: on every site,
# and on the big platforms (where "s", "t" and "si" are sharing marks, not page numbers).
_TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "msclkid", "igshid", "igsh", "mibextid", "ref_src",
        "ref_url", "share_id", "sender_device", "sender_web_id", "is_from_webapp", "rdid",
        "share_app_id",
    }
)  # fmt: skip
_PLATFORM_TRACKING_PARAMS = frozenset({"s", "t", "si", "feature", "ref", "_r", "_t", "sh"})
# Sites whose bare address (no page) says nothing about a case: searchable, never linked.
PLATFORM_HOSTS = frozenset(
    {
        "facebook.com", "instagram.com", "tiktok.com", "x.com", "snapchat.com", "t.me",
        "telegram.org", "whatsapp.com", "youtube.com", "discord.com", "discord.gg",
        "roblox.com", "twitch.tv", "reddit.com", "threads.net", "google.com", "viber.com",
        "messenger.com", "vm.tiktok.com", "wa.me",
    }
)  # fmt: skip


def _host(raw_host: str) -> str:
    host = raw_host.rstrip(".").lower()
    with contextlib.suppress(ValueError):
        return ipaddress.ip_address(host).compressed
    with contextlib.suppress(UnicodeError):
        host = host.encode("idna").decode("ascii")
    for prefix in _SAME_SITE_PREFIXES:
        rest = host.removeprefix(prefix)
        if rest != host and "." in rest:
            host = rest
            break
    return _HOST_ALIASES.get(host, host)


def _tracking(name: str, *, platform: bool) -> bool:
    return (
        name in _TRACKING_PARAMS
        or name.startswith("utm_")
        or (platform and name in _PLATFORM_TRACKING_PARAMS)
    )


def normalise_url(raw: str) -> str:
    """A link as one page: no scheme, host in lower case without "www." (or "m." and the
    like), a site's other names folded into one, no default port, no user name, no fragment,
    no trailing slash, the query without sharing and tracking parameters and in a fixed order.
    "" when it is not a web address."""
    text = (raw or "").strip()
    if not text or any(ch.isspace() for ch in text):
        return ""
    scheme_match = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*)://", text)
    if scheme_match and scheme_match.group(1).lower() not in ("http", "https"):
        return ""
    if not scheme_match:
        text = "http://" + text.lstrip("/")
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return ""
    if not host or "." not in host.strip("."):
        return ""
    host = _host(host)
    if not _HOST_RE.match(host):
        return ""
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    path = re.sub(r"/{2,}", "/", parts.path).rstrip("/")
    platform = host in PLATFORM_HOSTS or host == "youtu.be"
    query = sorted(
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if not _tracking(name.lower(), platform=platform)
    )
    if host == "youtu.be" and path.count("/") == 1:  # youtu.be/ID is youtube.com/watch?v=ID
        netloc, query, path = "youtube.com", sorted([*query, ("v", path[1:])]), "/watch"
    return f"{netloc}{path}" + (f"?{urlencode(query)}" if query else "")


def url_is_bare_platform(url: str) -> bool:
    """Whether a normalised link is only a big platform's address (nothing to link on)."""
    return url in PLATFORM_HOSTS


# --- usernames ----------------------------------------------------------------------------

# Names people type for a platform, folded to letters and digits, and the platform they mean.
_PLATFORM_ALIASES = {
    "ig": "instagram",
    "insta": "instagram",
    "instagram": "instagram",
    "fb": "facebook",
    "facebook": "facebook",
    "messenger": "facebook",
    "facebookmessenger": "facebook",
    "tiktok": "tiktok",
    "twitter": "x",
    "x": "x",
    "xtwitter": "x",
    "snap": "snapchat",
    "snapchat": "snapchat",
    "tg": "telegram",
    "telegram": "telegram",
    "wa": "whatsapp",
    "whatsapp": "whatsapp",
    "yt": "youtube",
    "youtube": "youtube",
    "discord": "discord",
    "roblox": "roblox",
    "twitch": "twitch",
    "threads": "threads",
    "reddit": "reddit",
    "viber": "viber",
}
# Platforms whose profile pages are addresses with the username in them.
_PROFILE_HOSTS = {
    "instagram.com": "instagram",
    "tiktok.com": "tiktok",
    "x.com": "x",
    "facebook.com": "facebook",
    "t.me": "telegram",
    "snapchat.com": "snapchat",
    "youtube.com": "youtube",
    "twitch.tv": "twitch",
    "threads.net": "threads",
    "roblox.com": "roblox",
}
# First path segments of those sites that are pages, not people.
_NOT_PROFILES = frozenset(
    {
        "p", "reel", "reels", "tv", "explore", "accounts", "direct", "about", "legal",
        "developer", "developers", "help", "privacy", "home", "i", "search", "hashtag",
        "intent", "share", "sharer", "sharer.php", "settings", "messages", "notifications",
        "groups", "events", "watch", "photo", "photo.php", "photos", "story.php",
        "permalink.php", "marketplace", "login", "login.php", "pages", "gaming", "tag",
        "discover", "music", "video", "live", "joinchat", "s", "c", "channel", "user",
        "results", "shorts", "playlist", "feed", "embed", "directory", "videos", "games",
        "catalog", "users", "add", "compose", "policies", "terms", "signup", "stories",
    }
)  # fmt: skip
_USERNAME_RE = re.compile(r"^[a-z0-9._-]{1,64}$")
_PLATFORM_NAME_RE = re.compile(r"^([A-Za-z][\w .-]{0,40}):\s*@?([^\s:/]{1,64})$")


def normalise_platform(raw: str) -> str:
    """A platform as one word: "Instagram", "IG", "instagram.com" all become "instagram";
    one that is not known keeps its folded letters and digits ("examplechat")."""
    text = fold((raw or "").strip())
    if not text:
        return ""
    if "." in text and " " not in text:
        host = normalise_url(text).partition("/")[0]
        labels = host.split(".")
        text = labels[-2] if len(labels) >= 2 else labels[0]
        if host in _PROFILE_HOSTS:
            return _PROFILE_HOSTS[host]
    compact = "".join(ch for ch in text if ch.isalnum())
    return _PLATFORM_ALIASES.get(compact, compact)[:40]


def _clean_name(raw: str) -> str:
    name = fold((raw or "").strip()).lstrip("@").strip()
    if not name or len(name) > MAX_USERNAME or any(ch.isspace() for ch in name):
        return ""
    return name


def normalise_username(raw: str, platform: str = "") -> str:
    """A username as the platform sees it: folded, no leading "@", prefixed by the platform
    when known ("tiktok:ana.k"); a name alone when the platform is not. A typed
    "instagram:ana.k" or a profile link names its platform itself."""
    text = (raw or "").strip()
    if "/" in text:
        return username_from_url(normalise_url(text))
    qualified = _PLATFORM_NAME_RE.match(text)
    if qualified and not re.match(r"^https?$", qualified.group(1), re.IGNORECASE):
        platform, text = qualified.group(1), qualified.group(2)
    name = _clean_name(text)
    if not name:
        return ""
    where = normalise_platform(platform)
    return f"{where}:{name}" if where else name


_BARE_NAME_RE = re.compile(r"^[\w.]{3,60}$")


def could_be_username(text: str) -> bool:
    """Whether a typed word may be a username without its "@" (people type it both ways)."""
    return bool(_BARE_NAME_RE.match(text))


def any_platform(name: str) -> str:
    """The term that finds ``name`` on any platform ("@ana.k"): each username is indexed
    under it too, for search only; links compare the platform's own term."""
    clean = _clean_name(name.rpartition(":")[2] if ":" in name else name)
    return f"@{clean}" if clean else ""


def username_from_url(url: str) -> str:
    """ "instagram:ana.k" for a normalised profile link of a known platform, else ""."""
    host, _sep, rest = url.partition("/")
    platform = _PROFILE_HOSTS.get(host)
    if platform is None or not rest:
        return ""
    path, _q, query = rest.partition("?")
    segments = [segment for segment in path.split("/") if segment]
    if not segments:
        return ""
    first = fold(segments[0])
    if platform == "facebook" and first == "profile.php":
        number = dict(parse_qsl(query)).get("id", "")
        return f"facebook:{number}" if number.isdigit() else ""
    if (platform, first) in (("snapchat", "add"), ("instagram", "stories")):
        first = fold(segments[1]) if len(segments) > 1 else ""
    elif platform in ("tiktok", "youtube", "threads"):
        if not first.startswith("@"):
            return ""
        first = first[1:]
    elif platform == "roblox":
        return ""  # profiles are numbered pages (users/123/profile), not names
    if first in _NOT_PROFILES or not _USERNAME_RE.match(first):
        return ""
    return f"{platform}:{first}"


# --- phone numbers ------------------------------------------------------------------------


def normalise_phone(raw: str) -> str:
    """A phone number in international form, "+" and digits: Albanian numbers written as
    06x..., 6x..., +355 6x..., 00355 6x... or +355 06x... all become +3556x...; "" when it
    cannot be a number (fewer than MIN_PHONE_DIGITS or more than MAX_PHONE_DIGITS digits, or
    a country code starting with 0)."""
    text = (raw or "").strip()
    digits = re.sub(r"\D", "", text)
    if text.startswith("+"):
        number = digits
    elif text.startswith("00"):
        number = digits[2:]
    elif digits.startswith("0") and len(digits) in (9, 10):  # national format, e.g. 069...
        number = "355" + digits[1:]
    elif digits.startswith("6") and len(digits) == 9:  # a mobile without its 0
        number = "355" + digits
    else:
        number = digits
    if number.startswith("3550"):  # "+355 069...": the national 0 kept after the country code
        number = "355" + number[4:]
    if number.startswith("0") or not MIN_PHONE_DIGITS <= len(number) <= MAX_PHONE_DIGITS:
        return ""
    return "+" + number


# --- what free text holds -----------------------------------------------------------------

_COMMON_TLDS = (
    "al|com|net|org|info|eu|io|me|tv|gg|app|co|uk|it|de|gr|fr|ly|be|to|xyz|online|site|link|cc"
)
_URL_IN_TEXT_RE = re.compile(
    r"(?:https?://[^\s<>\"'`]+"
    r"|www\.[^\s<>\"'`]+"
    rf"|(?<![\w@.\-])(?:[a-z0-9-]+\.)+(?:{_COMMON_TLDS})(?![\w.-]*@)(?:[/?][^\s<>\"'`]*)?(?![\w-]))",
    re.IGNORECASE,
)
# 9 to 15 digits, in groups separated by single spaces or dashes: dates (8 digits, dots) and
# short numbers are left alone.
_PHONE_IN_TEXT_RE = re.compile(r"(?<![\w+])(?:\+|00)?\d(?:[ \-]?\d){8,16}(?![\w])")
_MENTION_RE = re.compile(r"(?<![\w@.])@([A-Za-z0-9._]{2,30})(?![\w@])")


def urls_in(text: str) -> list[str]:
    """The normalised links written in ``text``, each once."""
    found: dict[str, None] = {}
    for match in _URL_IN_TEXT_RE.finditer(text or ""):
        url = normalise_url(match.group().rstrip(".,;:!?)]}"))
        if url:
            found[url] = None
    return list(found)


def phones_in(text: str) -> list[str]:
    """The normalised phone numbers written in ``text`` (9 digits or more), each once."""
    found: dict[str, None] = {}
    for match in _PHONE_IN_TEXT_RE.finditer(text or ""):
        digits = sum(ch.isdigit() for ch in match.group())
        phone = normalise_phone(match.group())
        if phone and 9 <= digits <= MAX_PHONE_DIGITS + 2:
            found[phone] = None
    return list(found)


def mentions_in(text: str) -> list[str]:
    """The "@name" mentions in ``text``, as any-platform terms ("@ana.k"), each once."""
    found: dict[str, None] = {}
    for match in _MENTION_RE.finditer(text or ""):
        term = any_platform(match.group(1).rstrip("."))
        if term:
            found[term] = None
    return list(found)
