"""The procedure's writes: each checks its dates against the referral and the plan, is
audited by field name, lands on the case's timeline without any text, and is refused to
anyone but the unit's officers."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from isigurt.accounts.api_tokens import api_token_issue
from isigurt.accounts.models import OrganisationType
from isigurt.accounts.tests.personas import organisation_for
from isigurt.audit.tests.helpers import entries_since, last_entry_id
from isigurt.cases.models import CaseEvent, CaseEventKind
from isigurt.referrals.models import (
    GroupMeeting,
    Handoff,
    MeasureStatus,
    PlanReview,
    PlanStatus,
    ProtectionPlan,
)
from isigurt.referrals.procedure import (
    ProcedureInvalid,
    group_meeting_record,
    handoff_record,
    plan_measure_add,
    plan_measure_status_set,
    plan_review_record,
    protection_plan_save,
    referral_worker_assign,
)
from isigurt.referrals.procedure_selectors import review_overdue
from isigurt.referrals.procedure_validation import (
    HandoffDraft,
    MeasureDraft,
    MeetingDraft,
    PlanDraft,
    ReviewDraft,
    WorkerDraft,
)
from isigurt.referrals.tests.procedure_factories import (
    days_ago,
    durres_unit,
    measure_for,
    plan_for,
    referral_to,
    tirana_unit,
    unit_colleague,
)

pytestmark = pytest.mark.django_db

CANARY = "Canary-7f3a decisions text"


@pytest.fixture
def cpu_referral(operator, municipality_officer):
    return referral_to(tirana_unit(), sent_by=operator)


def meeting(**values):
    data = {"held_on": days_ago(3), "sectors": ["social", "education"], **values}
    draft, errors = MeetingDraft.check(data)
    assert not errors, errors
    return draft


def procedure_events(referral):
    return list(
        CaseEvent.objects.filter(case=referral.case, kind=CaseEventKind.REFERRAL_UPDATE).order_by(
            "at", "id"
        )
    )


# --- the worker --------------------------------------------------------------------------


def test_an_officer_of_the_unit_is_assigned_as_the_worker(municipality_officer, cpu_referral):
    worker = unit_colleague(tirana_unit())
    since = last_entry_id()
    assert referral_worker_assign(
        referral=cpu_referral, draft=WorkerDraft(worker=worker.username), actor=municipality_officer
    )
    cpu_referral.refresh_from_db()
    assert cpu_referral.officer == worker
    [entry] = [e for e in entries_since(since) if e.action == "referral.worker_assigned"]
    assert (entry.object_id, entry.fields) == (str(cpu_referral.pk), ["officer"])
    [event] = procedure_events(cpu_referral)
    assert event.data == {"procedure": "worker_assigned", "referral": str(cpu_referral.pk)}
    assert not referral_worker_assign(  # the same worker again changes nothing
        referral=cpu_referral, draft=WorkerDraft(worker=worker.username), actor=municipality_officer
    )
    assert len(procedure_events(cpu_referral)) == 1


def test_the_worker_must_be_an_officer_of_the_unit(
    municipality_officer, outsider, operator, cpu_referral
):
    token = api_token_issue(organisation=tirana_unit(), label="Case system", actor=None).token
    inactive = unit_colleague(tirana_unit())
    inactive.is_active = False
    inactive.save()
    for username in (outsider.username, operator.username, token.user.username, inactive.username):
        with pytest.raises(ProcedureInvalid) as refused:
            referral_worker_assign(
                referral=cpu_referral,
                draft=WorkerDraft(worker=username),
                actor=municipality_officer,
            )
        assert "worker" in refused.value.errors
    cpu_referral.refresh_from_db()
    assert cpu_referral.officer is None


# --- meetings ------------------------------------------------------------------------------


def test_a_meeting_is_recorded_encrypted_audited_and_on_the_timeline_without_its_text(
    municipality_officer, cpu_referral
):
    since = last_entry_id()
    recorded = group_meeting_record(
        referral=cpu_referral,
        draft=meeting(decisions=CANARY, next_meeting_on=days_ago(-14)),
        actor=municipality_officer,
    )
    assert GroupMeeting.objects.get(pk=recorded.pk).decisions == CANARY
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT decisions FROM referrals_groupmeeting WHERE id = %s",
            [recorded.pk.hex if connection.vendor == "sqlite" else recorded.pk],
        )
        (raw,) = cursor.fetchone()
    assert "Canary" not in str(raw)
    [entry] = [e for e in entries_since(since) if e.action == "groupmeeting.recorded"]
    assert entry.fields == ["held_on", "sectors", "decisions", "next_meeting_on"]
    assert CANARY not in str([e.fields for e in entries_since(since)])
    [event] = procedure_events(cpu_referral)
    assert event.data["procedure"] == "meeting"
    assert event.data["held_on"] == days_ago(3).isoformat()
    assert event.data["sectors"] == ["social", "education"]
    assert event.text == ""
    assert "Canary" not in str(event.data)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"held_on": days_ago(-1)}, "held_on"),  # in the future
        ({"sectors": []}, "sectors"),
        ({"sectors": ["astrology"]}, "sectors"),
        ({"next_meeting_on": days_ago(3)}, "next_meeting_on"),  # not after the meeting
        ({"next_meeting_on": days_ago(-3 * 366)}, "next_meeting_on"),  # years ahead
        ({"decisions": "a\x00b"}, "decisions"),
        ({"decisions": "x" * 5001}, "decisions"),
    ],
)
def test_a_meeting_draft_refuses_what_cannot_be(values, field):
    data = {"held_on": days_ago(3), "sectors": ["social"], **values}
    draft, errors = MeetingDraft.check(data)
    assert draft is None
    assert field in errors and errors[field][0]


def test_a_meeting_before_the_referral_arrived_is_refused(municipality_officer, cpu_referral):
    with pytest.raises(ProcedureInvalid) as refused:
        group_meeting_record(
            referral=cpu_referral, draft=meeting(held_on=days_ago(60)), actor=municipality_officer
        )
    assert "before the referral was received" in refused.value.errors["held_on"][0]
    assert not GroupMeeting.objects.exists()
    assert procedure_events(cpu_referral) == []


# --- the plan, its measures and reviews ----------------------------------------------------


def test_the_plan_is_recorded_then_updated_field_by_field(municipality_officer, cpu_referral):
    draft = PlanDraft(
        approved_on=days_ago(10), goals="Placeholder goals.", next_review_on=days_ago(-80)
    )
    since = last_entry_id()
    plan, written = protection_plan_save(
        referral=cpu_referral, draft=draft, actor=municipality_officer
    )
    assert written == ["approved_on", "goals", "status", "next_review_on"]
    assert plan.status == PlanStatus.ACTIVE
    updated = PlanDraft(
        approved_on=days_ago(10), goals="Placeholder goals.", next_review_on=days_ago(-30)
    )
    plan, changed = protection_plan_save(
        referral=cpu_referral, draft=updated, actor=municipality_officer
    )
    assert changed == ["next_review_on"]
    assert ProtectionPlan.objects.count() == 1
    actions = [(e.action, e.fields) for e in entries_since(since)]
    assert ("protectionplan.updated", ["next_review_on"]) in actions
    kinds = [event.data["procedure"] for event in procedure_events(cpu_referral)]
    assert kinds == ["plan_approved", "plan_updated"]
    assert (
        protection_plan_save(referral=cpu_referral, draft=updated, actor=municipality_officer)[1]
        == []
    )


def test_a_plan_in_force_needs_a_review_date_after_its_approval():
    _draft, errors = PlanDraft.check({"approved_on": days_ago(5)})
    assert "next_review_on" in errors
    _draft, errors = PlanDraft.check({"approved_on": days_ago(5), "next_review_on": days_ago(5)})
    assert "after it is approved" in errors["next_review_on"][0]
    _draft, errors = PlanDraft.check({"approved_on": days_ago(-1), "next_review_on": days_ago(-9)})
    assert "approved_on" in errors
    closed, errors = PlanDraft.check({"approved_on": days_ago(5), "status": "closed"})
    assert closed is not None and not errors


def test_a_plan_approved_after_its_first_review_is_refused(municipality_officer, cpu_referral):
    plan = plan_for(cpu_referral, municipality_officer, approved_on=days_ago(20))
    PlanReview.objects.create(plan=plan, reviewed_on=days_ago(15), recorded_by=municipality_officer)
    later = PlanDraft(approved_on=days_ago(10), next_review_on=days_ago(-30))
    with pytest.raises(ProcedureInvalid) as refused:
        protection_plan_save(referral=cpu_referral, draft=later, actor=municipality_officer)
    assert "approved_on" in refused.value.errors


def test_measures_need_the_plan_and_a_due_date_after_its_approval(
    municipality_officer, cpu_referral
):
    draft = MeasureDraft(sector="education", description="Placeholder measure.")
    with pytest.raises(ProcedureInvalid) as refused:
        plan_measure_add(referral=cpu_referral, draft=draft, actor=municipality_officer)
    assert "body" in refused.value.errors
    plan_for(cpu_referral, municipality_officer, approved_on=days_ago(20))
    early = MeasureDraft(sector="education", description="Placeholder.", due_on=days_ago(25))
    with pytest.raises(ProcedureInvalid) as refused:
        plan_measure_add(referral=cpu_referral, draft=early, actor=municipality_officer)
    assert "due_on" in refused.value.errors
    added = plan_measure_add(referral=cpu_referral, draft=draft, actor=municipality_officer)
    assert added.status == MeasureStatus.PLANNED
    [event] = procedure_events(cpu_referral)
    assert event.data == {
        "procedure": "measure_added",
        "referral": str(cpu_referral.pk),
        "measure": str(added.pk),
        "sector": "education",
        "due_on": None,
    }


def test_a_measure_moves_on_and_the_move_is_audited(municipality_officer, cpu_referral):
    measure = measure_for(plan_for(cpu_referral, municipality_officer))
    since = last_entry_id()
    assert plan_measure_status_set(measure=measure, status="done", actor=municipality_officer)
    assert not plan_measure_status_set(measure=measure, status="done", actor=municipality_officer)
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.DONE
    assert [(e.action, e.fields) for e in entries_since(since)] == [
        ("planmeasure.updated", ["status"])
    ]
    [event] = procedure_events(cpu_referral)
    assert (event.data["from"], event.data["to"]) == ("planned", "done")
    with pytest.raises(ProcedureInvalid):
        plan_measure_status_set(measure=measure, status="forgotten", actor=municipality_officer)


def test_a_review_sets_the_next_review_and_clears_the_overdue_flag(
    municipality_officer, cpu_referral
):
    plan = plan_for(
        cpu_referral, municipality_officer, approved_on=days_ago(25), next_review_on=days_ago(2)
    )
    assert review_overdue(plan)
    review = plan_review_record(
        referral=cpu_referral,
        draft=ReviewDraft(
            reviewed_on=days_ago(1), summary="Placeholder.", next_review_on=days_ago(-90)
        ),
        actor=municipality_officer,
    )
    plan.refresh_from_db()
    assert plan.next_review_on == days_ago(-90)
    assert not review_overdue(plan)
    # A review recorded late, for an earlier day, leaves the latest review's date in place.
    plan_review_record(
        referral=cpu_referral,
        draft=ReviewDraft(reviewed_on=days_ago(5), next_review_on=days_ago(-10)),
        actor=municipality_officer,
    )
    plan.refresh_from_db()
    assert plan.next_review_on == days_ago(-90)
    assert review.summary == "Placeholder."


def test_a_review_before_the_approval_or_without_a_next_date_is_refused(
    municipality_officer, cpu_referral
):
    plan_for(cpu_referral, municipality_officer, approved_on=days_ago(20))
    for draft, field in (
        (ReviewDraft(reviewed_on=days_ago(21), next_review_on=days_ago(-9)), "reviewed_on"),
        (ReviewDraft(reviewed_on=days_ago(1)), "next_review_on"),
    ):
        with pytest.raises(ProcedureInvalid) as refused:
            plan_review_record(referral=cpu_referral, draft=draft, actor=municipality_officer)
        assert field in refused.value.errors
    assert not PlanReview.objects.exists()


def test_a_closed_plan_is_never_overdue(municipality_officer, cpu_referral):
    plan = plan_for(cpu_referral, municipality_officer, next_review_on=days_ago(1))
    assert review_overdue(plan)
    plan.status = PlanStatus.CLOSED
    assert not review_overdue(plan)
    plan.status = PlanStatus.ACTIVE
    plan.next_review_on = days_ago(0)  # due today is not yet overdue
    assert not review_overdue(plan)


# --- hand-offs -----------------------------------------------------------------------------


def test_a_hand_off_names_an_institution_of_its_kind_or_none(municipality_officer, cpu_referral):
    police = organisation_for("Policia", OrganisationType.POLICE)
    court = organisation_for("Gjykata", OrganisationType.COURT)
    wrong = HandoffDraft(to="police", to_organisation=court.pk, on=days_ago(2))
    with pytest.raises(ProcedureInvalid) as refused:
        handoff_record(referral=cpu_referral, draft=wrong, actor=municipality_officer)
    assert "to_organisation" in refused.value.errors
    named = handoff_record(
        referral=cpu_referral,
        draft=HandoffDraft(to="police", to_organisation=police.pk, on=days_ago(2), note=CANARY),
        actor=municipality_officer,
    )
    assert named.to_organisation == police
    unnamed = handoff_record(
        referral=cpu_referral,
        draft=HandoffDraft(to="court", on=days_ago(1)),
        actor=municipality_officer,
    )
    assert unnamed.to_organisation is None
    events = procedure_events(cpu_referral)
    assert [(e.data["to"], e.data["organisation"]) for e in events] == [
        ("police", police.pk),
        ("court", None),
    ]
    assert "Canary" not in str([e.data for e in events])
    with pytest.raises(ProcedureInvalid):
        handoff_record(
            referral=cpu_referral,
            draft=HandoffDraft(to="prosecution", on=days_ago(31)),
            actor=municipality_officer,
        )
    assert Handoff.objects.count() == 2


# --- the second line: the services ask the permissions again -------------------------------


@pytest.mark.parametrize("persona", ["operator", "outsider", "police_officer", "platform_admin"])
def test_nobody_but_the_unit_writes_whatever_the_caller_checked(
    request, persona, cpu_referral, municipality_officer
):
    user = request.getfixturevalue(persona)
    measure = measure_for(plan_for(cpu_referral, municipality_officer))
    before = last_entry_id()
    writes = [
        lambda: referral_worker_assign(
            referral=cpu_referral,
            draft=WorkerDraft(worker=municipality_officer.username),
            actor=user,
        ),
        lambda: group_meeting_record(referral=cpu_referral, draft=meeting(), actor=user),
        lambda: protection_plan_save(
            referral=cpu_referral,
            draft=PlanDraft(approved_on=days_ago(9), next_review_on=days_ago(-9)),
            actor=user,
        ),
        lambda: plan_measure_add(
            referral=cpu_referral, draft=MeasureDraft(sector="health", description="x"), actor=user
        ),
        lambda: plan_measure_status_set(measure=measure, status="done", actor=user),
        lambda: plan_review_record(
            referral=cpu_referral,
            draft=ReviewDraft(reviewed_on=days_ago(1), next_review_on=days_ago(-9)),
            actor=user,
        ),
        lambda: handoff_record(
            referral=cpu_referral, draft=HandoffDraft(to="police", on=days_ago(1)), actor=user
        ),
    ]
    for write in writes:
        with pytest.raises(PermissionDenied):
            write()
    assert entries_since(before) == []
    assert procedure_events(cpu_referral) == []


def test_another_units_referral_is_refused_to_the_unit(municipality_officer, operator):
    durres = referral_to(durres_unit(), sent_by=operator)
    with pytest.raises(PermissionDenied):
        group_meeting_record(referral=durres, draft=meeting(), actor=municipality_officer)
    assert not GroupMeeting.objects.exists()


def test_the_unit_records_on_a_referral_received_today(operator, municipality_officer):
    fresh = referral_to(tirana_unit(), sent_by=operator, days_ago=0)
    recorded = group_meeting_record(
        referral=fresh, draft=meeting(held_on=days_ago(0)), actor=municipality_officer
    )
    assert recorded.held_on == days_ago(0)
    assert recorded.created_at - fresh.sent_at < timedelta(days=1)
