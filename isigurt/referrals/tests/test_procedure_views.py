"""The procedure page: the unit records with plain forms (no script needed), a form that needs
another look comes back with every answer and a linked list of what to fix, the helpline reads
a summary without the unit's text, and everyone else gets 404."""

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from isigurt.audit.tests.helpers import entries_since, last_entry_id
from isigurt.referrals.models import GroupMeeting, Handoff, MeasureStatus, PlanMeasure, PlanReview
from isigurt.referrals.tests.procedure_factories import (
    days_ago,
    durres_unit,
    measure_for,
    plan_for,
    police,
    referral_to,
    tirana_unit,
    unit_colleague,
)

pytestmark = pytest.mark.django_db

DECISIONS = "Placeholder decisions: the school meets the family."


@pytest.fixture
def cpu_referral(operator, municipality_officer):
    return referral_to(tirana_unit(), sent_by=operator)


def page_url(referral):
    return reverse("referrals:procedure", kwargs={"referral_id": referral.pk})


def url(name, referral, **kwargs):
    return reverse(f"referrals:{name}", kwargs={"referral_id": referral.pk, **kwargs})


def test_the_unit_records_a_meeting_and_reads_it_back(
    staff_client, municipality_officer, cpu_referral
):
    client = staff_client(municipality_officer)
    page = client.get(page_url(cpu_referral))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="meeting-form"' in html and 'id="worker-form"' in html
    assert 'type="date"' in html and f'max="{days_ago(0).isoformat()}"' in html
    response = client.post(
        url("procedure_meeting", cpu_referral),
        {
            "meeting-held_on": days_ago(2).isoformat(),
            "meeting-sectors": ["social", "education", "police"],
            "meeting-decisions": DECISIONS,
            "meeting-next_meeting_on": days_ago(-12).isoformat(),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == page_url(cpu_referral) + "#meetings"
    html = client.get(page_url(cpu_referral)).content.decode()
    assert DECISIONS in html
    assert "Social services, Education, Police" in html
    assert "Meeting recorded." in html


def test_a_meeting_that_needs_another_look_keeps_every_answer(
    staff_client, municipality_officer, cpu_referral
):
    client = staff_client(municipality_officer)
    response = client.post(
        url("procedure_meeting", cpu_referral),
        {
            "meeting-held_on": days_ago(-3).isoformat(),  # in the future
            "meeting-sectors": ["health"],
            "meeting-decisions": DECISIONS,
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="error-summary"' in html
    assert 'href="#id_meeting-held_on"' in html
    assert "This date is in the future" in html
    assert DECISIONS in html  # kept in the textarea
    assert 'value="health" id="id_meeting-sectors_3" checked' in html
    assert '<details class="record-form" open id="meeting-form-box">' in html
    assert not GroupMeeting.objects.exists()


def test_a_meeting_before_the_referral_arrived_is_shown_on_its_field(
    staff_client, municipality_officer, cpu_referral
):
    response = staff_client(municipality_officer).post(
        url("procedure_meeting", cpu_referral),
        {"meeting-held_on": days_ago(90).isoformat(), "meeting-sectors": ["health"]},
    )
    assert response.status_code == 400
    assert "before the referral was received" in response.content.decode()


def test_the_unit_goes_through_the_whole_procedure(
    staff_client, municipality_officer, cpu_referral
):
    client = staff_client(municipality_officer)
    worker = unit_colleague(tirana_unit(), "pmf.placeholder")
    steps = [
        ("procedure_worker", {"worker-worker": worker.username}, "#worker"),
        (
            "procedure_plan",
            {
                "plan-approved_on": days_ago(10).isoformat(),
                "plan-goals": "Placeholder goals.",
                "plan-next_review_on": days_ago(-80).isoformat(),
            },
            "#plan",
        ),
        (
            "procedure_measure_add",
            {
                "measure-sector": "education",
                "measure-description": "Placeholder measure.",
                "measure-responsible": "School psychologist",
                "measure-due_on": days_ago(-20).isoformat(),
            },
            "#measures",
        ),
        (
            "procedure_review",
            {
                "review-reviewed_on": days_ago(1).isoformat(),
                "review-summary": "Placeholder review.",
                "review-next_review_on": days_ago(-60).isoformat(),
            },
            "#reviews",
        ),
        (
            "procedure_handoff",
            {
                "handoff-to": "police",
                "handoff-to_organisation": str(police().pk),
                "handoff-on": days_ago(1).isoformat(),
                "handoff-note": "Placeholder note.",
            },
            "#handoffs",
        ),
    ]
    for name, data, anchor in steps:
        response = client.post(url(name, cpu_referral), data)
        assert response.status_code == 302, (name, response.content.decode()[:2000])
        assert response["Location"].endswith(anchor)
    measure = PlanMeasure.objects.get()
    response = client.post(
        url("procedure_measure", cpu_referral, measure_id=measure.pk), {"status": "under_way"}
    )
    assert response.status_code == 302
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.UNDER_WAY
    cpu_referral.refresh_from_db()
    assert cpu_referral.officer == worker
    assert PlanReview.objects.count() == 1
    assert Handoff.objects.get().to_organisation == police()
    html = client.get(page_url(cpu_referral)).content.decode()
    for shown in (
        "Placeholder Worker (pmf.placeholder)",
        "Placeholder goals.",
        "School psychologist",
        "Placeholder review.",
        "Placeholder note.",
        "Update the protection plan",
    ):
        assert shown in html, shown


def test_the_helpline_reads_the_summary_without_the_units_text(
    staff_client, operator, municipality_officer, cpu_referral
):
    cpu_referral.officer = municipality_officer
    cpu_referral.save()
    plan = plan_for(cpu_referral, municipality_officer, goals="Secret-ish goals")
    measure_for(plan, description="Secret-ish measure", responsible="Secret-ish person")
    GroupMeeting.objects.create(
        referral=cpu_referral,
        held_on=days_ago(5),
        sectors=["health"],
        decisions="Secret-ish decisions",
        recorded_by=municipality_officer,
    )
    since = last_entry_id()
    page = staff_client(operator).get(page_url(cpu_referral))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Secret-ish" not in html
    assert municipality_officer.username not in html
    assert "Assigned" in html and "Health" in html and 'id="summary-notice"' in html
    assert "<form" not in html.split('id="summary-notice"')[1].split("</main>")[0]
    [read] = entries_since(since)
    assert read.action == "referral.procedure_read"
    assert "meetings.decisions" not in read.fields and "plan.goals" not in read.fields
    assert "meetings.held_on" in read.fields


@pytest.mark.parametrize(
    "name",
    [
        "procedure_worker",
        "procedure_meeting",
        "procedure_plan",
        "procedure_measure_add",
        "procedure_review",
        "procedure_handoff",
    ],
)
def test_the_helpline_may_not_record_and_nothing_changes(
    staff_client, operator, cpu_referral, name
):
    before = last_entry_id()
    response = staff_client(operator).post(url(name, cpu_referral), {})
    assert response.status_code == 403
    assert entries_since(before) == []


@pytest.mark.parametrize("persona", ["outsider", "police_officer", "platform_admin", "analyst"])
def test_everyone_else_gets_404_on_every_address(
    request, staff_client, persona, cpu_referral, municipality_officer
):
    client = staff_client(request.getfixturevalue(persona))
    measure = measure_for(plan_for(cpu_referral, municipality_officer))
    assert client.get(page_url(cpu_referral)).status_code == 404
    for name in (
        "procedure_worker",
        "procedure_meeting",
        "procedure_plan",
        "procedure_measure_add",
        "procedure_review",
        "procedure_handoff",
    ):
        assert client.post(url(name, cpu_referral), {}).status_code == 404, name
    assert (
        client.post(
            url("procedure_measure", cpu_referral, measure_id=measure.pk), {"status": "done"}
        ).status_code
        == 404
    )
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.PLANNED


def test_a_referral_to_the_police_has_no_procedure_page(staff_client, operator, police_officer):
    to_police = referral_to(police(), sent_by=operator)
    for user in (operator, police_officer):
        assert staff_client(user).get(page_url(to_police)).status_code == 404


def test_a_form_opened_after_a_new_login_leads_back_to_the_page(
    staff_client, municipality_officer, cpu_referral
):
    response = staff_client(municipality_officer).get(
        url("procedure_meeting", cpu_referral), follow=True
    )
    assert response.redirect_chain[-1][0] == page_url(cpu_referral)
    assert "Your session had ended" in response.content.decode()


def test_a_plan_overdue_for_review_is_flagged_in_words(
    staff_client, operator, municipality_officer, cpu_referral
):
    plan_for(
        cpu_referral, municipality_officer, approved_on=days_ago(25), next_review_on=days_ago(3)
    )
    for user in (municipality_officer, operator):
        html = staff_client(user).get(page_url(cpu_referral)).content.decode()
        assert 'id="review-overdue"' in html
        assert "Review overdue" in html


def test_a_measure_past_its_due_date_is_flagged(staff_client, municipality_officer, cpu_referral):
    plan = plan_for(cpu_referral, municipality_officer, approved_on=days_ago(25))
    measure_for(plan, due_on=days_ago(2))
    measure_for(plan, due_on=days_ago(2), status=MeasureStatus.DONE)
    html = staff_client(municipality_officer).get(page_url(cpu_referral)).content.decode()
    assert html.count('class="flag-inline">Overdue<') == 1


def test_a_bad_measure_status_comes_back_on_its_own_form(
    staff_client, municipality_officer, cpu_referral
):
    measure = measure_for(plan_for(cpu_referral, municipality_officer))
    response = staff_client(municipality_officer).post(
        url("procedure_measure", cpu_referral, measure_id=measure.pk), {"status": "lost"}
    )
    assert response.status_code == 400
    assert f'href="#measure-{measure.pk}-status"' in response.content.decode()


def test_the_page_costs_the_same_queries_with_more_records(
    staff_client, municipality_officer, cpu_referral
):
    client = staff_client(municipality_officer)
    plan = plan_for(cpu_referral, municipality_officer)
    measure_for(plan)
    client.get(page_url(cpu_referral))
    with CaptureQueriesContext(connection) as few:
        client.get(page_url(cpu_referral))
    for _ in range(5):
        measure_for(plan)
        GroupMeeting.objects.create(
            referral=cpu_referral,
            held_on=days_ago(3),
            sectors=["ngo"],
            recorded_by=municipality_officer,
        )
    with CaptureQueriesContext(connection) as many:
        client.get(page_url(cpu_referral))
    assert len(many) == len(few)


# --- the panel on the referral's page -----------------------------------------------------


def render_panel(user, referral):
    request = RequestFactory().get("/")
    request.user = user
    template = Template('{% include "referrals/_procedure.html" %}')
    return template.render(Context({"referral": referral, "request": request}))


def test_the_panel_shows_dates_and_statuses_to_the_unit_and_the_helpline(
    operator, municipality_officer, outsider, cpu_referral
):
    plan_for(
        cpu_referral, municipality_officer, goals="Secret-ish goals", next_review_on=days_ago(1)
    )
    for user, link in (
        (municipality_officer, "Open and record the procedure"),
        (operator, "Open the procedure summary"),
    ):
        html = render_panel(user, cpu_referral)
        assert 'id="procedure-panel"' in html and link in html
        assert "Review overdue" in html
        assert "Secret-ish" not in html
        assert page_url(cpu_referral) in html
    assert render_panel(outsider, cpu_referral).strip() == ""
    assert render_panel(operator, referral_to(police(), sent_by=operator)).strip() == ""
    assert render_panel(outsider, referral_to(durres_unit(), sent_by=operator)) != ""
