"""The one description of a report: ``ReportDraft``, which the web form and the API both
validate through, with its bounds as named constants and its messages in the active language.

Adding a field to a report means adding it to the model, to ``ReportDraft`` (with the question
group that asks it) and to the form's layout; intake, the idempotency fingerprint, the API's
schema and the category table all follow from the draft.

Text is kept exactly as typed (a "<script>" in a description is stored as text and escaped
wherever it is shown), except that NUL and other control characters are refused: they have no
business in a report and PostgreSQL cannot store NUL in a text column.
"""

from __future__ import annotations

import datetime
import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit, urlunsplit

import regex
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import EmailValidator
from django.utils import timezone
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _
from pydantic import (
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic import ValidationError as PydanticValidationError

from isigurt.geography.validation import (
    MAX_COUNTY_CODE_LENGTH,
    MAX_MUNICIPALITY_SLUG_LENGTH,
    PlaceChecks,
)
from isigurt.lib.text import bidi_neutralise
from isigurt.lib.validation import messages_by_field, refuse
from isigurt.reports.models import (
    AffectedPerson,
    AgeBand,
    Audience,
    Category,
    ContactMethod,
    Gender,
)

PHONE_MESSAGE = gettext_noop(
    "Give a phone number we can call, with 8 to 15 digits, like 069 123 4567 or +355 69 123 4567."
)
MAX_URLS = 20
MAX_URL_LENGTH = 2048
MAX_USERNAMES = 20
MAX_USERNAME_LENGTH = 200
MAX_PHONE_NUMBERS = 20
MAX_PHONE_LENGTH = 32
MAX_PLATFORM_LENGTH = 100
# Characters as a person counts them (grapheme clusters: an emoji, a flag or a letter with its
# accents is one), as the form's counter counts them in the browser.
MAX_DESCRIPTION_LENGTH = 5000
# A ceiling on the code points behind those characters, so no single "character" of thousands
# of combining marks carries a whole book.
MAX_DESCRIPTION_CODE_POINTS = 10 * MAX_DESCRIPTION_LENGTH
MAX_CONTACT_LENGTH = 254
MAX_MESSAGE_LENGTH = 5000
Language = Literal["sq", "en"]
LANGUAGES: tuple[Language, ...] = ("sq", "en")
EARLIEST_DATE = datetime.date(1990, 1, 1)

# Question groups a category may ask, in the order the form shows them (categories.py says
# which groups each category asks; each draft field names its group below).
WHERE = "where"
WHEN = "when"
WHO = "who"
DESCRIPTION = "description"
CONTACT = "contact"
ALL_GROUPS = (WHERE, WHEN, WHO, DESCRIPTION, CONTACT)

_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):(?!\d)")
_HOST_LABEL_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_PHONE_RE = re.compile(r"^\+?[0-9 ()./\-]+$")
_GRAPHEME_RE = regex.compile(r"\X")
_FLAG_PAIR_RE = regex.compile("[\U0001f1e6-\U0001f1ff]{2}")

REPORT_EXAMPLE: dict[str, Any] = {
    "category": "bullying",
    "audience": "teen",
    "child_in_danger": False,
    "platform": "Instagram",
    "urls": ["https://www.instagram.com/p/EXAMPLE123/"],
    "usernames": ["@example_account"],
    "phone_numbers": [],
    "occurred_on": "2025-03-01",
    "affected": "self",
    "age_band": "13_15",
    "gender": "unknown",
    "county_code": "AL-11",
    "municipality_slug": "tirane",
    "outside_albania": False,
    "description": "Someone keeps posting mean comments under my photos.",
    "contact_method": "anonymous",
    "contact_value": "",
    "contact_consent": False,
    "language": "en",
}
# The same report naming everything that happened (the first is the main one).
REPORT_EXAMPLE_SEVERAL: dict[str, Any] = {
    **{name: value for name, value in REPORT_EXAMPLE.items() if name != "category"},
    "categories": ["grooming", "sextortion"],
    "description": "He asked for pictures, then said he would share them unless I paid.",
}


def grapheme_count(text: str) -> int:
    """How many characters a person sees in ``text`` (extended grapheme clusters).

    ``\\X`` takes quadratic time on a long run of regional indicators (flag letters), so each
    pair, which is one flag, first becomes one plain letter: it joins with what follows and
    precedes it as the flag would, and the count stays linear.
    """
    return sum(1 for _match in _GRAPHEME_RE.finditer(_FLAG_PAIR_RE.sub("f", text)))


