"""Every write to cases: opening, triage, priority, who follows it, status, papers, audit."""

from __future__ import annotations

import re
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from isigurt.accounts.models import Organisation, OrganisationType, Role
from isigurt.accounts.tests.personas import persona
from isigurt.audit.models import AuditEntry
from isigurt.cases import linking, services
from isigurt.cases.models import (
    Case,
    CaseEvent,
    CaseEventKind,
    CaseLink,
    CaseOrigin,
    CaseStatus,
    CaseTask,
    Priority,
)
from isigurt.cases.services import CaseInvalid
from isigurt.cases.tests.factories import case_from_contact, case_from_report, fresh
from isigurt.helpline.tests.factories import logged
from isigurt.reports.models import Report, ReportStatus
from isigurt.reports.services import CODE_ALPHABET, report_message_post
from isigurt.reports.tests.factories import submitted

pytestmark = pytest.mark.django_db

CODE_RE = re.compile(rf"^C[{CODE_ALPHABET}]{{8}}$")


def actions_for(target: Any) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_id=str(target.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


def kinds(case: Case) -> list[str]:
    return list(
        CaseEvent.objects.filter(case=case).order_by("at", "id").values_list("kind", flat=True)
    )


def raw(table: str, column: str, pk: Any) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk.hex])  # noqa: S608
        row = cursor.fetchone()
    return str(row[0]) if row else ""


@pytest.fixture
def indexed(monkeypatch) -> list[Case]:
    """The cases the search index was asked to (re)write."""
    calls: list[Case] = []
    monkeypatch.setattr(linking, "case_index", calls.append)
    return calls


@pytest.fixture
def other_helpline_operator(db) -> Any:
    helpline = Organisation.objects.create(
        name="Another helpline", short_name="Other", kind=OrganisationType.HELPLINE
    )
    return persona("persona.other.operator", Role.HELPLINE_OPERATOR, helpline)


# --- opening -------------------------------------------------------------------------------


def test_a_case_from_a_report_copies_its_facts_and_is_triaged_at_once(operator, indexed):
    report = submitted(
        category="grooming",
        child_in_danger=True,
        age_band="13_15",
        gender="female",
        county_code="AL-11",
        municipality_slug="tirane",
    ).report
    opening = services.case_open_from_report(report=report, actor=operator)
    case = fresh(opening.case)
    assert opening.created
    assert CODE_RE.match(case.code)
    assert (case.category, case.child_in_danger, case.age_band, case.gender) == (
        "grooming",
        True,
        "13_15",
        "female",
    )
    assert case.county.code == "AL-11" and case.municipality.slug == "tirane"
    assert case.organisation_id == operator.organisation_id and case.opened_by == operator
    assert case.status == CaseStatus.NEW and case.owner is None
    assert case.priority == Priority.CRITICAL
    assert case.priority_reasons == ["danger_now", "grooming"]
    assert case.first_response_due == report.created_at + timedelta(minutes=15)
    assert case.referral_due == report.created_at + timedelta(hours=1)
    assert case.first_response_at is None
    assert kinds(case) == [CaseEventKind.OPENED]
    assert indexed == [opening.case]
    entry = AuditEntry.objects.get(action="case.opened", object_id=str(case.pk))
    assert {"category", "child_in_danger", "priority", "origins"} <= set(entry.fields)


def test_the_reporter_sees_the_report_being_looked_at_and_the_danger_is_acknowledged(operator):
    report = submitted(child_in_danger=True).report
    case_from = services.case_open_from_report(report=report, actor=operator)
    report.refresh_from_db()
    assert report.status == ReportStatus.IN_REVIEW
    assert report.danger_acknowledged_by == operator
    assert "report.status_changed" in actions_for(report)
    assert case_from.case.pk


def test_opening_twice_returns_the_same_case(operator, supervisor):
    report = submitted().report
    first = services.case_open_from_report(report=report, actor=operator)
    again = services.case_open_from_report(report=report, actor=supervisor)
    assert not again.created and again.case.pk == first.case.pk
    assert Case.objects.count() == 1 and CaseEvent.objects.count() == 1
    contact = logged(operator)
    one = services.case_open_from_contact(contact=contact, actor=operator)
    two = services.case_open_from_contact(contact=contact, actor=operator)
    assert (two.created, two.case.pk) == (False, one.case.pk)
    assert CaseOrigin.objects.count() == 2


