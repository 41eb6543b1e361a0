from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe


@require_safe
@login_not_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "hub/home.html")


@require_safe
@login_not_required
def robots_txt(request: HttpRequest) -> HttpResponse:
    # Tracking pages and staff pages must never be indexed.
    lines = ["User-agent: *", "Disallow: /ndjek/", "Disallow: /en/track/", "Disallow: /staf/", "Disallow: /en/staff/", "Disallow: /admin/"]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")
