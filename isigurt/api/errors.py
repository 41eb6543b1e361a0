"""Uniform error bodies for the API: field-level messages in the caller's language, never a
5xx for bad input."""

from typing import Any

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from isigurt.lib.middleware import database_unavailable_response, is_connection_error


def _message(error: dict[str, Any]) -> str:
    """A translated message for a pydantic error type (pydantic's own texts are English)."""
    kind = str(error.get("type", ""))
    if kind == "missing":
        return _("This field is required.")
    if kind in {"enum", "literal_error"}:
        return _("Choose one of the allowed values.")
    if kind.endswith("_too_long"):
        return _("This value is too long.")
    if kind.endswith("_too_short"):
        return _("This value is too short.")
    if kind.endswith(("_type", "_parsing")):
        return _("This value has the wrong type.")
    return _("This value is not valid.")


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(ValidationError)
    def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = []
        for error in exc.errors:
            location = [str(part) for part in error.get("loc", ())]
            field = ".".join(location[1:]) or None
            errors.append({"field": field, "message": _message(error)})
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