def test_case_numbers_are_unique(operator):
    codes = {case_from_contact(operator).code for _ in range(12)}
    assert len(codes) == 12 and all(CODE_RE.match(code) for code in codes)


def test_an_answer_already_given_counts_as_the_first_response(operator):
    report = submitted().report
    answer = report_message_post(report=report, body="Placeholder answer.", actor=operator)
    case = services.case_open_from_report(report=report, actor=operator).case
    assert case.first_response_at == answer.created_at


def test_a_case_from_a_contact_takes_its_most_serious_topic_and_the_contact_was_the_answer(
    operator,
):
    contact = logged(
        operator,
        issues=["peers.friendship", "online.cyberbullying", "online.sextortion"],
        age_band="16_17",
        county_code="AL-02",
    )
    case = fresh(services.case_open_from_contact(contact=contact, actor=operator).case)
    assert case.category == "sextortion"
    assert case.priority == Priority.HIGH and case.priority_reasons == ["sextortion"]
    assert case.first_response_at == contact.ended_at
    assert case.first_response_due == contact.started_at + timedelta(hours=1)
    assert case.county.code == "AL-02"
    contact.refresh_from_db()
    assert contact.actions[-1] == "case_opened"
    assert "contact.updated" in actions_for(contact)


@pytest.mark.parametrize(
    ("issues", "category", "priority"),
    [
        (["online.cyberbullying"], "bullying", Priority.NORMAL),
        (["online.hate", "online.grooming"], "grooming", Priority.HIGH),
        (["mental_health.suicidal"], "other", Priority.CRITICAL),
        (["other.information"], "other", Priority.LOW),
    ],
)
def test_contact_topics_give_the_category_and_priority(operator, issues, category, priority):
    case = case_from_contact(operator, issues=issues)
    assert (case.category, case.priority) == (category, priority)


def test_only_the_helpline_opens_cases(analyst, police_officer, operator):
    report = submitted().report
    contact = logged(operator)
    for actor in (analyst, police_officer):
        with pytest.raises(PermissionDenied):
            services.case_open_from_report(report=report, actor=actor)
        with pytest.raises(PermissionDenied):
            services.case_open_from_contact(contact=contact, actor=actor)
    assert not Case.objects.exists()


def test_another_helplines_contact_or_case_stays_theirs(operator, other_helpline_operator):
    contact = logged(operator)
    with pytest.raises(PermissionDenied):
        services.case_open_from_contact(contact=contact, actor=other_helpline_operator)
    report = submitted().report
    services.case_open_from_report(report=report, actor=operator)
    with pytest.raises(PermissionDenied):  # the report's case belongs to another helpline
        services.case_open_from_report(report=report, actor=other_helpline_operator)


def test_a_case_sharing_something_with_another_is_a_repeat_offender(operator):
    first = case_from_contact(operator)
    second = case_from_contact(operator)
    low, high = sorted([first, second], key=lambda case: case.pk)
    CaseLink.objects.create(first=low, second=high, shared=["username"])
    services.case_triage(case=second, actor=operator)
    assert "repeat_offender" in fresh(second).priority_reasons
    assert fresh(second).priority == Priority.HIGH


# --- triage and priority -------------------------------------------------------------------


def test_confirming_the_triage_moves_the_case_on_and_a_reason_raises_it(operator):
    case = case_from_contact(operator, issues=["online.cyberbullying"])
    assert (case.priority, case.status) == (Priority.NORMAL, CaseStatus.NEW)
    services.case_triage(case=case, actor=operator, reasons=["sextortion_deadline"])
    case = fresh(case)
    assert case.status == CaseStatus.TRIAGED and case.triaged_at is not None
    assert case.priority == Priority.CRITICAL
    assert case.priority_reasons == ["sextortion_deadline"]
    contact_start = case.origins.get().contact.started_at
    assert case.first_response_due == contact_start + timedelta(minutes=15)
    assert kinds(case) == ["opened", "triaged", "status_changed"]
    assert {"case.triaged", "case.status_changed"} <= set(actions_for(case))