# --- small checks --------------------------------------------------------------------------


def has_control_characters(text: str, *, allow_newlines: bool = False) -> bool:
    for ch in text:
        if allow_newlines and ch in "\n\r\t":
            continue
        if unicodedata.category(ch) in ("Cc", "Cs"):
            return True
    return False


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
    netloc = f"[{ascii_host}]" if ":" in ascii_host else ascii_host  # IPv6 literal
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


def normalise_phone(raw: str) -> str | None:
    value = raw.strip()
    digits = sum(ch.isdigit() for ch in value)
    if len(value) > MAX_PHONE_LENGTH or not _PHONE_RE.match(value) or not 3 <= digits <= 15:
        return None
    return value


# A number the helpline can call back: Albanian (mobile 06x xxx xxxx, or a landline with its
# area code, both starting with 0; a mobile without its 0, 6x xxx xxxx) or international
# (+ or 00, then a country code that does not start with 0), 8 to 15 digits in all (after 00).
MIN_CALLBACK_DIGITS = 8
MAX_CALLBACK_DIGITS = 15
_CALLBACK_SHAPE_RE = re.compile(r"^(?:\+[1-9]|00[1-9]|0[2-9]|6[0-9])")


def callback_phone(raw: str) -> str | None:
    """A reporter's call-back number, or None for junk ("12345", "11111111", letters)."""
    value = normalise_phone(raw)
    if value is None:
        return None
    digits = "".join(ch for ch in value if ch.isdigit())
    compact = re.sub(r"[ ()./\-]", "", value)
    if not _CALLBACK_SHAPE_RE.match(compact) or "+" in compact[1:]:
        return None
    counted = digits[2:] if compact.startswith("00") else digits
    if compact.startswith("6") and len(counted) != 9:
        return None  # a mobile written without its 0: 6x xxx xxxx
    if not MIN_CALLBACK_DIGITS <= len(counted) <= MAX_CALLBACK_DIGITS or len(set(counted)) < 3:
        return None
    return value


# A reporter's e-mail address: a plain local@domain.tld. No quoted local part, no IP-literal
# domain, no localhost, no control characters (all of which Django's validator would accept).
_validate_plain_email = EmailValidator(allowlist=())


def plain_email(value: str) -> bool:
    if any(ch in value for ch in '"[]\\') or any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return False
    try:
        _validate_plain_email(value)
    except DjangoValidationError:
        return False
    return True


def active_language() -> Language:
    """The active language if the platform speaks it, else Albanian."""
    language = (get_language() or "sq").split("-")[0]
    return "en" if language == "en" else "sq"


def _no_control_characters(text: str, *, allow_newlines: bool = False) -> str:
    if has_control_characters(text, allow_newlines=allow_newlines):
        raise refuse(_("This contains characters we cannot accept."))
    return text


def _category_or_categories(schema: dict[str, Any]) -> None:
    """The schema says what the draft accepts: ``category``, ``categories`` or both."""
    schema["required"] = [name for name in schema.get("required", []) if name != "category"]
    schema["anyOf"] = [{"required": ["category"]}, {"required": ["categories"]}]
    schema["examples"] = [REPORT_EXAMPLE, REPORT_EXAMPLE_SEVERAL]


@dataclass(frozen=True)
class Ask:
    """Field metadata: the question group that asks this field (see categories.py)."""

    group: str


# --- the draft -----------------------------------------------------------------------------


