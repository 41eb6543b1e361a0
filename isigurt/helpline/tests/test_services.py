"""Logging, correcting and calling back: stored as drafted, encrypted where personal, audited
by field name only."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from isigurt.audit.models import AuditEntry
from isigurt.helpline.models import CallBack, Contact, ContactIssue
from isigurt.helpline.services import (
    ContactInvalid,
    callback_record,
    contact_log,
    contact_update,
)
from isigurt.helpline.tests.factories import contact_data, contact_draft, logged
from isigurt.helpline.validation import ContactDraft
from isigurt.reports.tests.factories import submitted

pytestmark = pytest.mark.django_db

PHONE = "069 000 0001"


def _raw(column: str, contact: Contact) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column} FROM helpline_contact WHERE id = %s",  # noqa: S608 — test's own names
            [contact.pk.hex if connection.vendor == "sqlite" else contact.pk],
        )
        return str(cursor.fetchone()[0])


def test_it_logs_a_contact_with_its_issues_in_the_operators_organisation(operator):
    contact = logged(
        operator,
        issues=["online.grooming", "mental_health.anxiety", "online.grooming"],
        county_code="AL-11",
        municipality_slug="tirane",
    )
    contact.refresh_from_db()
    assert contact.organisation_id == operator.organisation_id
    assert contact.operator == operator
    assert contact.duration_seconds == 300
    assert contact.county is not None and contact.county.code == "AL-11"
    issues = list(ContactIssue.objects.filter(contact=contact).values_list("category", "topic"))
    assert issues == [("online", "online.grooming"), ("mental_health", "mental_health.anxiety")]


def test_the_summary_and_the_phone_are_encrypted_at_rest(operator):
    contact = logged(
        operator, actions=["callback"], caller_phone=PHONE, summary="Placeholder words."
    )
    assert "Placeholder" not in _raw("summary", contact)
    assert "069" not in _raw("caller_phone", contact)
    assert Contact.objects.get(pk=contact.pk).caller_phone == PHONE


def test_the_audit_entry_names_fields_and_never_holds_values(operator):
    contact = logged(operator, actions=["callback"], caller_phone=PHONE)
    entry = AuditEntry.objects.filter(action="contact.logged", object_id=str(contact.pk)).get()
    assert {"summary", "caller_phone", "issues", "channel"} <= set(entry.fields)
    stored = str(entry.fields) + entry.object_id + entry.action
    assert "Placeholder" not in stored and "069" not in stored


def test_a_promised_call_back_is_waiting_with_its_due_time(operator):
    due = timezone.now() + timedelta(hours=2)
    contact = logged(operator, actions=["callback"], caller_phone=PHONE, callback_due_at=due)
    (callback,) = CallBack.objects.filter(contact=contact)
    assert callback.pending and callback.due_at == due


def test_a_phone_number_is_kept_only_with_a_call_back_promise():
    _draft, errors = ContactDraft.check(contact_data(caller_phone=PHONE))
    assert "caller_phone" in errors
    _draft, errors = ContactDraft.check(contact_data(actions=["callback"]))
    assert "caller_phone" in errors


def test_at_least_one_known_issue_is_needed():
    assert "issues" in ContactDraft.check(contact_data(issues=[]))[1]
    assert "issues" in ContactDraft.check(contact_data(issues=["online.nothing"]))[1]


def test_a_referral_says_where_to():
    assert "referred_to" in ContactDraft.check(contact_data(actions=["referral"]))[1]
    draft = contact_draft(actions=["counselling"], referred_to="Kept only with a referral")
    assert draft.referred_to == ""


def test_a_start_in_the_future_is_refused_and_a_start_without_length_ends_now():
    future = timezone.now() + timedelta(hours=1)
    assert "started_at" in ContactDraft.check(contact_data(started_at=future))[1]
    started = timezone.now() - timedelta(minutes=7)
    draft = contact_draft(started_at=started, duration_seconds=None)
    assert 7 * 60 - 2 <= (draft.duration_seconds or 0) <= 7 * 60 + 2


def test_a_contact_links_the_report_the_operator_handled(operator):
    result = submitted(category="grooming")
    contact = logged(operator, channel="web", report_code=result.tracking_code.lower())
    assert contact.report == result.report
    with pytest.raises(ContactInvalid) as refused:
        logged(operator, report_code="ZZZZ-ZZZZ")
    assert "report_code" in refused.value.errors


@pytest.mark.parametrize("persona", ["analyst", "stats_viewer", "no_role", "platform_admin"])
def test_only_the_helpline_logs_contacts(request, persona):
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        contact_log(draft=contact_draft(), actor=user)
    assert not Contact.objects.exists()


def test_an_update_changes_and_audits_only_what_changed(operator, supervisor):
    contact = logged(operator)
    draft = contact_draft(
        issues=["online.cyberbullying", "peers.pressure"], summary="Another placeholder."
    )
    changed = contact_update(contact=contact, draft=draft, actor=supervisor)
    assert set(changed) == {"summary", "issues"}
    contact.refresh_from_db()
    assert contact.summary == "Another placeholder."
    entry = AuditEntry.objects.filter(action="contact.updated").get()
    assert set(entry.fields) == {"summary", "issues"}
    assert entry.actor_id == supervisor.pk
    assert contact_update(contact=contact, draft=draft, actor=supervisor) == []
    assert AuditEntry.objects.filter(action="contact.updated").count() == 1


def test_withdrawing_the_promise_drops_the_number_and_the_waiting_call_back(operator):
    contact = logged(operator, actions=["callback"], caller_phone=PHONE)
    contact_update(contact=contact, draft=contact_draft(), actor=operator)
    contact.refresh_from_db()
    assert contact.caller_phone == ""
    assert not CallBack.objects.filter(contact=contact).exists()


def test_a_call_back_completes_the_waiting_one_then_adds_attempts(operator, supervisor):
    contact = logged(operator, actions=["callback"], caller_phone=PHONE)
    first = callback_record(contact=contact, outcome="no_answer", actor=supervisor)
    assert CallBack.objects.filter(contact=contact).count() == 1
    assert first.made_by == supervisor and first.made_at is not None
    second = callback_record(
        contact=contact, outcome="reached", note="Placeholder note.", actor=operator
    )
    assert second.pk != first.pk
    assert CallBack.objects.get(pk=second.pk).note == "Placeholder note."
    entry = AuditEntry.objects.filter(action="callback.recorded").latest("id")
    assert "note" in entry.fields and "Placeholder" not in str(entry.fields)


def test_a_call_back_needs_a_known_outcome(operator):
    contact = logged(operator, actions=["callback"], caller_phone=PHONE)
    with pytest.raises(ContactInvalid):
        callback_record(contact=contact, outcome="maybe", actor=operator)
    assert CallBack.objects.get(contact=contact).pending
