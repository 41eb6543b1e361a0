"""Project-level views that belong to no single app."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe
from django.views.i18n import set_language as django_set_language

from isigurt.lib import health
from isigurt.lib.tone import ADULT, adult_tone


@never_cache
@require_safe
@login_not_required
def healthz(request: HttpRequest) -> HttpResponse:
    report = health.check()
    status = 200 if report["database"] == "ok" else 503
    response = JsonResponse(report, status=status)
    if status == 503:
        response["Retry-After"] = "5"
    return response


@require_POST
@login_not_required
def set_language(request: HttpRequest) -> HttpResponse:
    # Django translates `next` by resolving it in the active language, which here is the
    # visitor's cookie or browser language, not the page's: resolve it in the language of its
    # own prefix, or "Shqip" on /en/report/ would keep the English address.
    next_url = str(request.POST.get("next") or request.GET.get("next") or "")
    page_language = translation.get_language_from_path(urlsplit(next_url).path)
    with translation.override(page_language or settings.LANGUAGE_CODE):
        return django_set_language(request)


# --- error pages: in the visitor's language, with the quick exit; JSON under /api/ ---------

_ERROR_TEMPLATES = {400: "errors/400.html", 403: "errors/403.html", 404: "errors/404.html"}


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def _error_response(request: HttpRequest, status: int) -> HttpResponse:
    if _is_api(request):
        details = {
            400: _("The request could not be understood."),
            403: _("You may not do this."),
            404: _("There is nothing at this address."),
        }
        return JsonResponse({"detail": details[status], "errors": []}, status=status)
    return render(request, _ERROR_TEMPLATES[status], status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_response(request, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_response(request, 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_response(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        detail = _("Something went wrong on our side. Please try again in a moment.")
        return JsonResponse({"detail": detail, "errors": []}, status=500)
    try:
        return render(request, "errors/500.html", status=500)
    except Exception:  # the page itself may be what fails: answer plainly
        return HttpResponseServerError(
            "<!doctype html><title>500</title><p>ALO 116 111</p>", content_type="text/html"
        )


def retry_after_minutes(seconds: int) -> int:
    """Whole minutes to tell a person from a Retry-After in seconds (at least one)."""
    return max(1, (seconds + 59) // 60)


# --- a form sent after its page went stale (CSRF_FAILURE_VIEW) -----------------------------

# Public forms whose fields may be offered back with a fresh token, and where "start again"
# leads. Nothing else is ever re-sent: re-rendering a post with a fresh token would turn a
# forged cross-site post into a one-click submission, so staff and admin paths only get the
# kind page and a link.
_RESEND_VIEWS = {
    "reports:start": "reports:start",
    "reports:form": "reports:start",
    "reports:track_message": "reports:track",
    "reports:track_information": "reports:track",
}
_START_AGAIN = {
    **_RESEND_VIEWS,
    "reports:track": "reports:track",
    "reports:track_evidence": "reports:track",
    "reports:track_leave": "reports:track",
}
# Never written back into a page, whatever the form.
_NEVER_RESENT = ("csrfmiddlewaretoken", "password", "secret", "evidence", "otp", "token")


def _view_name(request: HttpRequest) -> str:
    try:
        return resolve(request.path_info).view_name
    except Resolver404:
        return ""


def _same_origin(request: HttpRequest) -> bool:
    """Whether the browser says the post came from one of this site's own pages."""
    if request.META.get("HTTP_SEC_FETCH_SITE") == "same-origin":
        return True
    origin = request.META.get("HTTP_ORIGIN")
    if not origin or origin == "null":
        return False
    try:
        return origin == f"{request.scheme}://{request.get_host()}"
    except DisallowedHost:
        return False


def resendable_fields(request: HttpRequest) -> list[tuple[str, str]] | None:
    """The posted fields to offer back, or None when this post must not be re-sent."""
    if request.method != "POST" or _view_name(request) not in _RESEND_VIEWS:
        return None
    if not _same_origin(request):
        return None
    return [
        (name, value)
        for name, values in request.POST.lists()
        if not any(word in name.lower() for word in _NEVER_RESENT)
        for value in values
    ]


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A kind page, in the page's language, with the quick exit and the helpline.

    On the public reporting and tracking forms, when the browser says the post came from this
    site, it offers to send what was typed again (pictures must be chosen again).
    """
    if _is_api(request):
        detail = _("This request could not be checked. Please load the page and try again.")
        return JsonResponse({"detail": detail, "errors": []}, status=403)
    view_name = _view_name(request)
    fields = resendable_fields(request)
    start_again = _START_AGAIN.get(view_name)
    context = {
        "fields": fields,
        "action": request.path,
        "had_pictures": bool(request.FILES) if fields is not None else False,
        "start_again_url": reverse(start_again) if start_again else request.path,
    }
    # Both report steps post who is telling us: an adult is addressed as "ju".
    with adult_tone(request.POST.get("audience") == ADULT):
        response = render(request, "errors/csrf.html", context, status=403)
    request.no_store = True  # type: ignore[attr-defined]
    response["Cache-Control"] = "no-store"
    return response