def test_triage_never_lowers_a_priority_and_a_supervisors_decision_stands(operator, supervisor):
    case = case_from_report(operator, child_in_danger=True)
    services.case_priority_change(
        case=case, actor=supervisor, priority=Priority.NORMAL, reason="Placeholder: checked."
    )
    services.case_triage(case=case, actor=operator)  # the danger is known: no raise
    assert fresh(case).priority == Priority.NORMAL
    services.case_triage(case=case, actor=operator, reasons=["operator"])  # a new reason
    assert fresh(case).priority == Priority.HIGH


def test_only_known_reasons_may_be_ticked_and_a_closed_case_is_not_triaged(operator):
    case = case_from_contact(operator)
    with pytest.raises(CaseInvalid):
        services.case_triage(case=case, actor=operator, reasons=["under_13"])  # a fact, not ticked
    services.case_close(case=case, actor=operator, outcome="supported")
    with pytest.raises(CaseInvalid):
        services.case_triage(case=case, actor=operator)


def test_a_supervisor_changes_the_priority_with_a_reason_kept_encrypted(operator, supervisor):
    case = case_from_contact(operator)
    services.case_priority_change(
        case=case, actor=supervisor, priority=Priority.CRITICAL, reason="Placeholder reason."
    )
    case = fresh(case)
    assert case.priority == Priority.CRITICAL
    event = CaseEvent.objects.get(case=case, kind=CaseEventKind.PRIORITY_CHANGED)
    assert event.data == {"from": Priority.NORMAL, "to": Priority.CRITICAL}
    assert event.text == "Placeholder reason." and event.actor == supervisor
    assert "Placeholder" not in raw("cases_caseevent", "text", event.pk)
    entry = AuditEntry.objects.get(action="case.priority_changed")
    assert entry.fields == ["priority", "first_response_due", "referral_due"]


def test_an_operator_may_not_change_the_priority(operator):
    case = case_from_contact(operator)
    with pytest.raises(PermissionDenied):
        services.case_priority_change(
            case=case, actor=operator, priority=Priority.CRITICAL, reason="Placeholder."
        )
    assert fresh(case).priority == Priority.NORMAL
    assert not CaseEvent.objects.filter(kind=CaseEventKind.PRIORITY_CHANGED).exists()
    assert "case.priority_changed" not in actions_for(case)


@pytest.mark.parametrize(
    ("priority", "reason"), [(1, ""), (1, "   "), (9, "Placeholder."), (3, "x")]
)
def test_a_priority_change_needs_a_reason_a_known_priority_and_a_change(
    operator, supervisor, priority, reason
):
    case = case_from_contact(operator)  # normal (3)
    with pytest.raises(CaseInvalid):
        services.case_priority_change(case=case, actor=supervisor, priority=priority, reason=reason)


# --- who follows the case ------------------------------------------------------------------


def test_an_operator_takes_a_case_nobody_follows_once(operator, supervisor):
    case = case_from_contact(operator)
    assert services.case_take(case=case, actor=operator)
    assert not services.case_take(case=case, actor=supervisor)
    assert fresh(case).owner == operator
    assert kinds(case).count("assigned") == 1 and "case.taken" in actions_for(case)


def test_a_supervisor_assigns_to_the_helpline_only(
    operator, supervisor, analyst, other_helpline_operator
):
    case = case_from_contact(operator)
    with pytest.raises(PermissionDenied):
        services.case_assign(case=case, actor=operator, owner=supervisor)
    for wrong in (analyst, other_helpline_operator):
        with pytest.raises(CaseInvalid):
            services.case_assign(case=case, actor=supervisor, owner=wrong)
    assert services.case_assign(case=case, actor=supervisor, owner=operator)
    assert not services.case_assign(case=case, actor=supervisor, owner=operator)
    assert services.case_assign(case=case, actor=supervisor, owner=supervisor)
    assert fresh(case).owner == supervisor
    event = CaseEvent.objects.filter(kind="assigned").latest("at")
    assert event.data == {"from": operator.pk, "to": supervisor.pk}