class ReportDraft(PlaceChecks):
    """A report as a reporter sends it, checked and normalised on validation.

    Only what happened (``category``, or ``categories``) and ``audience`` are required. A
    report may name several things that happened: ``category`` is the main one (the first of
    ``categories`` when it is left out) and ``categories`` lists them all, the main one first.
    Field order matters: a field's checks may look at the fields before it (the county at
    "outside Albania", the contact at its method).
    """

    model_config = ConfigDict(
        extra="ignore",
        validate_default=True,
        json_schema_extra=_category_or_categories,
    )

    category: Category
    categories: (
        Annotated[list[Category], Field(min_length=1, max_length=len(Category.values))] | None
    ) = None
    audience: Audience
    child_in_danger: bool = False
    platform: Annotated[str, Field(max_length=MAX_PLATFORM_LENGTH), Ask(WHERE)] = ""
    urls: Annotated[
        list[Annotated[str, Field(max_length=MAX_URL_LENGTH)]],
        Field(max_length=MAX_URLS),
        Ask(WHERE),
    ] = []
    usernames: Annotated[
        list[Annotated[str, Field(max_length=MAX_USERNAME_LENGTH)]],
        Field(max_length=MAX_USERNAMES),
        Ask(WHERE),
    ] = []
    phone_numbers: Annotated[
        list[Annotated[str, Field(max_length=MAX_PHONE_LENGTH)]],
        Field(max_length=MAX_PHONE_NUMBERS),
        Ask(WHERE),
    ] = []
    occurred_on: Annotated[datetime.date | None, Ask(WHEN)] = None
    affected: Annotated[AffectedPerson, Ask(WHO)] = AffectedPerson.UNKNOWN
    age_band: Annotated[AgeBand, Ask(WHO)] = AgeBand.UNKNOWN
    gender: Annotated[Gender, Ask(WHO)] = Gender.UNKNOWN
    outside_albania: Annotated[bool, Ask(WHO)] = False
    county_code: Annotated[str | None, Field(max_length=MAX_COUNTY_CODE_LENGTH), Ask(WHO)] = None
    municipality_slug: Annotated[
        str | None, Field(max_length=MAX_MUNICIPALITY_SLUG_LENGTH), Ask(WHO)
    ] = None
    description: Annotated[
        str,
        Field(
            json_schema_extra={
                "maxLength": MAX_DESCRIPTION_CODE_POINTS,
                "x-max-characters": MAX_DESCRIPTION_LENGTH,
                "description": f"At most {MAX_DESCRIPTION_LENGTH} characters as a person counts"
                " them (grapheme clusters).",
            }
        ),
        Ask(DESCRIPTION),
    ] = ""
    contact_method: Annotated[ContactMethod, Ask(CONTACT)] = ContactMethod.ANONYMOUS
    contact_value: Annotated[str, Field(max_length=MAX_CONTACT_LENGTH), Ask(CONTACT)] = ""
    contact_consent: Annotated[bool, Ask(CONTACT)] = False
    # Left out or null: the language the request came in.
    language: Language | None = Field(default_factory=active_language)

    @model_validator(mode="before")
    @classmethod
    def _main_category(cls, data: Any) -> Any:
        """Without ``category``, the main one is the first of ``categories``."""
        if isinstance(data, dict) and data.get("category") is None:
            chosen = data.get("categories")
            if isinstance(chosen, list) and chosen and isinstance(chosen[0], str):
                return {**data, "category": chosen[0]}
        return data

    @model_validator(mode="after")
    def _all_categories(self) -> ReportDraft:
        """Every category named, the main one first, each once.

        A report that names abuse material is handled as one (its pictures are hashed and
        discarded, never stored), whichever category was sent as the main one.
        """
        chosen = list(dict.fromkeys([self.category, *(self.categories or [])]))
        if Category.ABUSE_MATERIAL in chosen:
            chosen.remove(Category.ABUSE_MATERIAL)
            chosen.insert(0, Category.ABUSE_MATERIAL)
            self.category = Category.ABUSE_MATERIAL
        self.categories = chosen
        return self

    @field_validator("category", mode="wrap")
    @classmethod
    def _category(cls, value: Any, handler: Any) -> Any:
        try:
            return handler(value)
        except PydanticValidationError:
            raise refuse(_("Choose what happened from the list.")) from None

    @field_validator("language", mode="before")
    @classmethod
    def _language(cls, value: Any) -> Any:
        return active_language() if value is None else value

    @field_validator("platform")
    @classmethod
    def _platform(cls, value: str) -> str:
        return bidi_neutralise(_no_control_characters(value.strip())).text

    @field_validator("urls")
    @classmethod
    def _urls(cls, values: list[str]) -> list[str]:
        urls: list[str] = []
        problems: list[str] = []
        for raw in (v for v in values if v.strip()):
            try:
                url = normalise_url(raw)
            except ValueError:
                problems.append(
                    _(
                        "This does not look like a web link: %(link)s. A link starts with"
                        " http:// or https:// and has a site name, like https://example.com."
                    )
                    % {"link": raw[:80]}
                )
                continue
            if url not in urls:
                urls.append(url)
        if problems:
            raise refuse(*dict.fromkeys(problems))
        return urls

    @field_validator("usernames")
    @classmethod
    def _usernames(cls, values: list[str]) -> list[str]:
        usernames = [
            bidi_neutralise(_no_control_characters(v.strip())).text for v in values if v.strip()
        ]
        return list(dict.fromkeys(usernames))

    @field_validator("phone_numbers")
    @classmethod
    def _phone_numbers(cls, values: list[str]) -> list[str]:
        phones: list[str] = []
        problems: list[str] = []
        for raw in (v for v in values if v.strip()):
            phone = normalise_phone(raw)
            if phone is None:
                problems.append(
                    _("This does not look like a phone number: %(number)s") % {"number": raw[:40]}
                )
            elif phone not in phones:
                phones.append(phone)
        if problems:
            raise refuse(*dict.fromkeys(problems))
        return phones

    @field_validator("occurred_on")
    @classmethod
    def _occurred_on(cls, value: datetime.date | None) -> datetime.date | None:
        if value is None:
            return None
        if value > timezone.localdate() + datetime.timedelta(days=1):
            raise refuse(_("This date is in the future."))
        if value < EARLIEST_DATE:
            raise refuse(_("This date is too long ago."))
        return value

    @classmethod
    def outside_albania_message(cls) -> str:
        return _("Leave the county and municipality empty when it happened outside Albania.")

    @field_validator("description")
    @classmethod
    def _description(cls, value: str) -> str:
        if len(value) > MAX_DESCRIPTION_CODE_POINTS:  # checked first: it costs nothing
            raise refuse(
                _(
                    "Please keep this to %(limit)d characters: it is much longer now. Nothing"
                    " was cut: shorten it, or send the rest later as more information."
                )
                % {"limit": MAX_DESCRIPTION_LENGTH}
            )
        count = grapheme_count(value)
        if count > MAX_DESCRIPTION_LENGTH:
            raise refuse(
                _(
                    "Please keep this to %(limit)d characters: it has %(count)d now. Nothing"
                    " was cut: shorten it, or send the rest later as more information."
                )
                % {"limit": MAX_DESCRIPTION_LENGTH, "count": count}
            )
        # Direction controls could reorder what staff read: each becomes a visible marker.
        return bidi_neutralise(_no_control_characters(value, allow_newlines=True)).text

    @field_validator("contact_value")
    @classmethod
    def _contact_value(cls, value: str, info: ValidationInfo) -> str:
        method = info.data.get("contact_method", ContactMethod.ANONYMOUS)
        value = value.strip()
        if method == ContactMethod.ANONYMOUS:
            # Anonymous means anonymous: a contact typed and then left is not kept.
            return ""
        if method == ContactMethod.PHONE and callback_phone(value) is None:
            raise refuse(_(PHONE_MESSAGE))
        if method == ContactMethod.EMAIL and not plain_email(value):
            raise refuse(_("Give an e-mail address, like name@example.com."))
        return value

    @field_validator("contact_consent")
    @classmethod
    def _contact_consent(cls, value: bool, info: ValidationInfo) -> bool:
        method = info.data.get("contact_method", ContactMethod.ANONYMOUS)
        if method == ContactMethod.ANONYMOUS:
            return False
        if not value:
            raise refuse(
                _("Tick the box to let the helpline contact you, or choose to stay anonymous.")
            )
        return value

    # --- what follows from a valid draft ---

    def report_values(self) -> dict[str, Any]:
        """The Report model's fields, as stored."""
        values = self.model_dump(exclude={"county_code", "municipality_slug", "categories"})
        return {
            **values,
            "other_categories": [str(c) for c in (self.categories or [])[1:]],
            "county": self.county,
            "municipality": self.municipality,
        }

    def canonical(self) -> dict[str, Any]:
        """What the request meant, for idempotency fingerprints (not the language it came in).

        A report naming one category has the fingerprint it had before reports could name
        several, so a retry queued before then still matches its first answer.
        """
        values = self.model_dump(mode="json", exclude={"language"})
        if values.get("categories") == [values["category"]]:
            del values["categories"]
        return values

    @classmethod
    def check(cls, data: Any) -> tuple[ReportDraft | None, dict[str, list[str]]]:
        """(draft, {}) or (None, {field: [messages]}) for plain data (a dict, a form's data)."""
        try:
            return cls.model_validate(data), {}
        except PydanticValidationError as exc:
            return None, messages_by_field(exc.errors())

    @classmethod
    def fields_asked_by(cls, group: str) -> tuple[str, ...]:
        """The draft's fields that the question group ``group`` asks, in order."""
        return tuple(
            name
            for name, info in cls.model_fields.items()
            if any(isinstance(meta, Ask) and meta.group == group for meta in info.metadata)
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
    return bidi_neutralise(text.strip()).text, []
