"""Authentication for staff API calls: the staff session with a verified second factor.

A staff operation decides access the same way a staff page does, through the app's
permissions module, and leaves the answer to the handlers installed here:

    from isigurt.reports.permissions import access_report

    @router.get("/staff/reports/{report_id}", auth=StaffSessionAuth())
    def staff_report(request, report_id: UUID):
        report = access_report(request.auth, report_id)  # 404 unseen, 403 read-only
        ...

Unsafe methods (POST, PUT, PATCH, DELETE) also need the CSRF token, as a page form would.
A password-only session is refused with 401, like no session at all.

Partner systems send a per-organisation API token instead (``ApiTokenAuth``, decision 0017):
``Authorization: Bearer isg_...``. A router that accepts them lists both methods,
``auth=[StaffSessionAuth(), ApiTokenAuth()]``; ``request.auth`` is then the token's service
account, which the permissions modules treat as an officer of the token's organisation.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.security import HttpBearer, SessionAuth

from isigurt.api.errors import ApiError


class StaffSessionAuth(SessionAuth):
    """Session cookie + verified second factor (+ CSRF for unsafe methods); returns the user."""

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def _get_key(self, request: HttpRequest) -> str | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            # No session: nothing for the CSRF check to protect, and another method (an API
            # token) may still apply. A signed-in session is checked as before.
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        is_verified = getattr(user, "is_verified", None)
        if is_verified is None or not is_verified():
            return None
        return user


class ApiTokenAuth(HttpBearer):
    """``Authorization: Bearer <token>`` of a partner system; returns the token's service
    account. A wrong, revoked or expired token is 401, a token over its rate limit 429 (with
    Retry-After), both in the API's error shape. Needs no CSRF token: a browser never sends
    this header on its own."""

    def __call__(self, request: HttpRequest) -> Any | None:
        # ninja's own parsing logs a header it does not expect, secret and all: not here.
        scheme, _space, value = request.headers.get(self.header, "").partition(" ")
        if scheme.lower() != self.openapi_scheme:
            return None
        return self.authenticate(request, value.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Any | None:
        from isigurt.accounts import api_tokens

        # A valid token always counts against its own limit only: refusals from the same
        # address (a faulty client behind a municipality's NAT) never shut out its partners.
        found = api_tokens.api_token_authenticate(token)
        if found is None:
            refused = api_tokens.api_token_failures_exhausted(request)
            if not refused.allowed:
                raise _too_many(
                    refused.retry_after, _("Too many refused tokens. Please wait and try again.")
                )
            api_tokens.api_token_failure_count(request)
            raise ApiError(
                401,
                _("This API token is not valid: it is unknown, revoked or expired."),
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        decision = api_tokens.api_token_rate_check(found)
        if not decision.allowed:
            raise _too_many(
                decision.retry_after,
                _("Too many requests with this token. Please wait and try again."),
            )
        request.no_store = True  # type: ignore[attr-defined]
        return found.user


def _too_many(retry_after: int, detail: str) -> ApiError:
    return ApiError(429, detail, headers={"Retry-After": str(max(retry_after, 1))})


def install_access_handlers(api: NinjaAPI) -> None:
    """A visible but read-only object answers 403 in the API's error shape (404 is ninja's)."""

    @api.exception_handler(PermissionDenied)
    def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return api.create_response(
            request, {"detail": _("You may not do this."), "errors": []}, status=403
        )
