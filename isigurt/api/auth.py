"""Authentication for staff API calls: the staff session with a verified second factor.

    from isigurt.api.auth import StaffSessionAuth, require_roles

    @router.get("/cases", auth=StaffSessionAuth())
    def cases(request):
        user = require_roles(request.auth, Role.HELPLINE_OPERATOR, Role.HELPLINE_SUPERVISOR)

Unsafe methods (POST, PUT, PATCH, DELETE) also need the CSRF token, as a page form would.
A password-only session is refused with 401, like no session at all.
"""

from typing import Any

from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import SessionAuth

from isigurt.accounts.models import User


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


def require_roles(user: Any, *roles: str) -> User:
    """The user if they hold one of the roles; otherwise a 403 for the API caller."""
    if not isinstance(user, User) or not user.has_role(*roles):
        raise HttpError(403, "forbidden")
    return user
