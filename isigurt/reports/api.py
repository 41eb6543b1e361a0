"""The reporting API, mounted at /api/v1/: categories, intake, follow-up by code and secret.

The JSON bodies are read here, not by ninja's parser, so that every bad input gets the answer
the phone app can act on: 415 for a wrong content type, 413 for a body over 64 KB, 400 for
broken JSON, 422 with field-level messages in the caller's language (Accept-Language) for
anything that does not fit. The schemas still document each body, with a working example.

POST /reports requires an Idempotency-Key header (IETF httpapi-idempotency-key-header: the
server MAY require it; the phone app always sends one, and without it a retry after a lost
answer would file the report twice).

Secrets travel in the X-Report-Secret header, never in a URL.
"""

from __future__ import annotations

import functools
import json
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import File, Header, Query, Router, Status
from ninja.files import UploadedFile
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from isigurt.api.errors import validation_message
from isigurt.lib.ratelimit import INTAKE_LIMITS, client_key, rate_limit_check
from isigurt.reports import services
from isigurt.reports.categories import (
    EMERGENCY_NUMBER,
    HELPLINE_NUMBER,
    advice_for,
    category_specs,
)
from isigurt.reports.models import Audience, Channel, Report
from isigurt.reports.schemas import (
    CategoriesOut,
    ErrorOut,
    EvidenceOut,
    InformationIn,
    MessageIn,
    ReportCreatedOut,
    ReportIn,
    ReportStatusOut,
)
from isigurt.reports.selectors import report_public_status

router = Router()

MAX_JSON_BODY = 64 * 1024
IDEMPOTENCY_HEADER = "Idempotency-Key"
CLIENT_HEADER = "X-Isigurt-Client"
SECRET_HEADER = "X-Report-Secret"  # noqa: S105 — a header name, not a secret
ERROR_RESPONSES: dict[int, Any] = {
    400: ErrorOut,
    404: ErrorOut,
    413: ErrorOut,
    415: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
    503: ErrorOut,
}


# --- helpers -------------------------------------------------------------------------------


