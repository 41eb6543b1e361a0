"""S4: no staff page works on a password-only session."""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


def is_verified(user: object) -> bool:
    """True if the session's user passed the second factor (set by django-otp's middleware)."""
    check = getattr(user, "is_verified", None)
    return bool(getattr(user, "is_authenticated", False) and check is not None and check())


def second_factor_not_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view that a half-logged-in user may reach (enrolment, verification, logout)."""
    view.second_factor_required = False  # type: ignore[attr-defined]
    return view


class SecondFactorRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated or is_verified(user):
            return None
        if not getattr(view_func, "login_required", True):
            return None  # public page: the staff session is irrelevant there
        if not getattr(view_func, "second_factor_required", True):
            return None
        return redirect("accounts:verify")
