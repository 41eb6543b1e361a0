"""The reporting API, mounted at /api/v1/: categories, intake, follow-up by code and secret.

Bodies, headers and queries are typed parameters: ninja reads and validates them (through the
API's JsonParser) and the API's exception handlers turn every problem into the one error shape
(isigurt/api/errors.py), in the caller's language. A report validates through ``ReportDraft``,
the same draft the web form uses.

POST /reports requires an Idempotency-Key header (IETF httpapi-idempotency-key-header: the
server MAY require it; the phone app always sends one, and without it a retry after a lost
answer would file the report twice).

Secrets travel in the X-Report-Secret header, never in a URL.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Header, Query, Router, Status
from ninja.files import UploadedFile

from isigurt.api.errors import ApiError, ErrorOut
from isigurt.lib.helpline import EMERGENCY_NUMBER, HELPLINE_NUMBER
from isigurt.lib.images import MAX_UPLOAD_BYTES, DecoderBusy, ImageRejected, RequestPixelBudget
from isigurt.lib.ratelimit import (
    client_key,
    followup_spend,
    intake_spend,
    track_attempt,
    track_failure,
)
from isigurt.reports import services
from isigurt.reports.categories import advice_for_all, category_specs
from isigurt.reports.models import Audience, Channel, Report
from isigurt.reports.schemas import (
    INFORMATION_EXAMPLE,
    MESSAGE_EXAMPLE,
    CategoriesOut,
    EvidenceOut,
    InformationIn,
    MessageIn,
    ReportCreatedOut,
    ReportStatusOut,
)
from isigurt.reports.selectors import report_public_status
from isigurt.reports.validation import REPORT_EXAMPLE, ReportDraft

router = Router()

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

IdempotencyKey = Header(
    alias=IDEMPOTENCY_HEADER,
    min_length=1,
    max_length=255,
    pattern=services.IDEMPOTENCY_KEY_RE.pattern,
    description="1 to 255 printable ASCII characters, new for each report; send the same key"
    " again when retrying the same report.",
    examples=["3f1c9a52-0c55-4d6f-8b39-0d1e4f7a9b21"],
)
FollowUpKey = Header(
    None,
    alias=IDEMPOTENCY_HEADER,
    min_length=1,
    max_length=255,
    pattern=services.IDEMPOTENCY_KEY_RE.pattern,
    description="Optional: send the same key again when retrying the same follow-up; it is"
    " then answered as the first time and added once.",
)
ReportSecret = Header("", alias=SECRET_HEADER, description="The secret shown with the code.")
ClientName = Header(
    "",
    alias=CLIENT_HEADER,
    description='"app" when the report comes from the I SIGURT phone app; any other value'
    " counts as the API channel.",
    examples=["app"],
)


def _example(example: dict[str, Any], content_type: str = "application/json") -> dict[str, Any]:
    """openapi_extra giving an operation's request body a working example (merged into the
    body ninja documents from the typed parameter)."""
    return {"requestBody": {"content": {content_type: {"example": example}}}}


def _open_report(request: HttpRequest, tracking_code: str, secret: str) -> Report:
    """The report for this code and secret, under the same tracking limits as the web page.

    Wrong secrets count toward a lock on the code (from anywhere) and on the client; the
    limiter's store down means 503 (tracking fails closed).
    """
    decision = track_attempt(request, code=tracking_code)
    if not decision.allowed:
        if decision.store_down:
            raise ApiError(
                503,
                _("We cannot check tracking codes right now. Please try again in a few minutes."),
                headers={"Retry-After": "60"},
            )
        raise ApiError(
            429,
            _("Too many tries. Please wait and try again."),
            headers={"Retry-After": str(decision.retry_after)},
        )
    report = services.report_open(tracking_code=tracking_code, secret=secret)
    if report is None:
        track_failure(request, code=tracking_code)
        raise ApiError(404, _("No report matches this tracking code and secret."))
    return report


def _once(
    request: HttpRequest,
    report: Report,
    key: str | None,
    client: str,
    fingerprint: str,
    post: Any,
    response: HttpResponse,
) -> dict[str, Any]:
    """A follow-up posted at most once per Idempotency-Key (the app retries after a lost
    answer); the API's answers for a reused or in-flight key."""
    try:
        answer, replayed = services.followup_once(
            report=report,
            idempotency_key=key,
            idempotency_scope=idempotency_scope(request, client),
            fingerprint=fingerprint,
            post=post,
        )
    except services.IdempotencyConflict as exc:
        raise ApiError(
            422, _("This Idempotency-Key was already used for a different request."), exc.errors
        ) from None
    except services.IdempotencyInProgress:
        raise ApiError(
            409,
            _("A request with this Idempotency-Key is still being processed. Try again shortly."),
            headers={"Retry-After": "1"},
        ) from None
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return answer


