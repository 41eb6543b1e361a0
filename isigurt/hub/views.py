from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from isigurt.lib.ratelimit import INTAKE_LIMITS
from isigurt.outbox.services import HANDLED_RETENTION
from isigurt.reports.services import IDEMPOTENCY_TTL_HOURS

NOT_INDEXED = ("/ndjek/", "/en/track/", "/staf/", "/en/staff/", "/admin/", "/api/")


@require_safe
@login_not_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "hub/home.html")


@require_safe
@login_not_required
def privacy(request: HttpRequest) -> HttpResponse:
    """The privacy notice for adults: parents, teachers, professionals ("ju")."""
    return render(request, "hub/privacy.html", _privacy_context(for_children=False))


@require_safe
@login_not_required
def privacy_children(request: HttpRequest) -> HttpResponse:
    """The privacy notice for children and teenagers: short, in plain words ("ti")."""
    return render(request, "hub/privacy.html", _privacy_context(for_children=True))


def _privacy_context(*, for_children: bool) -> dict[str, Any]:
    """The periods the notice states, read from the code that enforces them."""
    return {
        "for_children": for_children,
        "idempotency_hours": IDEMPOTENCY_TTL_HOURS,
        "outbox_days": HANDLED_RETENTION.days,
        "session_minutes": settings.SESSION_COOKIE_AGE // 60,
        "rate_limit_days": max(limit.seconds for limit in INTAKE_LIMITS) * 2 // 86400,
    }


@require_safe
@login_not_required
def robots_txt(request: HttpRequest) -> HttpResponse:
    # Tracking pages and staff pages must never be indexed.
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in NOT_INDEXED)]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")
