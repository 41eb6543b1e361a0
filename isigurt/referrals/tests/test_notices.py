"""Notices and escalation: the institution's officers are e-mailed once per referral and once
more when its acknowledgement is overdue (with the helpline's supervisors), however often the
work is delivered (R5); the e-mail holds no personal data."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from isigurt.accounts.models import Role
from isigurt.accounts.tests.personas import persona
from isigurt.cases.models import CaseEvent, CaseEventKind
from isigurt.outbox.models import OutboxMessage
from isigurt.outbox.registry import handler_for, relay_tasks
from isigurt.outbox.services import outbox_handle
from isigurt.referrals.handlers import ESCALATE_TASK_NAME
from isigurt.referrals.models import NoticeKind, ReferralNotice
from isigurt.referrals.services import referral_acknowledge, referrals_escalate_overdue
from isigurt.referrals.tasks import escalate_overdue_referrals
from isigurt.referrals.tests.factories import open_case, refer

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(municipality_officer):
    return persona(
        "persona.cpu.tirana.2", Role.INSTITUTION_OFFICER, municipality_officer.organisation
    )


def test_the_institutions_officers_are_emailed_once(
    operator,
    municipality_officer,
    colleague,
    outsider,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    case = open_case(operator)
    with django_capture_on_commit_callbacks(execute=True):
        referral = refer(case, municipality_officer.organisation, operator)
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [municipality_officer.email, colleague.email]
    )
    assert all(len(m.to) == 1 for m in mailoutbox)  # no one learns the others' addresses
    message = mailoutbox[0]
    assert case.code in message.subject
    assert str(referral.pk) in message.body
    for private in ("Placeholder", "reporter@example.org", "069", "placeholder_user", "Tiranë"):
        assert private not in message.subject + message.body.replace(
            municipality_officer.organisation.name, ""
        ), private
    notice = ReferralNotice.objects.get(referral=referral)
    assert notice.kind == NoticeKind.SENT and notice.emailed_at is not None

    # Delivered again (a relay publishing twice, a worker killed after its work): nothing new.
    outbox = OutboxMessage.objects.get(topic="referrals.sent")
    with django_capture_on_commit_callbacks(execute=True):
        handler_for("referrals.sent")(dict(outbox.payload))
        handler_for("referrals.sent")(dict(outbox.payload))
        assert outbox_handle(message_id=outbox.pk) is False  # already handled
    assert len(mailoutbox) == 2
    assert ReferralNotice.objects.filter(referral=referral).count() == 1


def test_a_notice_for_a_missing_referral_does_nothing(mailoutbox):
    handler_for("referrals.sent")({"referral_id": "not-an-id"})
    handler_for("referrals.sent")({"referral_id": "6d0f1f4e-0000-4000-8000-000000000000"})
    assert not ReferralNotice.objects.exists() and mailoutbox == []


@pytest.fixture
def late(operator, municipality_officer):
    referral = refer(open_case(operator), municipality_officer.organisation, operator)
    referral.acknowledge_due = timezone.now() - timedelta(minutes=1)
    referral.save(update_fields=["acknowledge_due"])
    return referral


def test_an_overdue_referral_is_escalated_once(
    late,
    municipality_officer,
    supervisor,
    operator,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        assert referrals_escalate_overdue() == 1
        assert referrals_escalate_overdue() == 0
        assert escalate_overdue_referrals() == 0  # the Celery task, run again by beat
    late.refresh_from_db()
    assert late.escalated_at is not None
    assert CaseEvent.objects.filter(case=late.case, kind=CaseEventKind.ESCALATED).count() == 1
    overdue = list(mailoutbox)
    assert all(late.case.code in m.subject for m in overdue)
    assert sorted(m.to[0] for m in overdue) == sorted(
        [municipality_officer.email, supervisor.email]
    )
    assert operator.email not in [m.to[0] for m in overdue]  # supervisors, not every operator
    notice = ReferralNotice.objects.get(referral=late, kind=NoticeKind.OVERDUE)
    assert notice.emailed_at is not None
    message = OutboxMessage.objects.get(topic="referrals.overdue")
    with django_capture_on_commit_callbacks(execute=True):
        handler_for("referrals.overdue")(dict(message.payload))
    assert len(mailoutbox) == 2


def test_acknowledged_or_not_yet_due_referrals_are_not_escalated(
    late, operator, municipality_officer
):
    on_time = refer(open_case(operator), municipality_officer.organisation, operator)
    referral_acknowledge(referral=late, actor=municipality_officer)
    assert referrals_escalate_overdue() == 0
    assert referrals_escalate_overdue(now=on_time.acknowledge_due + timedelta(seconds=1)) == 1
    on_time.refresh_from_db()
    assert on_time.escalated_at is not None


def test_the_command_and_the_schedule_escalate(late):
    out = StringIO()
    call_command("escalate_overdue_referrals", stdout=out)
    assert out.getvalue().strip() == "1 referrals escalated"
    assert settings.CELERY_BEAT_SCHEDULE["referrals-escalate-overdue"] == {
        "task": ESCALATE_TASK_NAME,
        "schedule": 60.0,
    }
    assert escalate_overdue_referrals.name == ESCALATE_TASK_NAME


def test_the_relay_starts_the_escalation_when_one_is_due(late):
    [task] = [task for task in relay_tasks() if task.task_name == ESCALATE_TASK_NAME]
    assert task.due() is True
    task.run_inline()
    assert task.due() is False