def _spend_followup(request: HttpRequest) -> None:
    """One follow-up of the allowance shared with the web pages, before any work is done."""
    decision = followup_spend(request)
    if not decision.allowed:
        raise ApiError(
            429,
            _("You sent a lot in a short time. Please wait, then send it again."),
            headers={"Retry-After": str(decision.retry_after)},
        )


def idempotency_scope(request: HttpRequest, client: str) -> str:
    """Who an Idempotency-Key belongs to (the IETF draft lets a server scope keys per client).

    The phone app names itself in X-Isigurt-Client and retries from the same device after a
    lost answer, often from another address (mobile networks change it): scoping its keys by
    address would file the retried report twice. Its keys are random UUIDs made on the
    device, so the app's name is its scope. Any other client is scoped by its address (a
    keyed hash of it): the same key from elsewhere is another key, and never replays someone
    else's code and secret.
    """
    name = client.strip().lower()
    if name:
        return f"client:{name}"
    return f"address:{client_key(request)}"


def _invalid(errors: dict[str, list[str]]) -> ApiError:
    return ApiError(422, _("Some answers need another look."), errors)


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


def _follow_up_links() -> dict[str, Any]:
    """OpenAPI links from a created report to what its reporter can do next (the code and
    secret of the answer fill the follow-ups' parameters)."""
    parameters = {
        "tracking_code": "$response.body#/tracking_code",
        "header.X-Report-Secret": "$response.body#/secret",
    }
    operations = {
        "ReportStatus": "isigurt_reports_api_report_status",
        "ReportMessage": "isigurt_reports_api_report_message",
        "ReportInformation": "isigurt_reports_api_report_information",
        "ReportEvidence": "isigurt_reports_api_report_evidence",
    }
    return {
        name: {"operationId": operation, "parameters": parameters}
        for name, operation in operations.items()
    }


@router.post(
    "/reports",
    response={201: ReportCreatedOut, 409: ErrorOut, **ERROR_RESPONSES},
    summary="File a report (requires an Idempotency-Key header)",
    openapi_extra={
        **_example(REPORT_EXAMPLE),
        "responses": {201: {"links": _follow_up_links()}},
    },
)
def report_create(
    request: HttpRequest,
    response: HttpResponse,
    report: ReportDraft,
    idempotency_key: str = IdempotencyKey,
    client: str = ClientName,
) -> Any:
    """Returns the tracking code and the secret (shown once; a retry with the same key and body
    returns them again), the status and the advice for the category."""
    decision = intake_spend(request)  # first, shared with the web form
    scope = idempotency_scope(request, client)
    # A retry of a report already acknowledged is answered even past the limit: it adds nothing.
    if not decision.allowed and not services.idempotency_key_used(idempotency_key, scope=scope):
        raise ApiError(
            429,
            _("Too many reports from here just now. Please try again later."),
            headers={"Retry-After": str(decision.retry_after)},
        )
    # The "I SIGURT" app names itself, so the national statistics can count its reports.
    channel = Channel.APP if client.strip().lower() == "app" else Channel.API
    try:
        submitted = services.report_submit(
            draft=report,
            channel=channel,
            idempotency_key=idempotency_key,
            idempotency_scope=scope,
            flagged=decision.store_down,
        )
    except services.IdempotencyConflict as exc:
        raise ApiError(
            422, _("This Idempotency-Key was already used for a different report."), exc.errors
        ) from None
    except services.IdempotencyInProgress:
        raise ApiError(
            409,
            _("A report with this Idempotency-Key is still being processed. Try again shortly."),
            headers={"Retry-After": "1"},
        ) from None
    except services.ReportInvalid as exc:
        raise _invalid(exc.errors) from None
    if submitted.replayed:
        response["Idempotent-Replayed"] = "true"
    response["Cache-Control"] = "no-store"
    return Status(
        201,
        {
            "tracking_code": submitted.tracking_code,
            "secret": submitted.secret,
            "status": submitted.report.status,
            # Every category named, main one first, each line once (as the web confirmation).
            "advice": advice_for_all(
                [submitted.report.category, *submitted.report.other_categories],
                submitted.report.audience,
            ),
        },
    )


