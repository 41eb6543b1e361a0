"""The case page's links section: ``{% load linked_cases %}``, then
``{% case_links case as links %}``."""

from __future__ import annotations

from typing import Any

from django import template

from isigurt.cases.linking import CaseLinks, case_links_for
from isigurt.cases.models import Case

register = template.Library()


@register.simple_tag(takes_context=True)
def case_links(context: template.Context, case: Case) -> CaseLinks:
    """What the viewer may see of ``case``'s links (nothing for an institution)."""
    request: Any = context.get("request")
    viewer = getattr(request, "user", None) or context.get("user")
    return case_links_for(viewer=viewer, case=case)
