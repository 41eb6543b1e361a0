"""The helpline's danger-now banner, shown on every staff page of a viewer with a report list."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import ngettext

from isigurt.accounts.middleware import is_verified
from isigurt.reports.selectors import danger_waiting_count

register = template.Library()

# The count stands in for "%(count)s"; danger-watch.js puts the current number there.
COUNT_MARK = "{count}"


def danger_text(count: int | str, number: int) -> str:
    """The banner's sentence for ``number`` waiting reports, showing ``count``."""
    return ngettext(
        "Child in danger now: %(count)s report waits for a helpline staff member.",
        "Child in danger now: %(count)s reports wait for a helpline staff member.",
        number,
    ) % {"count": count}


@register.inclusion_tag("reports/staff/_danger_banner.html", takes_context=True)
def danger_now_banner(context: dict[str, Any]) -> dict[str, Any]:
    """How many danger-now reports wait for acknowledgement (nothing for other viewers)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    count = None
    if user is not None and user.is_authenticated and is_verified(user):
        count = danger_waiting_count(viewer=user)
    if count is None:
        return {"danger_count": None}
    return {
        "danger_count": count,
        "danger_text": danger_text(count, count),
        "text_one": danger_text(COUNT_MARK, 1),
        "text_other": danger_text(COUNT_MARK, 2),
        "csp_nonce": getattr(request, "csp_nonce", ""),
    }
