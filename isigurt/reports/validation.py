"""Checks and normalises what a reporter sends, with one message per problem field.

The web form and the API both go through ``clean_draft``; messages are in the active language.
Text is kept exactly as typed (a "<script>" in a description is stored as text and escaped
wherever it is shown), except that NUL and other control characters are refused: they have no
business in a report and PostgreSQL cannot store NUL in a text column.
"""

from __future__ import annotations

import datetime
import ipaddress
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

from isigurt.geography.models import County, Municipality
from isigurt.geography.selectors import county_by_code, municipality_by_slug
from isigurt.reports.models import (
    AffectedPerson,
    AgeBand,
    Audience,
    Category,
    ContactMethod,
    Gender,
)

MAX_URLS = 20
MAX_URL_LENGTH = 2048
MAX_USERNAMES = 20
MAX_USERNAME_LENGTH = 200
MAX_PHONE_NUMBERS = 20
MAX_PHONE_LENGTH = 32
MAX_PLATFORM_LENGTH = 100
MAX_DESCRIPTION_LENGTH = 5000
MAX_CONTACT_LENGTH = 254
MAX_MESSAGE_LENGTH = 5000
LANGUAGES = ("sq", "en")
EARLIEST_DATE = datetime.date(1990, 1, 1)

_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):(?!\d)")
_HOST_LABEL_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_PHONE_RE = re.compile(r"^\+?[0-9 ()./\-]+$")


@dataclass
class CleanDraft:
    """A report as it will be stored: every value checked and normalised."""

    category: str
    audience: str
    child_in_danger: bool
    platform: str
    urls: list[str]
    usernames: list[str]
    phone_numbers: list[str]
    occurred_on: datetime.date | None
    affected: str
    age_band: str
    gender: str
    county: County | None
    municipality: Municipality | None
    outside_albania: bool
    description: str
    contact_method: str
    contact_value: str
    contact_consent: bool
    language: str

    def canonical(self) -> dict[str, Any]:
        """What the request meant, for idempotency fingerprints (not the language it came in)."""
        return {
            "category": self.category,
            "audience": self.audience,
            "child_in_danger": self.child_in_danger,
            "platform": self.platform,
            "urls": self.urls,
            "usernames": self.usernames,
            "phone_numbers": self.phone_numbers,
            "occurred_on": self.occurred_on.isoformat() if self.occurred_on else None,
            "affected": self.affected,
            "age_band": self.age_band,
            "gender": self.gender,
            "county": self.county.code if self.county else None,
            "municipality": self.municipality.slug if self.municipality else None,
            "outside_albania": self.outside_albania,
            "description": self.description,
            "contact_method": self.contact_method,
            "contact_value": self.contact_value,
            "contact_consent": self.contact_consent,
        }


@dataclass
class _Errors:
    by_field: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        messages = self.by_field.setdefault(name, [])
        if message not in messages:
            messages.append(message)


def has_control_characters(text: str, *, allow_newlines: bool = False) -> bool:
    for ch in text:
        if allow_newlines and ch in "\n\r\t":
            continue
        if unicodedata.category(ch) in ("Cc", "Cs"):
            return True
    return False


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _str_list(value: object) -> list[str] | None:
    if value is None:
        return []
    if isinstance(value, str):
        value = [line for line in value.splitlines()]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        return None
    return [v.strip() for v in value if v.strip()]


def normalise_url(raw: str) -> str:
    """A URL as we store it (http or https, host lower-cased and in ASCII), or ValueError.

    A link typed without a scheme ("example.com/page") is taken as https. The server never
    fetches it (S11).
    """
    value = raw.strip()
    if not value or len(value) > MAX_URL_LENGTH:
        raise ValueError("length")
    if has_control_characters(value) or any(ch.isspace() for ch in value):
        raise ValueError("characters")
    match = _SCHEME_RE.match(value)
    if match:
        if match.group(1).lower() not in ("http", "https"):
            raise ValueError("scheme")
    else:
        value = "https://" + value.lstrip("/")
    parts = urlsplit(value)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("scheme")
    host = parts.hostname or ""
    try:
        port = parts.port
    except ValueError:
        raise ValueError("port") from None
    if not host:
        raise ValueError("host")
    ascii_host = _normalise_host(host)
    netloc = ascii_host
    if ":" in ascii_host:  # IPv6 literal
        netloc = f"[{ascii_host}]"
    if port is not None and not (
        (scheme == "http" and port == 80) or (scheme == "https" and port == 443)
    ):
        netloc = f"{netloc}:{port}"
    if parts.username is not None:
        userinfo = parts.username + (f":{parts.password}" if parts.password is not None else "")
        netloc = f"{userinfo}@{netloc}"
    normalised = urlunsplit((scheme, netloc, parts.path or "/", parts.query, parts.fragment))
    if len(normalised) > MAX_URL_LENGTH:
        raise ValueError("length")
    return normalised


