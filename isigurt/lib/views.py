"""Project-level views that belong to no single app."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe
from django.views.i18n import set_language as django_set_language

from isigurt.lib import health


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