@router.get(
    "/reports/{tracking_code}",
    response={200: ReportStatusOut, **ERROR_RESPONSES},
    summary="The status of a report and its messages (secret in X-Report-Secret)",
)
def report_status(request: HttpRequest, tracking_code: str, secret: str = ReportSecret) -> Any:
    report = _open_report(request, tracking_code, secret)
    request.no_store = True  # type: ignore[attr-defined]
    return report_public_status(report=report)


@router.post(
    "/reports/{tracking_code}/messages",
    response={201: ErrorOut, **ERROR_RESPONSES},
    summary="Answer the helpline in the report's thread",
    openapi_extra=_example(MESSAGE_EXAMPLE),
)
def report_message(
    request: HttpRequest,
    response: HttpResponse,
    tracking_code: str,
    message: MessageIn,
    secret: str = ReportSecret,
    idempotency_key: str | None = FollowUpKey,
    client: str = ClientName,
) -> Any:
    _spend_followup(request)
    report = _open_report(request, tracking_code, secret)

    def post() -> dict[str, Any]:
        services.report_message_post(report=report, body=message.body)
        return {"detail": _("Your message was sent."), "errors": []}

    fingerprint = services.request_fingerprint("message", message.body)
    try:
        answer = _once(request, report, idempotency_key, client, fingerprint, post, response)
    except services.ReportInvalid as exc:
        raise _invalid(exc.errors) from None
    return Status(201, answer)


@router.post(
    "/reports/{tracking_code}/information",
    response={201: ErrorOut, **ERROR_RESPONSES},
    summary="Add information to a report",
    openapi_extra=_example(INFORMATION_EXAMPLE),
)
def report_information(
    request: HttpRequest,
    tracking_code: str,
    information: InformationIn,
    response: HttpResponse,
    secret: str = ReportSecret,
    idempotency_key: str | None = FollowUpKey,
    client: str = ClientName,
) -> Any:
    _spend_followup(request)
    report = _open_report(request, tracking_code, secret)

    def post() -> dict[str, Any]:
        services.report_add_information(report=report, text=information.text)
        return {"detail": _("Thank you. We added this to your report."), "errors": []}

    fingerprint = services.request_fingerprint("information", information.text)
    try:
        answer = _once(request, report, idempotency_key, client, fingerprint, post, response)
    except services.ReportInvalid as exc:
        raise _invalid({"text": exc.errors.get("body", [])}) from None
    return Status(201, answer)


@router.post(
    "/reports/{tracking_code}/evidence",
    response={201: EvidenceOut, **ERROR_RESPONSES},
    summary="Add a screenshot (multipart/form-data, field 'file')",
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {"example": {"file": "screenshot.png (binary PNG or JPEG)"}}
            }
        }
    },
)
def report_evidence(
    request: HttpRequest,
    tracking_code: str,
    file: File[UploadedFile],
    secret: str = ReportSecret,
) -> Any:
    _spend_followup(request)  # before the picture is read, whatever the outcome
    report = _open_report(request, tracking_code, secret)
    if file.size is not None and file.size > MAX_UPLOAD_BYTES:
        raise ApiError(
            413,
            _("This picture is too large (at most %(limit)d MB).")
            % {"limit": MAX_UPLOAD_BYTES // (1024 * 1024)},
            {"file": [_("This picture is too large.")]},
        )
    try:
        evidence = services.evidence_attach(
            report=report, data=file.read(MAX_UPLOAD_BYTES + 1), budget=RequestPixelBudget()
        )
    except DecoderBusy as exc:
        raise ApiError(
            503,
            str(exc.message),
            {"file": [str(exc.message)]},
            headers={"Retry-After": str(exc.retry_after)},
        ) from None
    except ImageRejected as exc:
        raise ApiError(exc.status, str(exc.message), {"file": [str(exc.message)]}) from None
    except services.EvidenceRefused as exc:
        raise ApiError(422, exc.message, {"file": [exc.message]}) from None
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
