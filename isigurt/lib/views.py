"""Project-level views that belong to no single app."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
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
    return django_set_language(request)
