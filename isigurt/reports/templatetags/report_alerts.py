"""The helpline's danger-now banner, shown on every staff page of a viewer with a report list."""

from __future__ import annotations

from typing import Any

from django import template

from isigurt.accounts.middleware import is_verified
from isigurt.reports.selectors import danger_waiting_count

register = template.Library()


@register.inclusion_tag("reports/staff/_danger_banner.html", takes_context=True)
def danger_now_banner(context: dict[str, Any]) -> dict[str, Any]:
    """How many danger-now reports wait for acknowledgement (nothing for other viewers)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    count = None
    if user is not None and user.is_authenticated and is_verified(user):
        count = danger_waiting_count(viewer=user)
    return {"danger_count": count}
