"""Uniform error bodies for the API: field-level messages, never a 5xx for bad input."""

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from isigurt.lib.middleware import database_unavailable_response, is_connection_error


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(ValidationError)
    def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = []
        for error in exc.errors:
            location = [str(part) for part in error.get("loc", ())]
            field = ".".join(location[1:]) or None
            errors.append({"field": field, "message": error.get("msg", "")})
        return api.create_response(request, {"detail": "invalid", "errors": errors}, status=422)

    @api.exception_handler(AuthenticationError)
    def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return api.create_response(request, {"detail": "authentication required"}, status=401)

    @api.exception_handler(DatabaseError)
    def on_database_error(request: HttpRequest, exc: DatabaseError) -> HttpResponse:
        if is_connection_error(exc):
            return database_unavailable_response()
        raise exc
