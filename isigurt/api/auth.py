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
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.security import SessionAuth


class StaffSessionAuth(SessionAuth):
    """Session cookie + verified second factor (+ CSRF for unsafe methods); returns the user."""

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        is_verified = getattr(user, "is_verified", None)
        if is_verified is None or not is_verified():
            return None
        return user


def install_access_handlers(api: NinjaAPI) -> None:
    """A visible but read-only object answers 403 in the API's error shape (404 is ninja's)."""

    @api.exception_handler(PermissionDenied)
    def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return api.create_response(
            request, {"detail": _("You may not do this."), "errors": []}, status=403
        )
