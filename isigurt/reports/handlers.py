"""Follow-up work for new reports, run from the outbox after the report is committed."""

from __future__ import annotations

import logging
import uuid
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from isigurt.lib.tone import adult_tone
from isigurt.outbox.registry import outbox_handler
from isigurt.reports.models import (
    Audience,
    HelplineNotification,
    Report,
    ReporterNotice,
    ReportMessage,
)

logger = logging.getLogger(__name__)


@outbox_handler("reports.received")
def notify_helpline(payload: dict[str, Any]) -> None:
    """Record that the helpline was told about the report, and e-mail its address if set.

    Idempotent: one HelplineNotification per report; a second delivery does nothing. The e-mail
    holds the tracking code, the category and whether a child is in danger now (then its
    subject says it is urgent), never the reporter's words or contact.
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
        values = {"code": report.display_code, "category": report.get_category_display()}
        if report.child_in_danger:
            subject = _("URGENT: a child is in danger now, report %(code)s") % values
            body = (
                _(
                    "A new report (%(category)s) says a child is in danger now. Open the "
                    "helpline's report list at once: it is at the top."
                )
                % values
            )
        else:
            subject = _("New report %(code)s") % values
            body = (
                _(
                    "A new report (%(category)s) arrived. Open the helpline's report list to "
                    "read it."
                )
                % values
            )
    try:
        send_mail(subject, body, None, [address])
    except Exception as exc:  # the row stays; the list shows the report anyway
        logger.warning("helpline e-mail failed error=%s", type(exc).__name__)
        return
    HelplineNotification.objects.filter(pk=notification_id).update(emailed=True)


@outbox_handler("reports.answered")
def notify_reporter(payload: dict[str, Any]) -> None:
    """Tell a reporter who chose e-mail that the helpline answered; audited.

    Idempotent: one ReporterNotice per answer. The e-mail, in the reporter's language, says
    only that there is an answer and where to read it (the tracking page, where the reporter
    enters their code and secret): never the answer itself, the code or the secret.
    """
    from isigurt.audit.services import audit_record
    from isigurt.reports.services import reporter_wants_email

    try:
        message_id = uuid.UUID(str(payload.get("message_id")))
    except ValueError:
        logger.error("reports.answered without a valid message id")
        return
    message = (
        ReportMessage.objects.select_related("report")
        .filter(pk=message_id, from_helpline=True)
        .first()
    )
    if message is None or not reporter_wants_email(message.report):
        return
    notice, created = ReporterNotice.objects.get_or_create(message=message)
    if not created:
        return
    audit_record(
        actor=None,
        action="report.reporter_notified",
        target=message.report,
        fields=("contact_value",),
    )
    transaction.on_commit(partial(_send_reporter_email, notice.pk))


def _send_reporter_email(notice_id: Any) -> None:
    notice = ReporterNotice.objects.select_related("message__report").filter(pk=notice_id).first()
    if notice is None or notice.emailed:
        return
    report = notice.message.report
    language = report.language if report.language in dict(settings.LANGUAGES) else "sq"
    with translation.override(language):
        address = settings.SITE_URL.rstrip("/") + reverse("reports:track")
        with adult_tone(report.audience == Audience.ADULT):
            subject = _("I Sigurt: there is an answer for you")
        if report.audience == Audience.ADULT:
            text = pgettext(
                "e-mail to an adult",
                "The helpline has answered your report.\n\n"
                "To read the answer, open %(address)s and enter your tracking code and "
                "secret.\n\n"
                "For your safety this e-mail does not contain the answer. If you did not send "
                "a report, you can ignore it.",
            )
        else:
            text = pgettext(
                "e-mail to a child",
                "The helpline has answered your report.\n\n"
                "To read the answer, open %(address)s and enter your tracking code and "
                "secret.\n\n"
                "For your safety this e-mail does not contain the answer. If you did not send "
                "a report, you can ignore it.",
            )
        body = text % {"address": address}
    try:
        send_mail(subject, body, None, [report.contact_value])
    except Exception as exc:  # the answer waits on the tracking page anyway
        logger.warning("reporter e-mail failed error=%s", type(exc).__name__)
        return
    ReporterNotice.objects.filter(pk=notice_id).update(emailed=True)
