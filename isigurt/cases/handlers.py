"""Follow-up work of cases, and what cases do when a report changes.

cases.escalated (outbox)   e-mail the helpline's supervisors that a case's first response
                           or referral is overdue: the case number, what is overdue and a
                           link, never anything about the child or the reporter
report_answered (signal)   the helpline's first answer to a report in a case is the case's
                           first response (connected in CasesConfig.ready)
"""

from __future__ import annotations

import logging
import uuid
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from isigurt.accounts.models import Role, User
from isigurt.cases.models import CaseEscalationNotice, CaseEvent, CaseEventKind
from isigurt.cases.triage import priority_label
from isigurt.outbox.registry import outbox_handler

logger = logging.getLogger(__name__)


@outbox_handler("cases.escalated")
def notify_supervisors(payload: dict[str, Any]) -> None:
    """Tell the helpline's supervisors of one escalation, once.

    Idempotent (R5): one CaseEscalationNotice per escalation event; a second delivery finds it
    and sends nothing. The e-mail is sent after the notice commits.
    """
    from isigurt.audit.services import audit_record

    try:
        event_id = uuid.UUID(str(payload.get("event_id")))
    except ValueError:
        logger.error("cases.escalated without a valid event id")
        return
    event = (
        CaseEvent.objects.select_related("case")
        .filter(pk=event_id, kind=CaseEventKind.ESCALATED)
        .first()
    )
    if event is None:
        return
    notice, created = CaseEscalationNotice.objects.get_or_create(event=event)
    if not created:
        return
    audit_record(
        actor=None, action="case.escalation_notified", target=event.case, fields=["escalation"]
    )
    transaction.on_commit(partial(_send_escalation, notice.pk))


def supervisors_of(organisation_id: Any) -> list[str]:
    """The e-mail addresses of the helpline's active supervisors."""
    return sorted(
        address
        for address in User.objects.filter(
            organisation_id=organisation_id,
            is_active=True,
            role_grants__role=Role.HELPLINE_SUPERVISOR,
        )
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
        if address
    )


def escalation_message(event: CaseEvent) -> tuple[str, str]:
    """The e-mail's subject and body, in Albanian: the case number, what is overdue since
    when, the priority and a link to the case (which asks for a login)."""
    case = event.case
    overdue = (event.data or {}).get("overdue")
    due = timezone.localtime(getattr(case, f"{overdue}_due") or event.at)
    with translation.override("sq"):
        link = settings.SITE_URL.rstrip("/") + reverse(
            "cases:case_detail", kwargs={"case_id": case.pk}
        )
        values = {
            "code": case.code,
            "due": due.strftime("%d.%m.%Y %H:%M"),
            "priority": priority_label(case.priority),
            "link": link,
        }
        if overdue == "referral":
            subject = _("Case %(code)s: the referral is overdue") % values
            what = _("The referral of case %(code)s was due at %(due)s.") % values
        else:
            subject = _("Case %(code)s: the first response is overdue") % values
            what = _("The first response to case %(code)s was due at %(due)s.") % values
        body = "\n\n".join(
            [
                what,
                _("Priority: %(priority)s.") % values,
                _("Open the case: %(link)s") % values,
            ]
        )
    return subject, body


def _send_escalation(notice_id: Any) -> None:
    notice = CaseEscalationNotice.objects.select_related("event__case").filter(pk=notice_id).first()
    if notice is None or notice.emailed_at is not None:
        return
    addresses = supervisors_of(notice.event.case.organisation_id)
    if not addresses:
        logger.warning("case escalation has no supervisor to tell notice=%s", notice.pk)
        return
    subject, body = escalation_message(notice.event)
    try:
        send_mail(subject, body, None, addresses)
    except Exception as exc:  # the queue shows the breach anyway
        logger.warning("case escalation e-mail failed error=%s", type(exc).__name__)
        return
    CaseEscalationNotice.objects.filter(pk=notice_id).update(
        emailed_at=timezone.now(), recipients=len(addresses)
    )


def first_response_on_answer(
    sender: Any, *, report: Any, message: Any, actor: Any, **_: Any
) -> None:
    """report_answered: the case's first response, once."""
    from isigurt.cases.services import case_first_response_record

    case_first_response_record(report=report, message=message, actor=actor)