class ApiProblem(Exception):
    def __init__(
        self,
        status: int,
        detail: str,
        errors: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors or {}
        self.headers = headers or {}


def problem_response(problem: ApiProblem) -> HttpResponse:
    body = {
        "detail": problem.detail,
        "errors": [
            {"field": name, "message": message}
            for name, messages in problem.errors.items()
            for message in messages
        ],
    }
    response = JsonResponse(body, status=problem.status)
    for name, value in problem.headers.items():
        response[name] = value
    return response


def _invalid(errors: dict[str, list[str]]) -> ApiProblem:
    return ApiProblem(422, _("Some answers need another look."), errors)


def _example(body: dict[str, Any], content_type: str = "application/json") -> dict[str, Any]:
    return {"requestBody": {"content": {content_type: {"example": body}}}}


def _inline_definitions(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with its $defs written in place: the spec must not point at missing parts."""
    definitions = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return resolve(definitions[ref.removeprefix("#/$defs/")])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved


def _json_request_body(model: type[BaseModel]) -> dict[str, Any]:
    """The requestBody of an operation whose JSON we read ourselves, with its example."""
    schema = _inline_definitions(model.model_json_schema())
    examples = schema.get("examples") or [{}]
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema, "example": examples[0]}},
        }
    }


def _message_for(error: dict[str, Any], field: str) -> str:
    if field == "category" and error.get("type") in ("enum", "literal_error"):
        return _("Choose what happened from the list.")
    return validation_message(error)


def parse_json(request: HttpRequest, model: type[BaseModel]) -> Any:
    """The request's JSON body as ``model``, or ApiProblem(400/413/415/422)."""
    content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    if content_type != "application/json" and not (
        content_type.startswith("application/") and content_type.endswith("+json")
    ):
        raise ApiProblem(415, _("Send the request as JSON (Content-Type: application/json)."))
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_JSON_BODY:
        raise ApiProblem(413, _("The request is too large."))
    raw = request.body
    if len(raw) > MAX_JSON_BODY:
        raise ApiProblem(413, _("The request is too large."))
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # deep nesting is bad input too
        raise ApiProblem(400, _("The request is not valid JSON.")) from None
    if not isinstance(data, dict):
        raise ApiProblem(422, _("Send a JSON object."), {"body": [_("Send a JSON object.")]})
    try:
        return model.model_validate(data)
    except PydanticValidationError as exc:
        errors: dict[str, list[str]] = {}
        for error in exc.errors():
            location = [str(part) for part in error.get("loc", ())]
            field = location[0] if location else "body"
            message = _message_for(dict(error), field)
            errors.setdefault(field, [])
            if message not in errors[field]:
                errors[field].append(message)
        raise _invalid(errors) from None


def _open_report(tracking_code: str, secret: str | None) -> Report:
    report = services.report_open(tracking_code=tracking_code, secret=secret or "")
    if report is None:
        raise ApiProblem(404, _("No report matches this tracking code and secret."))
    return report


def _language() -> str:
    language = (get_language() or "sq").split("-")[0]
    return language if language in ("sq", "en") else "sq"


def _channel(request: HttpRequest) -> str:
    """The "I SIGURT" app names itself, so the national statistics can count its reports."""
    if request.headers.get(CLIENT_HEADER, "").strip().lower() == "app":
        return Channel.APP
    return Channel.API


def _handle(func: Any) -> Any:
    """Turn ApiProblem into its JSON answer (ninja's handlers see only what we re-raise)."""

    @functools.wraps(func)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            return func(request, *args, **kwargs)
        except ApiProblem as problem:
            return problem_response(problem)

    return wrapper


# --- endpoints -----------------------------------------------------------------------------


@router.get(
    "/categories",
    response={200: CategoriesOut, 422: ErrorOut},
    summary="What can be reported, with the questions and advice for each category",
)
def categories(
    request: HttpRequest,
    audience: Audience = Audience.ADULT,
    lang: Literal["sq", "en"] | None = Query(
        None, description="Language of the texts (else Accept-Language; Albanian by default)."
    ),
) -> dict[str, Any]:
    # `lang` is applied by ApiLanguageMiddleware before the view runs; declared for the spec.
    return {
        "audience": audience,
        "helpline_number": HELPLINE_NUMBER,
        "emergency_number": EMERGENCY_NUMBER,
        "categories": category_specs(audience),
    }


@router.post(
    "/reports",
    response={201: ReportCreatedOut, 409: ErrorOut, **ERROR_RESPONSES},
    summary="File a report (requires an Idempotency-Key header)",
    openapi_extra={
        **_json_request_body(ReportIn),
        "parameters": [
            {
                "name": IDEMPOTENCY_HEADER,
                "in": "header",
                "required": True,
                "description": "1 to 255 printable ASCII characters, new for each report; "
                "send the same key again when retrying the same report.",
                "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                "example": "3f1c9a52-0c55-4d6f-8b39-0d1e4f7a9b21",
            },
            {
                "name": CLIENT_HEADER,
                "in": "header",
                "required": False,
                "description": '"app" when the report comes from the I SIGURT phone app; '
                "any other value counts as the API channel.",
                "schema": {"type": "string", "example": "app"},
            },
        ],
    },
)
@_handle
def report_create(request: HttpRequest) -> Any:
    """Returns the tracking code and the secret (shown once; a retry with the same key and body
    returns them again), the status and the advice for the category."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None or key == "":
        raise ApiProblem(
            400,
            _("The Idempotency-Key header is required: send a new unique value for each report."),
            {"idempotency_key": [_("This header is required.")]},
        )
    if not services.idempotency_key_valid(key):
        raise ApiProblem(
            400,
            _("The Idempotency-Key must be 1 to 255 printable characters."),
            {"idempotency_key": [_("The Idempotency-Key must be 1 to 255 printable characters.")]},
        )
    payload = parse_json(request, ReportIn)

    decision = rate_limit_check(
        scope="intake", key=client_key(request), limits=INTAKE_LIMITS, fail_open=True
    )
    # A retry of a report already acknowledged is answered even past the limit: it adds nothing.
    if not decision.allowed and not services.idempotency_key_used(key):
        raise ApiProblem(
            429,
            _("Too many reports from here just now. Please try again later."),
            headers={"Retry-After": str(decision.retry_after)},
        )

    data = payload.model_dump()
    data["language"] = data.get("language") or _language()
    draft = services.draft_from_report_data(data)
    try:
        submitted = services.report_submit(
            draft=draft,
            channel=_channel(request),
            idempotency_key=key,
            flagged=decision.store_down,
        )
    except services.IdempotencyConflict as exc:
        raise ApiProblem(
            422,
            _("This Idempotency-Key was already used for a different report."),
            exc.errors,
        ) from None
    except services.IdempotencyInProgress:
        raise ApiProblem(
            409,
            _("A report with this Idempotency-Key is still being processed. Try again shortly."),
            headers={"Retry-After": "1"},
        ) from None
    except services.ReportInvalid as exc:
        raise _invalid(exc.errors) from None
    report = submitted.report
    response = JsonResponse(
        {
            "tracking_code": submitted.tracking_code,
            "secret": submitted.secret,
            "status": report.status,
            "advice": advice_for(report.category, report.audience),
        },
        status=201,
    )
    if submitted.replayed:
        response["Idempotent-Replayed"] = "true"
    response["Cache-Control"] = "no-store"
    return response


@router.get(
    "/reports/{tracking_code}",
    response={200: ReportStatusOut, **ERROR_RESPONSES},
    summary="The status of a report and its messages (secret in X-Report-Secret)",
)
@_handle
def report_status(
    request: HttpRequest,
    tracking_code: str,
    x_report_secret: str = Header("", alias=SECRET_HEADER),
) -> Any:
    report = _open_report(tracking_code, x_report_secret)
    request.no_store = True  # type: ignore[attr-defined]
    return report_public_status(report=report)


@router.post(
    "/reports/{tracking_code}/messages",
    response={201: ErrorOut, **ERROR_RESPONSES},
    summary="Answer the helpline in the report's thread",
    openapi_extra=_json_request_body(MessageIn),
)
@_handle
def report_message(
    request: HttpRequest,
    tracking_code: str,
    x_report_secret: str = Header("", alias=SECRET_HEADER),
) -> Any:
    report = _open_report(tracking_code, x_report_secret)
    payload = parse_json(request, MessageIn)
    try:
        services.report_message_post(report=report, body=payload.body)
    except services.ReportInvalid as exc:
        raise _invalid(exc.errors) from None
    return Status(201, {"detail": _("Your message was sent."), "errors": []})


@router.post(
    "/reports/{tracking_code}/information",
    response={201: ErrorOut, **ERROR_RESPONSES},
    summary="Add information to a report",
    openapi_extra=_json_request_body(InformationIn),
)
@_handle
def report_information(
    request: HttpRequest,
    tracking_code: str,
    x_report_secret: str = Header("", alias=SECRET_HEADER),
) -> Any:
    report = _open_report(tracking_code, x_report_secret)
    payload = parse_json(request, InformationIn)
    try:
        services.report_add_information(report=report, text=payload.text)
    except services.ReportInvalid as exc:
        raise _invalid({"text": exc.errors.get("body", [])}) from None
    return Status(201, {"detail": _("Thank you. We added this to your report."), "errors": []})


@router.post(
    "/reports/{tracking_code}/evidence",
    response={201: EvidenceOut, **ERROR_RESPONSES},
    summary="Add a screenshot (multipart/form-data, field 'file')",
    openapi_extra=_example({"file": "screenshot.png (binary PNG or JPEG)"}, "multipart/form-data"),
)
@_handle
def report_evidence(
    request: HttpRequest,
    tracking_code: str,
    file: File[UploadedFile],
    x_report_secret: str = Header("", alias=SECRET_HEADER),
) -> Any:
    from isigurt.lib.images import MAX_UPLOAD_BYTES, ImageRejected

    report = _open_report(tracking_code, x_report_secret)
    if file.size is not None and file.size > MAX_UPLOAD_BYTES:
        raise ApiProblem(
            413,
            _("This picture is too large (at most %(limit)d MB).")
            % {"limit": MAX_UPLOAD_BYTES // (1024 * 1024)},
            {"file": [_("This picture is too large.")]},
        )
    data = file.read(MAX_UPLOAD_BYTES + 1)
    try:
        evidence = services.evidence_attach(report=report, data=data, filename=file.name or "")
    except ImageRejected as exc:
        status = 413 if exc.code == "too_large" else 422
        raise ApiProblem(status, str(exc.message), {"file": [str(exc.message)]}) from None
    except services.EvidenceRefused as exc:
        raise ApiProblem(422, exc.message, {"file": [exc.message]}) from None
    return Status(
        201,
        {
            "id": str(evidence.id),
            "stored": evidence.stored,
            "sha256": evidence.sha256,
            "width": evidence.width,
            "height": evidence.height,
            "mime": evidence.mime,
        },
    )


__all__ = ["ApiProblem", "parse_json", "router"]
