"""Project-wide middleware: database outage handling and response headers."""

import sys
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import trans_real

from isigurt.lib.client import peer_is_trusted_proxy
from isigurt.lib.helpline import helpline_context

RETRY_AFTER_SECONDS = 5


def database_unavailable_response(request: HttpRequest | None = None) -> HttpResponse:
    """503 with Retry-After: JSON for the API, a plain page (with the helpline) for people."""
    message = _("The service is briefly unavailable. Please try again in a moment.")
    if request is not None and not request.path_info.startswith("/api/"):
        # Rendered without the request: no context processor may touch the database now.
        html = render_to_string(
            "errors/503.html",
            {
                "message": message,
                "QUICK_EXIT_URL": settings.QUICK_EXIT_URL,
                **helpline_context(),
                "LANGUAGE_CODE": translation.get_language(),
            },
        )
        response: HttpResponse = HttpResponse(html, status=503)
    else:
        response = JsonResponse({"detail": message, "errors": []}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def is_connection_error(exc: BaseException) -> bool:
    """True for errors that mean the database cannot be reached or is failing, not bad input."""
    if isinstance(exc, (OperationalError, InterfaceError)):
        return True
    return isinstance(exc, DatabaseError) and "connection" in str(exc).lower()


def mark_database_outage(
    sender: object, request: HttpRequest | None = None, **kwargs: object
) -> None:
    """got_request_exception receiver: remember that a 500 came from a database outage.

    Django turns an exception in any middleware layer (a session saved after the view, say)
    into a 500 before outer middleware sees it; the mark lets the outermost layer answer 503.
    """
    exc = sys.exc_info()[1]
    if request is not None and exc is not None and is_connection_error(exc):
        request.database_unavailable = True  # type: ignore[attr-defined]


class DatabaseUnavailableMiddleware:
    """R6: a database outage becomes 503 with Retry-After, never a 500. Must come first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            response = self.get_response(request)
        except DatabaseError as exc:
            if is_connection_error(exc):
                return database_unavailable_response(request)
            raise
        if response.status_code == 500 and getattr(request, "database_unavailable", False):
            return database_unavailable_response(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DatabaseError) and is_connection_error(exception):
            return database_unavailable_response(request)
        return None


class SecurityHeadersMiddleware:
    """S8: staff pages are never cached; every response keeps its referrer to itself."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        is_staff_request = bool(user is not None and user.is_authenticated)
        if is_staff_request or getattr(request, "no_store", False):
            response["Cache-Control"] = "no-store"
        response.setdefault("Referrer-Policy", "no-referrer")
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


class SameOriginNullOriginMiddleware:
    """Let Django's CSRF check see the real origin of a same-origin form post.

    With ``Referrer-Policy: no-referrer`` (S8) browsers send ``Origin: null`` on form posts,
    which CsrfViewMiddleware refuses, so no form would work in a real browser. Fetch Metadata
    (``Sec-Fetch-Site``) is set by the browser and cannot be forged by another site's page:
    when it says "same-origin", the origin is this host. The CSRF token is still required.
    Must come before CsrfViewMiddleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request.META
        if meta.get("HTTP_ORIGIN") == "null" and meta.get("HTTP_SEC_FETCH_SITE") == "same-origin":
            meta["HTTP_ORIGIN"] = f"{request.scheme}://{request.get_host()}"
        return self.get_response(request)


class ApiLanguageMiddleware:
    """The API has no language prefix: it answers in the language the client asks for.

    LocaleMiddleware gives unprefixed paths the default language (Albanian). API clients and
    the phone app choose with `?lang=sq|en` or Accept-Language; the site's language cookie is
    ignored here, so an app's cached answers never depend on the last page visited.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith("/api/"):
            language = _api_language(request)
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


def _api_language(request: HttpRequest) -> str:
    supported = {code for code, _name in settings.LANGUAGES}
    asked = request.GET.get("lang", "")
    if asked in supported:
        return asked
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    for code, _quality in trans_real.parse_accept_lang_header(header):
        base = code.split("-")[0].lower()
        if base in supported:
            return base
    return str(settings.LANGUAGE_CODE)


class UntrustedForwardedHeadersMiddleware:
    """Drops `X-Forwarded-Proto` and `X-Forwarded-Host` unless the peer is a trusted proxy.

    `SECURE_PROXY_SSL_HEADER` (production) and `USE_X_FORWARDED_HOST` believe these headers from
    whoever sends them; only `TRUSTED_PROXIES` may (as for `X-Forwarded-For`, lib/client.py).
    Otherwise a plain-http request naming itself https would skip the redirect to https and
    receive pages meant for a secure connection. First in the stack, before SecurityMiddleware.
    """

    HEADERS = ("HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if any(header in request.META for header in self.HEADERS) and not peer_is_trusted_proxy(
            request
        ):
            for header in self.HEADERS:
                request.META.pop(header, None)
        return self.get_response(request)
