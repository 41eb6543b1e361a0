"""Uniform error bodies for the API: field-level messages in the caller's language, never a
5xx for bad input."""

from typing import Any

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from isigurt.lib.middleware import database_unavailable_response, is_connection_error

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


def validation_message(error: dict[str, Any]) -> str:
    """A translated message for a pydantic error (pydantic's own texts are English only)."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind == "string_too_long":
        limit = int(ctx.get("max_length", 0))
        return _("Please keep this under %(limit)d characters.") % {"limit": limit}
    if kind == "string_too_short":
        return _("This field is required.")
    if kind == "too_long":
        return _("Please give at most %(limit)d items.") % {"limit": int(ctx.get("max_length", 0))}
    if kind in _TYPE_MESSAGES:
        return _(_TYPE_MESSAGES[kind])
    return _("This value is not valid.")


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(ValidationError)
    def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = []
        for error in exc.errors:
            location = [str(part) for part in error.get("loc", ())]
            field = ".".join(location[1:]) or None
            errors.append({"field": field, "message": validation_message(error)})
        body = {"detail": _("Some of the information is not valid."), "errors": errors}
        return api.create_response(request, body, status=422)

    @api.exception_handler(AuthenticationError)
    def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        body = {"detail": _("Please sign in with your password and your code."), "errors": []}
        return api.create_response(request, body, status=401)

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        detail = _("You may not do this.") if exc.status_code == 403 else str(exc)
        return api.create_response(
            request, {"detail": detail, "errors": []}, status=exc.status_code
        )

    @api.exception_handler(DatabaseError)
    def on_database_error(request: HttpRequest, exc: DatabaseError) -> HttpResponse:
        if is_connection_error(exc):
            return database_unavailable_response(request)
        raise exc
