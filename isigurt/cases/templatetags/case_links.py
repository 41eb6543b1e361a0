"""Ways into cases from other staff pages: the "Cases" link of the staff navigation, and the
"Open a case" button (or the link to the case) on a report's and a contact's page."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from isigurt.accounts.middleware import is_verified
from isigurt.cases.permissions import can_list_cases, cases_visible_to
from isigurt.cases.selectors import case_of_contact, case_of_report
from isigurt.helpline.models import Contact
from isigurt.helpline.permissions import contact_changeable_by
from isigurt.reports.models import Report
from isigurt.reports.permissions import report_changeable_by

register = template.Library()


def _viewer(context: Any) -> Any:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not is_verified(user):
        return None
    return user


@register.inclusion_tag("cases/_nav_link.html", takes_context=True)
def cases_nav_link(context: Any) -> dict[str, Any]:
    """The link to the case queue, for those who have one."""
    user = _viewer(context)
    return {"shown": user is not None and can_list_cases(user)}


def _button(context: Any, *, case: Any, action: str, can_open: bool) -> dict[str, Any]:
    user = _viewer(context)
    visible = (
        case is not None and user is not None and cases_visible_to(user).filter(pk=case.pk).exists()
    )
    return {
        "case": case if visible else None,
        "action": action,
        "can_open": case is None and can_open,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("cases/_open_button.html", takes_context=True)
def case_for_report(context: Any, report_id: Any) -> dict[str, Any]:
    """On a report's page: its case, or the button that opens one."""
    user = _viewer(context)
    report = Report.objects.filter(pk=report_id).first()
    if user is None or report is None or not can_list_cases(user):
        return {"case": None, "can_open": False}
    return _button(
        context,
        case=case_of_report(report),
        action=reverse("cases:case_open_report", kwargs={"report_id": report.pk}),
        can_open=report_changeable_by(user, report),
    )


@register.inclusion_tag("cases/_open_button.html", takes_context=True)
def case_for_contact(context: Any, contact: Contact) -> dict[str, Any]:
    """On a contact's page: its case, or the button that opens one."""
    user = _viewer(context)
    if user is None or not can_list_cases(user):
        return {"case": None, "can_open": False}
    return _button(
        context,
        case=case_of_contact(contact),
        action=reverse("cases:case_open_contact", kwargs={"contact_id": contact.pk}),
        can_open=contact_changeable_by(user, contact),
    )
