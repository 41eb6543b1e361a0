"""The procedure panel that a referral's page shows (``referrals/_procedure.html``)."""

from __future__ import annotations

from typing import Any

from django import template

from isigurt.referrals.models import Referral
from isigurt.referrals.procedure_permissions import procedure_reading
from isigurt.referrals.procedure_selectors import ProcedureView, procedure_for_staff

register = template.Library()


@register.simple_tag(takes_context=True)
def procedure_panel(context: template.Context, referral: Any) -> ProcedureView | None:
    """The brief view of ``referral``'s procedure for the page's viewer (audited), or None
    when there is none to show: not a referral to a child protection unit, or not theirs."""
    request = context.get("request")
    viewer = getattr(request, "user", None)
    if not isinstance(referral, Referral) or viewer is None:
        return None
    if procedure_reading(viewer, referral) is None:
        return None
    return procedure_for_staff(viewer=viewer, referral=referral, request=request, brief=True)
