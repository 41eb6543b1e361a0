from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

NOT_INDEXED = ("/ndjek/", "/en/track/", "/staf/", "/en/staff/", "/admin/", "/api/")


@require_safe
@login_not_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "hub/home.html")


@require_safe
@login_not_required
def robots_txt(request: HttpRequest) -> HttpResponse:
    # Tracking pages and staff pages must never be indexed.
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in NOT_INDEXED)]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")
