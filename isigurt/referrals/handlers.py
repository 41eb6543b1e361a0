"""Follow-up work for referrals, run from the outbox after the change is committed.

    referrals.sent      the institution's officers are told of a new referral
    referrals.overdue   the institution's officers and the helpline's supervisors are told
                        that an acknowledgement is overdue

Each is idempotent: one ReferralNotice per (referral, kind), so a message delivered twice
(a worker killed mid-task, a relay that publishes again) e-mails at most once (R5). The e-mail
names the institution, the case number, the due time and the page's address: never anything
about the child, the reporter or what happened.

The relay also asks, every cycle, whether a referral waits to be escalated, and starts the
escalation task (or runs it here without a broker); Celery beat runs it every minute as well.
"""

from __future__ import annotations

import logging
import uuid
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from isigurt.accounts.models import Role, User
from isigurt.audit.services import audit_record
from isigurt.outbox.registry import RelayTask, outbox_handler, relay_task
from isigurt.referrals.models import NoticeKind, Referral, ReferralNotice
from isigurt.referrals.services import (
    OVERDUE_TOPIC,
    SENT_TOPIC,
    officers_of,
    referral_escalation_due,
    referrals_escalate_overdue,
)

logger = logging.getLogger(__name__)

ESCALATE_TASK_NAME = "isigurt.referrals.tasks.escalate_overdue_referrals"


def _referral(payload: dict[str, Any], topic: str) -> Referral | None:
    try:
        referral_id = uuid.UUID(str(payload.get("referral_id")))
    except ValueError:
        logger.error("%s without a valid referral id", topic)
        return None
    return Referral.objects.select_related("case", "organisation").filter(pk=referral_id).first()


def _notice_once(referral: Referral, kind: str) -> ReferralNotice | None:
    """The notice of this kind, if it is new; None when it was already made."""
    notice, created = ReferralNotice.objects.get_or_create(referral=referral, kind=kind)
    if not created:
        return None
    audit_record(actor=None, action=f"referral.notice_{kind}", target=referral)
    return notice


@outbox_handler(SENT_TOPIC)
def notify_institution(payload: dict[str, Any]) -> None:
    """A new referral: its notice, and one e-mail to the institution's officers."""
    referral = _referral(payload, SENT_TOPIC)
    if referral is None:
        return
    notice = _notice_once(referral, NoticeKind.SENT)
    if notice is not None:
        transaction.on_commit(partial(_send_notice, notice.pk))


@outbox_handler(OVERDUE_TOPIC)
def notify_overdue(payload: dict[str, Any]) -> None:
    """An overdue acknowledgement: its notice, and one e-mail to the institution's officers
    and the helpline's supervisors."""
    referral = _referral(payload, OVERDUE_TOPIC)
    if referral is None:
        return
    notice = _notice_once(referral, NoticeKind.OVERDUE)
    if notice is not None:
        transaction.on_commit(partial(_send_notice, notice.pk))


def _addresses(referral: Referral, kind: str) -> list[str]:
    people = list(officers_of(referral.organisation_id).exclude(email=""))
    if kind == NoticeKind.OVERDUE:
        people += list(
            User.objects.filter(
                organisation_id=referral.case.organisation_id,
                is_active=True,
                role_grants__role=Role.HELPLINE_SUPERVISOR,
            ).exclude(email="")
        )
    return sorted({person.email for person in people})


def notice_text(referral: Referral, kind: str) -> tuple[str, str]:
    """(subject, body) of the notice in the active language: ids, names and times only."""
    due = formats.date_format(timezone.localtime(referral.acknowledge_due), "j.n.Y H:i")
    address = settings.SITE_URL.rstrip("/") + reverse(
        "referrals:detail", kwargs={"referral_id": referral.pk}
    )
    values = {
        "institution": referral.organisation.name,
        "code": referral.case.code,
        "due": due,
        "address": address,
    }
    if kind == NoticeKind.OVERDUE:
        subject = _("Overdue: referral of case %(code)s is not acknowledged") % values
        body = (
            _(
                "The referral of case %(code)s to %(institution)s was due to be acknowledged "
                "by %(due)s and has not been.\n\n"
                "Open it here and acknowledge it: %(address)s"
            )
            % values
        )
    else:
        subject = _("New referral: case %(code)s") % values
        body = (
            _(
                "The ALO 116 helpline has referred case %(code)s to %(institution)s.\n\n"
                "Please acknowledge it by %(due)s. Open it here (sign in first): %(address)s"
            )
            % values
        )
    return subject, body


def _send_notice(notice_id: Any) -> None:
    notice = (
        ReferralNotice.objects.select_related("referral__case", "referral__organisation")
        .filter(pk=notice_id)
        .first()
    )
    if notice is None or notice.emailed_at is not None:
        return
    referral = notice.referral
    addresses = _addresses(referral, notice.kind)
    if not addresses:
        return  # the platform's inbox and staff home show it anyway
    with translation.override("sq"):
        subject, body = notice_text(referral, notice.kind)
    try:
        # One message per person: officers of one body do not learn each other's addresses.
        send_mass_mail(tuple((subject, body, None, [address]) for address in addresses))
    except Exception as exc:  # the inbox shows it anyway
        logger.warning("referral notice e-mail failed error=%s", type(exc).__name__)
        return
    ReferralNotice.objects.filter(pk=notice_id, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )


relay_task(
    RelayTask(
        task_name=ESCALATE_TASK_NAME,
        due=referral_escalation_due,
        run_inline=referrals_escalate_overdue,
    )
)
