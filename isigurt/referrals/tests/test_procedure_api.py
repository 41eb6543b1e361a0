"""The procedure in the JSON API with a staff session: the same records, drafts and access as
the page, errors in the API's one shape."""

import pytest

from isigurt.audit.tests.helpers import entries_since, last_entry_id
from isigurt.referrals.models import GroupMeeting, MeasureStatus, PlanMeasure, ProtectionPlan
from isigurt.referrals.procedure_validation import MEETING_EXAMPLE
from isigurt.referrals.tests.procedure_factories import (
    days_ago,
    measure_for,
    plan_for,
    police,
    referral_to,
    tirana_unit,
    unit_colleague,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def cpu_referral(operator, municipality_officer):
    return referral_to(tirana_unit(), sent_by=operator)


def base(referral):
    return f"/api/v1/referrals/{referral.pk}/procedure"


def test_the_unit_reads_its_record_in_full(staff_client, municipality_officer, cpu_referral):
    plan = plan_for(cpu_referral, municipality_officer, goals="Placeholder goals.")
    measure_for(plan, due_on=days_ago(1))
    since = last_entry_id()
    response = staff_client(municipality_officer).get(base(cpu_referral))
    assert response.status_code == 200
    body = response.json()
    assert body["reading"] == "full" and body["changeable"] is True
    assert body["plan"]["goals"] == "Placeholder goals."
    assert body["plan"]["measures"][0]["overdue"] is True
    assert "no-store" in response["Cache-Control"]
    [read] = entries_since(since)
    assert (read.action, read.actor_id) == ("referral.procedure_read", municipality_officer.pk)


def test_the_helpline_reads_the_summary_with_nulls_for_text(
    staff_client, operator, municipality_officer, cpu_referral
):
    plan_for(cpu_referral, municipality_officer, goals="Secret-ish goals")
    GroupMeeting.objects.create(
        referral=cpu_referral,
        held_on=days_ago(2),
        sectors=["health"],
        decisions="Secret-ish decisions",
        recorded_by=municipality_officer,
    )
    response = staff_client(operator).get(base(cpu_referral))
    assert response.status_code == 200
    body = response.json()
    assert body["reading"] == "summary" and body["changeable"] is False
    assert body["plan"]["goals"] is None
    assert body["meetings"][0]["decisions"] is None
    assert body["meetings"][0]["sectors"] == ["health"]
    assert "Secret-ish" not in response.content.decode()
    refused = staff_client(operator).post(
        f"{base(cpu_referral)}/meetings", MEETING_EXAMPLE, content_type="application/json"
    )
    assert refused.status_code == 403 and refused.json()["detail"]


def test_the_unit_records_through_the_api(staff_client, municipality_officer, cpu_referral):
    client = staff_client(municipality_officer)
    worker = unit_colleague(tirana_unit(), "pmf.api")
    answer = client.put(
        f"{base(cpu_referral)}/worker", {"worker": worker.username}, content_type="application/json"
    )
    assert answer.status_code == 200 and answer.json()["username"] == "pmf.api"
    meeting = {**MEETING_EXAMPLE, "held_on": days_ago(2).isoformat(), "next_meeting_on": None}
    answer = client.post(f"{base(cpu_referral)}/meetings", meeting, content_type="application/json")
    assert answer.status_code == 201, answer.content
    assert answer.json()["decisions"] == MEETING_EXAMPLE["decisions"]
    plan = {"approved_on": days_ago(5).isoformat(), "next_review_on": days_ago(-30).isoformat()}
    answer = client.put(f"{base(cpu_referral)}/plan", plan, content_type="application/json")
    assert answer.status_code == 201
    answer = client.put(
        f"{base(cpu_referral)}/plan",
        {**plan, "goals": "Placeholder goals."},
        content_type="application/json",
    )
    assert answer.status_code == 200 and answer.json()["goals"] == "Placeholder goals."
    assert ProtectionPlan.objects.count() == 1
    answer = client.post(
        f"{base(cpu_referral)}/plan/measures",
        {"sector": "health", "description": "Placeholder measure."},
        content_type="application/json",
    )
    assert answer.status_code == 201
    measure_id = answer.json()["id"]
    answer = client.patch(
        f"{base(cpu_referral)}/plan/measures/{measure_id}",
        {"status": "done"},
        content_type="application/json",
    )
    assert answer.status_code == 200 and answer.json()["status"] == "done"
    assert PlanMeasure.objects.get().status == MeasureStatus.DONE
    answer = client.post(
        f"{base(cpu_referral)}/plan/reviews",
        {"reviewed_on": days_ago(1).isoformat(), "next_review_on": days_ago(-60).isoformat()},
        content_type="application/json",
    )
    assert answer.status_code == 201
    answer = client.post(
        f"{base(cpu_referral)}/handoffs",
        {"to": "police", "to_organisation": police().pk, "on": days_ago(1).isoformat()},
        content_type="application/json",
    )
    assert answer.status_code == 201 and answer.json()["to_organisation"] == police().pk


def test_bad_answers_are_422_in_the_one_error_shape(
    staff_client, municipality_officer, cpu_referral
):
    client = staff_client(municipality_officer)
    answer = client.post(
        f"{base(cpu_referral)}/meetings",
        {"held_on": days_ago(-2).isoformat(), "sectors": []},
        content_type="application/json",
    )
    assert answer.status_code == 422
    fields = {error["field"] for error in answer.json()["errors"]}
    assert {"held_on", "sectors"} <= fields
    answer = client.post(
        f"{base(cpu_referral)}/meetings",
        {"held_on": days_ago(90).isoformat(), "sectors": ["health"]},
        content_type="application/json",
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "held_on"
    answer = client.post(
        f"{base(cpu_referral)}/plan/measures",
        {"sector": "health", "description": "x"},
        content_type="application/json",
    )
    assert answer.status_code == 422  # no plan yet
    assert not GroupMeeting.objects.exists()


def test_another_referrals_measure_is_404(
    staff_client, operator, municipality_officer, cpu_referral
):
    measure = measure_for(plan_for(cpu_referral, municipality_officer))
    other = referral_to(tirana_unit(), sent_by=operator)
    answer = staff_client(municipality_officer).patch(
        f"{base(other)}/plan/measures/{measure.pk}",
        {"status": "done"},
        content_type="application/json",
    )
    assert answer.status_code == 404 and answer.json()["detail"]


@pytest.mark.parametrize("persona", ["outsider", "police_officer", "platform_admin"])
def test_others_get_404_and_the_anonymous_401(request, client, staff_client, persona, cpu_referral):
    user = request.getfixturevalue(persona)
    assert staff_client(user).get(base(cpu_referral)).status_code == 404
    anonymous = client.get(base(cpu_referral))
    assert anonymous.status_code == 401 and anonymous.json()["detail"]


def test_a_session_post_without_the_csrf_token_is_still_refused(municipality_officer, cpu_referral):
    from django.test import Client

    from isigurt.accounts.tests.personas import make_staff_client

    session = make_staff_client(municipality_officer)
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = session.cookies
    answer = strict.post(
        f"{base(cpu_referral)}/meetings",
        {"held_on": days_ago(1).isoformat(), "sectors": ["health"]},
        content_type="application/json",
    )
    assert answer.status_code == 403
    assert not GroupMeeting.objects.exists()


def test_a_referral_to_the_police_has_no_procedure_in_the_api(staff_client, operator):
    assert (
        staff_client(operator).get(base(referral_to(police(), sent_by=operator))).status_code == 404
    )


def test_a_measure_changed_through_the_api_is_read_back_audited(
    staff_client, municipality_officer, cpu_referral
):
    measure = measure_for(plan_for(cpu_referral, municipality_officer), responsible="Placeholder")
    since = last_entry_id()
    answer = staff_client(municipality_officer).patch(
        f"{base(cpu_referral)}/plan/measures/{measure.pk}",
        {"status": "under_way"},
        content_type="application/json",
    )
    assert answer.status_code == 200 and answer.json()["responsible"] == "Placeholder"
    actions = [(e.action, e.object_id) for e in entries_since(since)]
    assert actions == [
        ("planmeasure.updated", str(measure.pk)),
        ("planmeasure.read", str(measure.pk)),
    ]
