"""Pydantic errors as messages a person can act on, in the active language.

Pydantic's own texts are English only. A validator that knows better words raises ``refuse``
(a ``PydanticCustomError`` carrying the translated message); every other error is worded here
from its type and context. The web form and the API both show these messages.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from pydantic_core import PydanticCustomError

CUSTOM_ERROR = "isigurt"

_TYPE_MESSAGES = {
    "missing": gettext_noop("This field is required."),
    "string_type": gettext_noop("Give text here."),
    "bool_type": gettext_noop("Answer true or false."),
    "bool_parsing": gettext_noop("Answer true or false."),
    "list_type": gettext_noop("Give a list here."),
    "date_type": gettext_noop("Give the date like 2025-03-31."),
    "date_parsing": gettext_noop("Give the date like 2025-03-31."),
    "date_from_datetime_parsing": gettext_noop("Give the date like 2025-03-31."),
    "date_from_datetime_inexact": gettext_noop("Give the date like 2025-03-31."),
    "enum": gettext_noop("Choose one of the options."),
    "literal_error": gettext_noop("Choose one of the options."),
    "model_type": gettext_noop("Send a JSON object."),
    "model_attributes_type": gettext_noop("Send a JSON object."),
    "dict_type": gettext_noop("Send a JSON object."),
}


def refuse(*messages: str) -> PydanticCustomError:
    """The error a validator raises with its own (already translated) messages."""
    return PydanticCustomError(
        CUSTOM_ERROR, "{message}", {"message": " ".join(messages), "messages": list(messages)}
    )


def messages_for(error: Mapping[str, Any]) -> list[str]:
    """The messages for one pydantic error (a validator's own, or worded from its type)."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind == CUSTOM_ERROR:
        return [str(message) for message in ctx.get("messages", [ctx.get("message", "")])]
    if kind == "string_too_long":
        limit = int(ctx.get("max_length", 0))
        return [_("Please keep this under %(limit)d characters.") % {"limit": limit}]
    if kind == "string_too_short":
        return [_("This field is required.")]
    if kind == "too_long":
        limit = int(ctx.get("max_length", 0))
        return [_("Please give at most %(limit)d items.") % {"limit": limit}]
    if kind in _TYPE_MESSAGES:
        return [_(_TYPE_MESSAGES[kind])]
    return [_("This value is not valid.")]


def messages_by_field(
    errors: Iterable[Mapping[str, Any]], *, skip: int = 0
) -> dict[str, list[str]]:
    """{field: [messages]} from pydantic errors; ``skip`` drops leading location parts.

    The field is the first location part after ``skip`` ("urls" for the third link), or
    "body" when the error is about the whole object.
    """
    by_field: dict[str, list[str]] = {}
    for error in errors:
        location = [str(part) for part in error.get("loc", ())][skip:]
        field = location[0] if location else "body"
        messages = by_field.setdefault(field, [])
        for message in messages_for(error):
            if message not in messages:
                messages.append(message)
    return by_field


def refusals_onto_form(
    form: Any, errors: Mapping[str, Iterable[str]], field: str | None = None
) -> None:
    """A service's refusals shown on the form: all on ``field`` when given, else each on the
    field it names (or on the whole form when the form has no such field)."""
    for name, problems in errors.items():
        target = field if field is not None else (name if name in form.fields else None)
        for problem in problems:
            form.add_error(target, problem)
