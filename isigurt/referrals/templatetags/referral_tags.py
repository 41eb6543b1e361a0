"""Referrals on other pages: the inbox link in the staff navigation (with how many referrals
wait for an acknowledgement), and the referrals of a case on the case page."""

from __future__ import annotations

from typing import Any

from django import template

from isigurt.accounts.middleware import is_verified
from isigurt.cases.permissions import case_changeable_by
from isigurt.referrals.forms import QuestionForm, WithdrawForm
from isigurt.referrals.selectors import case_referrals_for_staff, inbox_counts

register = template.Library()


def _viewer(context: Any) -> Any:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not is_verified(user):
        return None
    return user


@register.inclusion_tag("referrals/_nav_link.html", takes_context=True)
def referrals_nav(context: Any) -> dict[str, Any]:
    """The inbox link for institution officers, with the number waiting (nothing for others)."""
    viewer = _viewer(context)
    counts = inbox_counts(viewer=viewer) if viewer is not None else None
    return {"counts": counts}


@register.inclusion_tag("referrals/_case_referrals_list.html", takes_context=True)
def case_referrals(context: Any, case: Any, refer_link: bool = True) -> dict[str, Any]:
    """The referrals of ``case`` the viewer may see, their threads, and the helpline's forms;
    each referral's read is audited."""
    viewer = _viewer(context)
    request = context.get("request")
    if viewer is None:
        return {"rows": [], "can_refer": False}
    return {
        "case": case,
        "rows": case_referrals_for_staff(viewer=viewer, case=case, request=request),
        "can_refer": case_changeable_by(viewer, case),
        "refer_link": refer_link,
        "csrf_token": context.get("csrf_token"),
        "next": request.get_full_path() if request is not None else "",
        "question_form": QuestionForm(),
        "withdraw_form": WithdrawForm(),
    }
