"""The API's one error shape, its request parser and its exception handlers.

Every error answer, whatever its status, is an ``ErrorOut``::

    {"detail": "One sentence for a person.",
     "errors": [{"field": "urls", "message": "..."}, ...]}

with the messages in the caller's language (``?lang=`` or Accept-Language). Bad input is
never a 5xx: a wrong content type is 415, a body over MAX_JSON_BODY is 413, a body that is not
JSON (or is nested too deep to read) is 400, a missing or malformed header is 400, and anything
that does not fit the operation's schema is 422 with one entry per problem.
"""

import json
from typing import Any

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from pydantic import Field

from isigurt.lib.middleware import database_unavailable_response, is_connection_error
from isigurt.lib.validation import messages_by_field

MAX_JSON_BODY = 64 * 1024


class FieldError(Schema):
    field: str | None
    message: str


class ErrorOut(Schema):
    """Every error of the API: a sentence for a person and, where it helps, one entry per
    problem field ("field" is null for the request as a whole)."""

    detail: str
    errors: list[FieldError] = Field(default_factory=list)


class ApiError(HttpError):
    """An error answer: status, a sentence, field messages and response headers."""

    def __init__(
        self,
        status: int,
        detail: str,
        errors: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status, detail)
        self.detail = detail
        self.errors = errors or {}
        self.headers = headers or {}


class JsonParser(Parser):
    """ninja's JSON body parser with the answers a client can act on (415, 413, 400)."""

    def parse_body(self, request: HttpRequest) -> Any:
        content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
        if content_type != "application/json" and not (
            content_type.startswith("application/") and content_type.endswith("+json")
        ):
            raise ApiError(415, _("Send the request as JSON (Content-Type: application/json)."))
        if len(request.body) > MAX_JSON_BODY:
            raise ApiError(413, _("The request is too large."))
        try:
            return json.loads(request.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):  # deep nesting is bad input too
            raise ApiError(400, _("The request is not valid JSON.")) from None


def error_response(
    api: NinjaAPI,
    request: HttpRequest,
    *,
    status: int,
    detail: str,
    errors: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    body = {
        "detail": detail,
        "errors": [
            {"field": name, "message": message}
            for name, messages in (errors or {}).items()
            for message in messages
        ],
    }
    response = api.create_response(request, body, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _field_errors(errors: list[dict[str, Any]]) -> tuple[int, dict[str, list[str]]]:
    """ninja's validation errors as (status, {field: messages}).

    The location is (source, [body parameter,] field, ...): headers become snake_case names
    ("idempotency_key"), a body's fields are named without the parameter. A missing or bad
    header, or no body at all, is a bad request (400); the rest is 422.
    """
    status = 422
    by_field: dict[str, list[str]] = {}
    for error in errors:
        location = [str(part) for part in error.get("loc", ())]
        source = location[0] if location else ""
        if source == "header":
            status = 400
            location = ["_".join(location[1:]).lower().replace("-", "_")]
        elif source == "body":
            if len(location) <= 2 and error.get("type") == "missing":
                status = 400
            location = location[2:] or ["body"]
        else:
            location = location[1:]
        for field, messages in messages_by_field([{**error, "loc": location}]).items():
            known = by_field.setdefault(field, [])
            known.extend(m for m in messages if m not in known)
    return status, by_field


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(ValidationError)
    def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        status, errors = _field_errors(list(exc.errors))
        if status == 400:
            detail = _("The request is missing something it needs.")
        else:
            detail = _("Some answers need another look.")
        return error_response(api, request, status=status, detail=detail, errors=errors)

    @api.exception_handler(AuthenticationError)
    def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        detail = _("Please sign in with your password and your code.")
        return error_response(api, request, status=401, detail=detail)

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # ninja wraps what the parser raises in a plain 400; the parser's own answer is kept.
        cause = exc.__cause__ if isinstance(exc.__cause__, ApiError) else exc
        if isinstance(cause, ApiError):
            return error_response(
                api,
                request,
                status=cause.status_code,
                detail=cause.detail,
                errors=cause.errors,
                headers=cause.headers,
            )
        detail = _("You may not do this.") if exc.status_code == 403 else str(exc.message)
        return error_response(api, request, status=exc.status_code, detail=detail)

    @api.exception_handler(DatabaseError)
    def on_database_error(request: HttpRequest, exc: DatabaseError) -> HttpResponse:
        if is_connection_error(exc):
            return database_unavailable_response(request)
        raise exc
