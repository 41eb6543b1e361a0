"""Follow-up work for new reports, run from the outbox after the report is committed."""

from __future__ import annotations

import logging
import uuid
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from isigurt.outbox.registry import outbox_handler
from isigurt.reports.models import HelplineNotification, Report

logger = logging.getLogger(__name__)


@outbox_handler("reports.received")
def notify_helpline(payload: dict[str, Any]) -> None:
    """Record that the helpline was told about the report, and e-mail its address if set.

    Idempotent: one HelplineNotification per report; a second delivery does nothing. The e-mail
    holds the tracking code and category only, never the reporter's words or contact.
    """
    try:
        report_id = uuid.UUID(str(payload.get("report_id")))
    except ValueError:
        logger.error("reports.received without a valid report id")
        return
    report = Report.objects.filter(pk=report_id).first()
    if report is None:
        return
    notification, created = HelplineNotification.objects.get_or_create(report=report)
    if not created:
        return
    address = settings.HELPLINE_NOTIFY_EMAIL
    if address:
        transaction.on_commit(partial(_send_email, notification.pk, address))


def _send_email(notification_id: Any, address: str) -> None:
    notification = (
        HelplineNotification.objects.select_related("report").filter(pk=notification_id).first()
    )
    if notification is None or notification.emailed:
        return
    report = notification.report
    with translation.override("sq"):
        subject = _("New report %(code)s") % {"code": report.display_code}
        body = _(
            "A new report (%(category)s) arrived. Open the helpline's report list to read it."
        ) % {"category": report.get_category_display()}
    try:
        send_mail(subject, body, None, [address])
    except Exception as exc:  # the row stays; the list shows the report anyway
        logger.warning("helpline e-mail failed error=%s", type(exc).__name__)
        return
    HelplineNotification.objects.filter(pk=notification_id).update(emailed=True)