def _normalise_host(host: str) -> str:
    host = host.rstrip(".").lower()
    try:
        return ipaddress.ip_address(host).compressed
    except ValueError:
        pass
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValueError("host") from None
    labels = ascii_host.split(".")
    if len(ascii_host) > 253 or not all(_HOST_LABEL_RE.match(label) for label in labels):
        raise ValueError("host")
    return ascii_host


def _phone(raw: str) -> str | None:
    value = raw.strip()
    digits = sum(ch.isdigit() for ch in value)
    if len(value) > MAX_PHONE_LENGTH or not _PHONE_RE.match(value) or not 3 <= digits <= 15:
        return None
    return value


def _choice(
    errors: _Errors, name: str, value: object, choices: list[str], default: str | None
) -> str:
    if (value is None or value == "") and default is not None:
        return default
    if isinstance(value, str) and value in choices:
        return value
    errors.add(name, _("Choose one of the options."))
    return default or ""


def _bool(errors: _Errors, name: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    errors.add(name, _("Answer yes or no."))
    return False


def clean_draft(draft: Any) -> tuple[CleanDraft | None, dict[str, list[str]]]:
    """Check a ReportDraft (or anything with its attributes); (clean, {}) or (None, errors)."""
    errors = _Errors()

    category = getattr(draft, "category", "")
    if not isinstance(category, str) or category not in Category.values:
        errors.add("category", _("Choose what happened from the list."))
        category = ""
    audience = _choice(errors, "audience", getattr(draft, "audience", ""), Audience.values, None)
    language = getattr(draft, "language", "sq")
    if language not in LANGUAGES:
        language = "sq"

    platform = _text(getattr(draft, "platform", ""))
    platform = platform.strip()
    if len(platform) > MAX_PLATFORM_LENGTH:
        errors.add(
            "platform",
            _("Please keep this under %(limit)d characters.") % {"limit": MAX_PLATFORM_LENGTH},
        )
    elif has_control_characters(platform):
        errors.add("platform", _("This contains characters we cannot accept."))

    urls: list[str] = []
    raw_urls = _str_list(getattr(draft, "urls", []))
    if raw_urls is None:
        errors.add("urls", _("Give the links as a list of text."))
    elif len(raw_urls) > MAX_URLS:
        errors.add("urls", _("Please give at most %(limit)d links.") % {"limit": MAX_URLS})
    else:
        for raw in raw_urls:
            try:
                url = normalise_url(raw)
            except ValueError as exc:
                if str(exc) == "length":
                    errors.add(
                        "urls",
                        _("A link can be at most %(limit)d characters long.")
                        % {"limit": MAX_URL_LENGTH},
                    )
                else:
                    errors.add(
                        "urls",
                        _(
                            "This does not look like a web link: %(link)s. A link starts with"
                            " http:// or https:// and has a site name, like https://example.com."
                        )
                        % {"link": raw[:80]},
                    )
                continue
            if url not in urls:
                urls.append(url)

    usernames = _str_list(getattr(draft, "usernames", []))
    if usernames is None:
        errors.add("usernames", _("Give the usernames as a list of text."))
        usernames = []
    elif len(usernames) > MAX_USERNAMES:
        errors.add(
            "usernames", _("Please give at most %(limit)d usernames.") % {"limit": MAX_USERNAMES}
        )
    elif any(len(u) > MAX_USERNAME_LENGTH for u in usernames):
        errors.add(
            "usernames",
            _("A username can be at most %(limit)d characters long.")
            % {"limit": MAX_USERNAME_LENGTH},
        )
    elif any(has_control_characters(u) for u in usernames):
        errors.add("usernames", _("This contains characters we cannot accept."))
    usernames = list(dict.fromkeys(usernames))

    phones: list[str] = []
    raw_phones = _str_list(getattr(draft, "phone_numbers", []))
    if raw_phones is None:
        errors.add("phone_numbers", _("Give the phone numbers as a list of text."))
    elif len(raw_phones) > MAX_PHONE_NUMBERS:
        errors.add(
            "phone_numbers",
            _("Please give at most %(limit)d phone numbers.") % {"limit": MAX_PHONE_NUMBERS},
        )
    else:
        for raw in raw_phones:
            phone = _phone(raw)
            if phone is None:
                errors.add(
                    "phone_numbers",
                    _("This does not look like a phone number: %(number)s") % {"number": raw[:40]},
                )
            elif phone not in phones:
                phones.append(phone)

    occurred_on = getattr(draft, "occurred_on", None)
    if isinstance(occurred_on, str) and occurred_on:
        try:
            occurred_on = datetime.date.fromisoformat(occurred_on)
        except ValueError:
            errors.add("occurred_on", _("Give the date like 2025-03-31."))
            occurred_on = None
    if occurred_on in ("", None):
        occurred_on = None
    elif isinstance(occurred_on, datetime.datetime) or not isinstance(occurred_on, datetime.date):
        errors.add("occurred_on", _("Give the date like 2025-03-31."))
        occurred_on = None
    elif occurred_on > timezone.localdate() + datetime.timedelta(days=1):
        errors.add("occurred_on", _("This date is in the future."))
    elif occurred_on < EARLIEST_DATE:
        errors.add("occurred_on", _("This date is too long ago."))

    affected = _choice(
        errors, "affected", getattr(draft, "affected", None), AffectedPerson.values, "unknown"
    )
    age_band = _choice(
        errors, "age_band", getattr(draft, "age_band", None), AgeBand.values, "unknown"
    )
    gender = _choice(errors, "gender", getattr(draft, "gender", None), Gender.values, "unknown")

    outside_albania = _bool(errors, "outside_albania", getattr(draft, "outside_albania", False))
    county: County | None = None
    municipality: Municipality | None = None
    county_code = getattr(draft, "county_code", None) or None
    municipality_slug = getattr(draft, "municipality_slug", None) or None
    if outside_albania and (county_code or municipality_slug):
        errors.add(
            "county_code",
            _("Leave the county and municipality empty when it happened outside Albania."),
        )
    else:
        if county_code is not None:
            if isinstance(county_code, str) and len(county_code) <= 8:
                county = county_by_code(county_code)
            if county is None:
                errors.add("county_code", _("Choose a county from the list."))
        if municipality_slug is not None:
            if isinstance(municipality_slug, str) and len(municipality_slug) <= 64:
                municipality = municipality_by_slug(municipality_slug)
            if municipality is None:
                errors.add("municipality_slug", _("Choose a municipality from the list."))
            elif county is not None and municipality.county_id != county.pk:
                errors.add(
                    "municipality_slug",
                    _("This municipality is not in the county you chose."),
                )
            elif county is None and county_code is None:
                county = municipality.county

    description = _text(getattr(draft, "description", ""))
    if not isinstance(getattr(draft, "description", ""), str):
        errors.add("description", _("Describe what happened in words."))
    elif len(description) > MAX_DESCRIPTION_LENGTH:
        errors.add(
            "description",
            _("Please keep this under %(limit)d characters (now %(count)d).")
            % {"limit": MAX_DESCRIPTION_LENGTH, "count": len(description)},
        )
    elif has_control_characters(description, allow_newlines=True):
        errors.add("description", _("This contains characters we cannot accept."))

    child_in_danger = _bool(errors, "child_in_danger", getattr(draft, "child_in_danger", False))
    contact_method = _choice(
        errors,
        "contact_method",
        getattr(draft, "contact_method", None),
        ContactMethod.values,
        ContactMethod.ANONYMOUS,
    )
    contact_value = _text(getattr(draft, "contact_value", "")).strip()
    contact_consent = _bool(errors, "contact_consent", getattr(draft, "contact_consent", False))
    if contact_method == ContactMethod.ANONYMOUS:
        # Anonymous means anonymous: a contact typed and then left is not kept.
        contact_value, contact_consent = "", False
    else:
        if contact_method == ContactMethod.PHONE:
            if _phone(contact_value) is None:
                errors.add(
                    "contact_value", _("Give a phone number we can call, like 069 123 4567.")
                )
        elif contact_method == ContactMethod.EMAIL:
            try:
                if len(contact_value) > MAX_CONTACT_LENGTH:
                    raise ValidationError("too long")
                validate_email(contact_value)
            except ValidationError:
                errors.add("contact_value", _("Give an e-mail address, like name@example.com."))
        if not contact_consent:
            errors.add(
                "contact_consent",
                _("Tick the box to let the helpline contact you, or choose to stay anonymous."),
            )

    if errors.by_field:
        return None, errors.by_field
    assert isinstance(occurred_on, datetime.date | None)  # noqa: S101 — narrowed above
    return (
        CleanDraft(
            category=category,
            audience=audience,
            child_in_danger=child_in_danger,
            platform=platform,
            urls=urls,
            usernames=usernames,
            phone_numbers=phones,
            occurred_on=occurred_on,
            affected=affected,
            age_band=age_band,
            gender=gender,
            county=county,
            municipality=municipality,
            outside_albania=outside_albania,
            description=description,
            contact_method=contact_method,
            contact_value=contact_value,
            contact_consent=contact_consent,
            language=language,
        ),
        {},
    )


def clean_message(text: object) -> tuple[str, list[str]]:
    """A reporter's or the helpline's message: (text, []) or ("", messages)."""
    if not isinstance(text, str) or not text.strip():
        return "", [_("Write a message first.")]
    if len(text) > MAX_MESSAGE_LENGTH:
        return "", [
            _("Please keep this under %(limit)d characters (now %(count)d).")
            % {"limit": MAX_MESSAGE_LENGTH, "count": len(text)}
        ]
    if has_control_characters(text, allow_newlines=True):
        return "", [_("This contains characters we cannot accept.")]
    return text.strip(), []