def test_a_handover_is_the_owners_or_a_supervisors_with_a_note(operator, supervisor):
    second = persona("persona.operator.two", Role.HELPLINE_OPERATOR, operator.organisation)
    case = case_from_contact(operator)
    with pytest.raises(PermissionDenied):  # nobody follows it: not the operator's to hand over
        services.case_handover(case=case, actor=operator, to=second, note="Placeholder.")
    services.case_take(case=case, actor=operator)
    with pytest.raises(PermissionDenied):  # another operator, not the owner
        services.case_handover(case=fresh(case), actor=second, to=second, note="Placeholder.")
    with pytest.raises(CaseInvalid):
        services.case_handover(case=fresh(case), actor=operator, to=second, note=" ")
    with pytest.raises(CaseInvalid):
        services.case_handover(case=fresh(case), actor=operator, to=operator, note="Placeholder.")
    services.case_handover(case=fresh(case), actor=operator, to=second, note="Placeholder note.")
    services.case_handover(case=fresh(case), actor=supervisor, to=operator, note="Back again.")
    case = fresh(case)
    assert case.owner == operator
    notes = list(CaseEvent.objects.filter(case=case, kind="handed_over").order_by("at"))
    assert [event.text for event in notes] == ["Placeholder note.", "Back again."]
    assert actions_for(case).count("case.handed_over") == 2


# --- status ---------------------------------------------------------------------------------


def test_a_new_case_moves_on_only_after_triage(operator):
    case = case_from_contact(operator)
    with pytest.raises(CaseInvalid):
        services.case_status_change(case=case, actor=operator, status=CaseStatus.IN_PROGRESS)
    services.case_triage(case=case, actor=operator)
    services.case_status_change(case=case, actor=operator, status=CaseStatus.IN_PROGRESS)
    assert fresh(case).status == CaseStatus.IN_PROGRESS
    for status in (CaseStatus.NEW, CaseStatus.CLOSED, "nonsense", CaseStatus.IN_PROGRESS):
        with pytest.raises(CaseInvalid):
            services.case_status_change(case=fresh(case), actor=operator, status=status)


def test_the_reporter_follows_the_case_through_the_report(operator):
    report = submitted().report
    case = services.case_open_from_report(report=report, actor=operator).case
    services.case_triage(case=case, actor=operator)
    services.case_status_change(case=case, actor=operator, status=CaseStatus.REFERRED)
    assert Report.objects.get(pk=report.pk).status == ReportStatus.ACTION_TAKEN
    services.case_close(case=fresh(case), actor=operator, outcome="content_removed", note="Done.")
    assert Report.objects.get(pk=report.pk).status == ReportStatus.CLOSED
    closed = fresh(case)
    assert (closed.status, closed.outcome) == (CaseStatus.CLOSED, "content_removed")
    services.case_reopen(case=closed, actor=operator, note="Placeholder: new information.")
    assert fresh(case).status == CaseStatus.IN_PROGRESS and fresh(case).outcome == ""
    assert Report.objects.get(pk=report.pk).status == ReportStatus.IN_REVIEW
    assert kinds(case)[-2:] == ["closed", "reopened"]


def test_closing_needs_an_outcome_and_reopening_a_reason(operator):
    case = case_from_contact(operator)
    for outcome in ("", "merged", "nonsense"):
        with pytest.raises(CaseInvalid):
            services.case_close(case=case, actor=operator, outcome=outcome)
    services.case_close(case=case, actor=operator, outcome="not_confirmed")
    with pytest.raises(CaseInvalid):
        services.case_close(case=fresh(case), actor=operator, outcome="supported")
    with pytest.raises(CaseInvalid):
        services.case_reopen(case=fresh(case), actor=operator, note="")
    services.case_reopen(case=fresh(case), actor=operator, note="Placeholder.")
    assert fresh(case).status == CaseStatus.NEW  # never triaged
    with pytest.raises(CaseInvalid):
        services.case_reopen(case=fresh(case), actor=operator, note="Placeholder.")


# --- notes, tasks, summary -----------------------------------------------------------------


def test_a_note_is_encrypted_and_audited_by_name(operator):
    case = case_from_contact(operator)
    event = services.case_note_add(case=case, actor=operator, text="Placeholder note text.")
    assert event.kind == CaseEventKind.NOTE and event.text == "Placeholder note text."
    assert "Placeholder" not in raw("cases_caseevent", "text", event.pk)
    entry = AuditEntry.objects.get(action="case.note_added")
    assert entry.fields == ["notes"]
    with pytest.raises(CaseInvalid):
        services.case_note_add(case=case, actor=operator, text="  ")
    with pytest.raises(CaseInvalid):
        services.case_note_add(case=case, actor=operator, text="bad \x00 text")


