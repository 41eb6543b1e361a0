"""Overdue cases are escalated once per breach, and the supervisors get one e-mail (R5)."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from isigurt.accounts.models import Role
from isigurt.accounts.tests.personas import persona
from isigurt.audit.models import AuditEntry
from isigurt.cases import services
from isigurt.cases.handlers import notify_supervisors
from isigurt.cases.models import Case, CaseEscalationNotice, CaseEvent, CaseEventKind, CaseStatus
from isigurt.cases.selectors import case_queue
from isigurt.cases.tests.factories import case_from_contact, case_from_report, fresh
from isigurt.outbox.models import OutboxMessage
from isigurt.outbox.services import outbox_handle
from isigurt.reports.services import report_message_post

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_broker(settings):
    settings.CELERY_BROKER_URL = ""


def escalations(case: Case) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case=case, kind=CaseEventKind.ESCALATED).order_by("at"))


def test_an_unanswered_case_is_escalated_once_and_the_supervisors_told_once(
    operator, supervisor, django_capture_on_commit_callbacks
):
    second = persona("persona.supervisor.two", Role.HELPLINE_SUPERVISOR, supervisor.organisation)
    case = case_from_report(operator, category="bullying", child_in_danger=True)  # 15 minutes
    later = timezone.now() + timedelta(minutes=20)
    with django_capture_on_commit_callbacks(execute=True):
        result = services.cases_escalate_overdue(now=later)
    assert (result.first_response, result.referral) == (1, 0)
    [event] = escalations(case)
    assert event.data["overdue"] == "first_response" and event.actor is None
    assert fresh(case).first_response_escalated_at == later
    assert AuditEntry.objects.filter(action="case.escalated", object_id=str(case.pk)).exists()
    [message] = mail.outbox
    assert sorted(message.to) == sorted([supervisor.email, second.email])
    assert case.code in message.subject and case.code in message.body
    assert str(case.pk) in message.body and settings.SITE_URL in message.body
    notice = CaseEscalationNotice.objects.get(event=event)
    assert notice.emailed_at is not None and notice.recipients == 2

    with django_capture_on_commit_callbacks(execute=True):
        again = services.cases_escalate_overdue(now=later + timedelta(minutes=5))
    assert again.total == 0 and len(escalations(case)) == 1 and len(mail.outbox) == 1


def test_the_referral_breach_is_escalated_separately(
    operator, supervisor, django_capture_on_commit_callbacks
):
    case = case_from_contact(operator, issues=["online.grooming"])  # high: a day to refer
    contact_start = case.origins.get().contact.started_at
    services.cases_escalate_overdue(now=contact_start + timedelta(hours=2))
    assert escalations(case) == []  # the contact answered; the referral is not yet due
    with django_capture_on_commit_callbacks(execute=True):
        result = services.cases_escalate_overdue(now=contact_start + timedelta(hours=25))
    assert result.referral == 1
    assert [event.data["overdue"] for event in escalations(case)] == ["referral"]
    assert fresh(case).referral_escalated_at is not None
    assert fresh(case).first_response_escalated_at is None
    [message] = mail.outbox
    assert case.code in message.subject


def test_running_the_handler_twice_sends_one_mail(
    operator, supervisor, django_capture_on_commit_callbacks
):
    case = case_from_report(operator, child_in_danger=True)
    services.cases_escalate_overdue(now=timezone.now() + timedelta(minutes=30))
    message = OutboxMessage.objects.get(topic="cases.escalated")
    assert message.payload == {"event_id": str(escalations(case)[0].pk)}  # ids only
    # Delivered twice (a worker lost after its work), then once more through the outbox.
    with django_capture_on_commit_callbacks(execute=True):
        notify_supervisors(dict(message.payload))
    with django_capture_on_commit_callbacks(execute=True):
        notify_supervisors(dict(message.payload))
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox_handle(message_id=message.pk) is True
    assert CaseEscalationNotice.objects.count() == 1
    assert len(mail.outbox) == 1
    assert AuditEntry.objects.filter(action="case.escalation_notified").count() == 1


def test_the_mail_holds_no_personal_data(operator, supervisor, django_capture_on_commit_callbacks):
    case = case_from_report(
        operator,
        child_in_danger=True,
        description="Placeholder secret words.",
        usernames=["@placeholder_person"],
    )
    services.case_summary_update(case=case, actor=operator, summary="Summary placeholder words.")
    with django_capture_on_commit_callbacks(execute=True):
        services.cases_escalate_overdue(now=timezone.now() + timedelta(minutes=30))
    [message] = mail.outbox
    text = message.subject + message.body
    for private in ("secret words", "placeholder_person", "Summary placeholder", "ExampleChat"):
        assert private not in text


def test_answered_closed_or_referred_cases_are_not_escalated(operator, supervisor):
    answered = case_from_report(operator, child_in_danger=True)
    report = answered.origins.get().report
    report_message_post(report=report, body="Placeholder answer.", actor=operator)
    closed = case_from_report(operator, child_in_danger=True)
    services.case_close(case=closed, actor=operator, outcome="supported")
    referred = case_from_contact(operator, issues=["online.grooming"])
    services.case_triage(case=referred, actor=operator)
    services.case_status_change(case=referred, actor=operator, status=CaseStatus.WAITING)
    result = services.cases_escalate_overdue(now=timezone.now() + timedelta(days=30))
    assert result.first_response == 0
    assert result.referral == 1  # only the answered one still waits for its referral
    assert [e.case_id for e in CaseEvent.objects.filter(kind=CaseEventKind.ESCALATED)] == [
        answered.pk
    ]


def test_the_queue_flags_a_breach_before_the_task_runs(operator):
    calm = case_from_contact(operator)
    late = case_from_report(operator, child_in_danger=False, category="bullying")
    Case.objects.filter(pk=late.pk).update(first_response_due=timezone.now() - timedelta(minutes=1))
    rows = list(case_queue(viewer=operator))
    assert [(row.pk, row.overdue) for row in rows] == [(late.pk, True), (calm.pk, False)]
    assert not CaseEvent.objects.filter(kind=CaseEventKind.ESCALATED).exists()


def test_the_command_and_the_beat_schedule(operator, supervisor):
    case_from_report(operator, child_in_danger=True)
    Case.objects.update(first_response_due=timezone.now() - timedelta(minutes=1))
    out = StringIO()
    call_command("escalate_overdue_cases", stdout=out)
    assert "1 first responses" in out.getvalue()
    call_command("escalate_overdue_cases", stdout=out)
    assert CaseEvent.objects.filter(kind=CaseEventKind.ESCALATED).count() == 1
    schedule = settings.CELERY_BEAT_SCHEDULE["cases-escalate"]
    assert schedule == {"task": "isigurt.cases.tasks.escalate_overdue_cases", "schedule": 60.0}
    from isigurt.cases.tasks import escalate_overdue_cases

    assert escalate_overdue_cases.name == schedule["task"]
    assert escalate_overdue_cases() == 0
