"""The one description of what the helpline sends and what an institution writes back.

``ReferralDraft`` (one or more institutions, the groups of fields each may read, the request),
``ReferralText`` (an update, a question, a reason for withdrawing), ``OutcomeDraft`` and
``OfficerDraft``: the staff forms validate through them and the API takes them as bodies, with
the bounds as named constants and the messages in the active language. What needs the database
(is the organisation one a case can be referred to, is the officer one of the institution's)
is checked by the services.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic import ValidationError as PydanticValidationError

from isigurt.lib.text import bidi_neutralise
from isigurt.lib.validation import messages_by_field, refuse
from isigurt.referrals import sharing
from isigurt.referrals.models import ReferralOutcome
from isigurt.reports.validation import has_control_characters

MAX_RECIPIENTS = 10
MAX_REQUEST_LENGTH = 2000
MAX_TEXT_LENGTH = 5000
MAX_GROUP_CODE_LENGTH = 32
MAX_ORGANISATION_ID = 2**31 - 1

REFERRAL_EXAMPLE: dict[str, Any] = {
    "recipients": [
        {"organisation_id": 12, "groups": ["child", "place", "danger", "summary"]},
        {"organisation_id": 5, "groups": None},
    ],
    "request": "Please assess the child's situation and tell us what you can do.",
}


def clean_text(value: str, *, allow_newlines: bool = True) -> str:
    """Free text as stored: no control characters, direction controls made visible."""
    if has_control_characters(value, allow_newlines=allow_newlines):
        raise refuse(_("This contains characters we cannot accept."))
    return bidi_neutralise(value.strip()).text


class RecipientDraft(BaseModel):
    """One institution and the groups of fields it may read (None: those suggested for its
    kind). Groups that would identify the child are dropped for AKEP and providers."""

    model_config = ConfigDict(extra="ignore")

    organisation_id: Annotated[int, Field(ge=1, le=MAX_ORGANISATION_ID)]
    groups: (
        Annotated[
            list[Annotated[str, Field(max_length=MAX_GROUP_CODE_LENGTH)]],
            Field(max_length=len(sharing.FIELD_GROUPS)),
        ]
        | None
    ) = None

    @field_validator("groups")
    @classmethod
    def _groups(cls, values: list[str] | None) -> list[str] | None:
        if values is None:
            return None
        codes = list(dict.fromkeys(value.strip() for value in values))
        if any(code not in sharing.SHAREABLE for code in codes):
            raise refuse(_("Choose what to share from the list."))
        return codes


class ReferralDraft(BaseModel):
    """A referral of one case to one or more institutions at once."""

    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [REFERRAL_EXAMPLE]})

    recipients: Annotated[list[RecipientDraft], Field(max_length=MAX_RECIPIENTS)]
    request: Annotated[str, Field(max_length=MAX_REQUEST_LENGTH)] = ""

    @field_validator("recipients")
    @classmethod
    def _recipients(cls, values: list[RecipientDraft]) -> list[RecipientDraft]:
        if not values:
            raise refuse(_("Choose at least one institution."))
        seen: dict[int, RecipientDraft] = {}
        for value in values:
            seen.setdefault(value.organisation_id, value)
        return list(seen.values())

    @field_validator("request")
    @classmethod
    def _request(cls, value: str) -> str:
        return clean_text(value)


class ReferralText(BaseModel):
    """What a person writes on a referral: an update, a question, a reason for withdrawing."""

    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [{"text": "..."}]})

    text: Annotated[str, Field(max_length=MAX_TEXT_LENGTH)]

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        value = clean_text(value)
        if not value:
            raise refuse(_("Write something first."))
        return value


class OptionalText(BaseModel):
    """Text that may be left empty (a reason for withdrawing)."""

    model_config = ConfigDict(extra="ignore")

    text: Annotated[str, Field(max_length=MAX_TEXT_LENGTH)] = ""

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        return clean_text(value)


class OutcomeDraft(BaseModel):
    """The institution's outcome: a code and, where it helps, a few words."""

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={"examples": [{"outcome": "support_given", "text": "..."}]},
    )

    outcome: ReferralOutcome
    text: Annotated[str, Field(max_length=MAX_TEXT_LENGTH)] = ""

    @field_validator("outcome", mode="wrap")
    @classmethod
    def _outcome(cls, value: Any, handler: Any) -> Any:
        try:
            return handler(value)
        except PydanticValidationError:
            raise refuse(_("Choose what came of the referral.")) from None

    @field_validator("text")
    @classmethod
    def _text(cls, value: str, info: Any) -> str:
        value = clean_text(value)
        if not value and info.data.get("outcome") == ReferralOutcome.OTHER:
            raise refuse(_("Say in a few words what the outcome was."))
        return value


class OfficerDraft(BaseModel):
    """The institution's officer who follows the referral."""

    model_config = ConfigDict(extra="ignore")

    officer_id: Annotated[int, Field(ge=1, le=MAX_ORGANISATION_ID)]


def check(model: type[BaseModel], data: Any) -> tuple[Any, dict[str, list[str]]]:
    """(instance, {}) or (None, {field: [messages]}) for any of the drafts above."""
    try:
        return model.model_validate(data), {}
    except PydanticValidationError as exc:
        return None, messages_by_field(exc.errors())
