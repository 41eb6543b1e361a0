"""Staff login: password, then the second factor (enrolled at first login), then home."""

from base64 import b32encode
from collections.abc import Callable
from functools import wraps
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from isigurt.accounts import selectors, services
from isigurt.accounts.forms import CodeForm, PasswordLoginForm
from isigurt.accounts.middleware import is_verified, second_factor_not_required
from isigurt.accounts.models import User
from isigurt.accounts.services import LoginOutcome, LoginResult
from isigurt.lib.views import retry_after_minutes

NEXT_SESSION_KEY = "accounts_next"


def _staff_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - LoginRequiredMiddleware guarantees it
    return user


def _safe_next(request: HttpRequest, url: str | None) -> str | None:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return None


def _after_verified(request: HttpRequest, user: User) -> HttpResponseRedirect:
    url = _safe_next(request, request.session.pop(NEXT_SESSION_KEY, None))
    response = redirect(url or reverse("accounts:home"))
    # This browser completed a login: it keeps signing in while strangers use up the username's
    # attempts (services.login_device_for). HttpOnly, and sent only with same-site requests.
    response.set_cookie(
        settings.LOGIN_DEVICE_COOKIE_NAME,
        services.login_device_cookie_issue(user=user),
        max_age=settings.LOGIN_DEVICE_COOKIE_AGE,
        path="/",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Strict",
    )
    return response


def _too_many_message(result: LoginResult) -> str:
    minutes = retry_after_minutes(result.retry_after)
    return ngettext(
        "Too many attempts. Please wait %(minutes)s minute and try again.",
        "Too many attempts. Please wait %(minutes)s minutes and try again.",
        minutes,
    ) % {"minutes": minutes}


@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
@login_not_required
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        if is_verified(request.user):
            return redirect("accounts:home")
        return redirect("accounts:verify")
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    form = PasswordLoginForm(request.POST or None)
    status, retry_after = 200, 0
    error = ""
    if request.method == "POST" and form.is_valid():
        result = services.login_password_check(
            request=request,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
            device_cookie=request.COOKIES.get(settings.LOGIN_DEVICE_COOKIE_NAME),
        )
        if result.ok:
            if next_url:
                request.session[NEXT_SESSION_KEY] = next_url
            return redirect("accounts:verify")
        if result.outcome is LoginOutcome.INVALID:
            error = _("The username or the password is not right.")
        elif result.outcome is LoginOutcome.UNAVAILABLE:
            error = _("Signing in is briefly unavailable. Please try again in a moment.")
            status, retry_after = 503, result.retry_after
        else:
            error = _too_many_message(result)
            status, retry_after = 429, result.retry_after
    context = {
        "form": form,
        "error": error,
        "next": next_url or "",
        "demo_logins": selectors.demo_logins(),
    }
    response = render(request, "accounts/login.html", context, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def _code_step(
    request: HttpRequest, *, template: str, extra: dict[str, object], enrolling: bool
) -> HttpResponse:
    user = _staff_user(request)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["code"]
        if enrolling:
            result = services.totp_enrolment_confirm(request=request, user=user, token=token)
        else:
            result = services.login_second_factor_verify(request=request, user=user, token=token)
        if result.ok:
            return _after_verified(request, user)
        if result.outcome is LoginOutcome.LOCKED:
            messages.error(request, _too_many_message(result))
            return redirect("accounts:login")
        form.add_error(
            "code",
            _(
                "That code is not right, or it was already used. "
                "Wait for the next code and try again."
            ),
        )
    return render(request, template, {"form": form, **extra})


@never_cache
@require_http_methods(["GET", "POST"])
@second_factor_not_required
def verify_view(request: HttpRequest) -> HttpResponse:
    user = _staff_user(request)
    if is_verified(user):
        return redirect("accounts:home")
    if not services.user_has_confirmed_device(user=user):
        return redirect("accounts:enrol")
    extra: dict[str, object] = {"demo_code": selectors.demo_code_for(user=user)}
    return _code_step(request, template="accounts/verify.html", extra=extra, enrolling=False)


@never_cache
@require_http_methods(["GET", "POST"])
@second_factor_not_required
def enrol_view(request: HttpRequest) -> HttpResponse:
    user = _staff_user(request)
    if is_verified(user):
        return redirect("accounts:home")
    if services.user_has_confirmed_device(user=user):
        return redirect("accounts:verify")
    device = services.totp_enrolment_start(user=user)
    secret = b32encode(device.bin_key).decode("ascii")
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=5, border=2)
    extra: dict[str, object] = {
        # segno writes the SVG from the otpauth URL alone; nothing in it comes unescaped from input.
        "qr_svg": mark_safe(qr_svg),  # noqa: S308
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
    }
    return _code_step(request, template="accounts/enrol.html", extra=extra, enrolling=True)


@require_POST
@login_not_required
@second_factor_not_required
def logout_view(request: HttpRequest) -> HttpResponse:
    services.session_logout(request=request)  # flushes the session row: the old cookie is worthless
    return redirect("hub:home")


@never_cache
@require_safe
def staff_home(request: HttpRequest) -> HttpResponse:
    user = _staff_user(request)
    return render(request, "accounts/home.html", {"roles": selectors.staff_roles(viewer=user)})


# --- the admin site's own password change and logout (wrapped where the admin is mounted) ---

_AdminView = Callable[..., HttpResponse]


def admin_password_change_audited(view: _AdminView) -> _AdminView:
    """The admin's "change my password" page, audited when the password is replaced."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method != "POST":
            return view(request, *args, **kwargs)
        return services.own_password_change(
            request=request, change=lambda: view(request, *args, **kwargs)
        )

    return wrapped


def admin_logout_audited(view: _AdminView) -> _AdminView:
    """The admin's logout (it ends the session on the server), audited as the staff logout is."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method != "POST":
            return view(request, *args, **kwargs)
        return services.logout_audited(request=request, end=lambda: view(request, *args, **kwargs))

    return wrapped