def test_tasks_have_a_due_time_a_person_and_are_done_once(operator, supervisor, analyst):
    case = case_from_contact(operator)
    due = timezone.now() + timedelta(days=1)
    with pytest.raises(CaseInvalid):
        services.case_task_add(case=case, actor=operator, title="Placeholder.", assignee=analyst)
    task = services.case_task_add(
        case=case, actor=operator, title="Placeholder task.", due_at=due, assignee=supervisor
    )
    assert (task.due_at, task.assignee, task.created_by) == (due, supervisor, operator)
    assert "Placeholder" not in raw("cases_casetask", "title", task.pk)
    assert services.case_task_done(task=task, actor=supervisor)
    assert not services.case_task_done(task=task, actor=operator)
    task = CaseTask.objects.get(pk=task.pk)
    assert task.done_by == supervisor and task.done_at is not None
    assert kinds(case)[-2:] == ["task_added", "task_done"]
    assert [e for e in actions_for(task)] == ["case.task_added", "case.task_done"]


def test_the_summary_is_encrypted_indexed_and_audited_when_it_changes(operator, indexed):
    case = case_from_contact(operator)
    indexed.clear()
    assert services.case_summary_update(case=case, actor=operator, summary="Placeholder summary.")
    assert not services.case_summary_update(
        case=case, actor=operator, summary="Placeholder summary."
    )
    assert fresh(case).summary == "Placeholder summary."
    assert "Placeholder" not in raw("cases_case", "summary", case.pk)
    assert indexed == [case]
    assert actions_for(case).count("case.updated") == 1


def test_nobody_outside_the_helpline_changes_a_case(operator, police_officer, analyst):
    case = case_from_contact(operator)
    task = services.case_task_add(case=case, actor=operator, title="Placeholder.")
    before = (CaseEvent.objects.count(), AuditEntry.objects.count())
    for actor in (police_officer, analyst):
        changes = (
            partial(services.case_triage, case=case, actor=actor),
            partial(services.case_take, case=case, actor=actor),
            partial(services.case_note_add, case=case, actor=actor, text="Placeholder."),
            partial(services.case_task_done, task=task, actor=actor),
            partial(services.case_close, case=case, actor=actor, outcome="supported"),
            partial(services.case_summary_update, case=case, actor=actor, summary="x"),
        )
        for change in changes:
            with pytest.raises(PermissionDenied):
                change()
    assert (CaseEvent.objects.count(), AuditEntry.objects.count()) == before


def test_audit_entries_hold_field_names_never_values(operator, supervisor):
    case = case_from_contact(operator, summary="Placeholder contact summary.")
    services.case_summary_update(case=case, actor=operator, summary="Secret placeholder words.")
    services.case_note_add(case=case, actor=operator, text="Secret placeholder words.")
    services.case_priority_change(
        case=case, actor=supervisor, priority=1, reason="Secret placeholder words."
    )
    for entry in AuditEntry.objects.filter(object_id=str(case.pk)):
        assert all(re.fullmatch(r"[a-z_]+", name) for name in entry.fields), entry.fields


# --- what reports tell cases ---------------------------------------------------------------


def test_the_first_answer_to_the_reporter_is_the_cases_first_response_once(operator, supervisor):
    report = submitted().report
    case = services.case_open_from_report(report=report, actor=operator).case
    first = report_message_post(report=report, body="Placeholder answer.", actor=operator)
    report_message_post(report=report, body="Another placeholder.", actor=supervisor)
    case = fresh(case)
    assert case.first_response_at == first.created_at
    events = CaseEvent.objects.filter(case=case, kind=CaseEventKind.FIRST_RESPONSE)
    assert events.count() == 1 and events.get().actor == operator
    assert actions_for(case).count("case.first_response") == 1


def test_an_answer_to_a_report_without_a_case_changes_no_case(operator):
    report = submitted().report
    report_message_post(report=report, body="Placeholder answer.", actor=operator)
    assert not CaseEvent.objects.exists()
