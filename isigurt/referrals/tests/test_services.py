"""The services: sending (once per institution), what the institution does, what the helpline
does after, each with its case event, its audit entry and its refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from isigurt.accounts.models import OrganisationType, Role
from isigurt.accounts.tests.personas import organisation_for, persona
from isigurt.audit.models import AuditEntry
from isigurt.cases.models import CaseEvent, CaseEventKind, CaseStatus, Priority
from isigurt.outbox.models import OutboxMessage
from isigurt.referrals.models import Referral, ReferralStatus, ReferralUpdate, UpdateKind
from isigurt.referrals.services import (
    ACKNOWLEDGE_WITHIN,
    ReferralInvalid,
    referral_acknowledge,
    referral_assign,
    referral_close,
    referral_question,
    referral_send,
    referral_update_post,
    referral_withdraw,
)
from isigurt.referrals.sharing import SUGGESTED_GROUPS, allowed_groups
from isigurt.referrals.tests.factories import akep, open_case, refer
from isigurt.referrals.validation import OutcomeDraft, ReferralDraft
from isigurt.reports.models import Report, ReportStatus

pytestmark = pytest.mark.django_db


def draft(*organisations, groups=None, request="Placeholder request.") -> ReferralDraft:
    return ReferralDraft.model_validate(
        {
            "recipients": [{"organisation_id": o.pk, "groups": groups} for o in organisations],
            "request": request,
        }
    )


def events(case, kind):
    return list(CaseEvent.objects.filter(case=case, kind=kind).order_by("at", "id"))


def audited(action, target):
    return AuditEntry.objects.filter(action=action, object_id=str(target.pk))


@pytest.fixture
def police(db):
    return organisation_for("Policia", OrganisationType.POLICE)


def test_it_refers_a_case_to_several_institutions_at_once(operator, municipality_officer, police):
    case = open_case(operator, priority=Priority.HIGH)
    before = timezone.now()
    result = referral_send(
        case=case, draft=draft(municipality_officer.organisation, police), actor=operator
    )
    assert len(result.created) == 2 and result.existing == []
    cpu_referral, police_referral = result.created
    assert cpu_referral.shared_fields == allowed_groups(
        OrganisationType.CHILD_PROTECTION_UNIT,
        SUGGESTED_GROUPS[OrganisationType.CHILD_PROTECTION_UNIT],
    )
    assert "evidence" in police_referral.shared_fields
    for referral in result.created:
        assert referral.status == ReferralStatus.SENT
        assert referral.request == "Placeholder request."
        assert referral.sent_by == operator
        assert referral.acknowledge_due - referral.sent_at == timedelta(hours=24)
        assert audited("referral.sent", referral).count() == 1
    case.refresh_from_db()
    assert case.status == CaseStatus.REFERRED
    assert before <= case.referred_at <= timezone.now()
    assert len(events(case, CaseEventKind.REFERRED)) == 2
    assert OutboxMessage.objects.filter(topic="referrals.sent").count() == 2
    payloads = OutboxMessage.objects.filter(topic="referrals.sent").values_list(
        "payload", flat=True
    )
    assert {p["referral_id"] for p in payloads} == {str(r.pk) for r in result.created}
    # The reporter's tracking page says action was taken.
    report = Report.objects.get(case_origin__case=case)
    assert report.status == ReportStatus.ACTION_TAKEN


@pytest.mark.parametrize(
    ("priority", "within"),
    [
        (Priority.CRITICAL, timedelta(hours=2)),
        (Priority.HIGH, timedelta(hours=24)),
        (Priority.NORMAL, timedelta(days=3)),
        (Priority.LOW, timedelta(days=5)),
    ],
)
def test_the_acknowledgement_is_due_by_the_cases_priority(
    operator, municipality_officer, priority, within
):
    assert ACKNOWLEDGE_WITHIN[priority] == within
    referral = refer(
        open_case(operator, priority=priority), municipality_officer.organisation, operator
    )
    assert referral.acknowledge_due - referral.sent_at == within


def test_sending_again_changes_nothing(operator, municipality_officer, police):
    case = open_case(operator)
    first = referral_send(case=case, draft=draft(municipality_officer.organisation), actor=operator)
    case.refresh_from_db()
    referred_at = case.referred_at
    counts = (
        Referral.objects.count(),
        CaseEvent.objects.count(),
        OutboxMessage.objects.filter(topic="referrals.sent").count(),
    )
    again = referral_send(
        case=case,
        draft=draft(municipality_officer.organisation, groups=["urls"], request="Other."),
        actor=operator,
    )
    assert again.created == [] and [r.pk for r in again.existing] == [first.created[0].pk]
    assert (
        Referral.objects.count(),
        CaseEvent.objects.count(),
        OutboxMessage.objects.filter(topic="referrals.sent").count(),
    ) == counts
    referral = Referral.objects.get()
    assert referral.request == "Placeholder request." and "urls" not in referral.shared_fields
    case.refresh_from_db()
    assert case.referred_at == referred_at
    # A second institution later: the first referral's time stays the case's referred_at.
    later = referral_send(
        case=case, draft=draft(municipality_officer.organisation, police), actor=operator
    )
    assert [r.organisation for r in later.created] == [police]
    assert len(later.existing) == 1
    case.refresh_from_db()
    assert case.referred_at == referred_at


def test_akep_is_never_sent_identity(operator):
    case = open_case(operator)
    everything = ["summary", "description", "reporter_contact", "messages", "evidence", "urls"]
    referral = referral_send(case=case, draft=draft(akep(), groups=everything), actor=operator)
    assert referral.created[0].shared_fields == ["urls"]


def test_it_refuses_what_cannot_be_referred(operator, municipality_officer, editor):
    case = open_case(operator)
    helpline = operator.organisation
    with pytest.raises(ReferralInvalid):
        referral_send(case=case, draft=draft(helpline), actor=operator)  # not an institution
    with pytest.raises(ReferralInvalid):
        referral_send(case=case, draft=draft(editor.organisation), actor=operator)  # CRCA
    closed = open_case(operator, status=CaseStatus.CLOSED)
    with pytest.raises(ReferralInvalid):
        referral_send(case=closed, draft=draft(municipality_officer.organisation), actor=operator)
    with pytest.raises(PermissionDenied):
        referral_send(
            case=case, draft=draft(municipality_officer.organisation), actor=municipality_officer
        )
    assert not Referral.objects.exists()


def test_the_draft_refuses_unknown_groups_and_no_institution():
    with pytest.raises(ValueError):
        ReferralDraft.model_validate({"recipients": []})
    with pytest.raises(ValueError):
        ReferralDraft.model_validate({"recipients": [{"organisation_id": 1, "groups": ["x"]}]})
    twice = ReferralDraft.model_validate(
        {"recipients": [{"organisation_id": 3}, {"organisation_id": 3, "groups": []}]}
    )
    assert len(twice.recipients) == 1


# --- the institution -----------------------------------------------------------------------


@pytest.fixture
def referral(operator, municipality_officer):
    return refer(open_case(operator), municipality_officer.organisation, operator)


def test_acknowledging_moves_the_case_to_waiting_once(referral, municipality_officer):
    assert referral_acknowledge(referral=referral, actor=municipality_officer) is True
    assert referral.status == ReferralStatus.ACKNOWLEDGED
    assert referral.acknowledged_by == municipality_officer
    case = referral.case
    case.refresh_from_db()
    assert case.status == CaseStatus.WAITING
    assert len(events(case, CaseEventKind.REFERRAL_ACKNOWLEDGED)) == 1
    assert referral_acknowledge(referral=referral, actor=municipality_officer) is False
    assert len(events(case, CaseEventKind.REFERRAL_ACKNOWLEDGED)) == 1
    assert audited("referral.acknowledged", referral).count() == 1


def test_only_the_receiving_institution_answers(
    referral, operator, outsider, police_officer, municipality_officer
):
    for actor in (operator, outsider, police_officer):
        with pytest.raises(PermissionDenied):
            referral_acknowledge(referral=referral, actor=actor)
        with pytest.raises(PermissionDenied):
            referral_update_post(referral=referral, text="x", actor=actor)
        with pytest.raises(PermissionDenied):
            referral_close(
                referral=referral,
                draft=OutcomeDraft.model_validate({"outcome": "other", "text": "x"}),
                actor=actor,
            )
    for actor in (municipality_officer, outsider, police_officer):
        with pytest.raises(PermissionDenied):
            referral_withdraw(referral=referral, reason="", actor=actor)
        with pytest.raises(PermissionDenied):
            referral_question(referral=referral, text="x", actor=actor)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT
    assert not ReferralUpdate.objects.exists()


def test_an_officer_takes_it_on_or_gives_it_to_a_colleague(
    referral, municipality_officer, outsider
):
    colleague = persona(
        "persona.cpu.tirana.2", Role.INSTITUTION_OFFICER, municipality_officer.organisation
    )
    assert referral_assign(
        referral=referral, officer_id=municipality_officer.pk, actor=municipality_officer
    )
    assert referral.officer == municipality_officer
    assert referral.status == ReferralStatus.ACKNOWLEDGED  # taking it on acknowledges it
    assert referral_assign(referral=referral, officer_id=colleague.pk, actor=municipality_officer)
    referral.refresh_from_db()
    assert referral.officer == colleague
    with pytest.raises(ReferralInvalid):  # an officer of another institution
        referral_assign(referral=referral, officer_id=outsider.pk, actor=municipality_officer)
    assert audited("referral.officer_assigned", referral).count() == 2


def test_an_update_puts_the_referral_in_progress(referral, municipality_officer):
    update = referral_update_post(
        referral=referral, text="Placeholder update.", actor=municipality_officer
    )
    assert update.kind == UpdateKind.UPDATE and update.from_institution
    assert referral.status == ReferralStatus.IN_PROGRESS
    assert referral.acknowledged_at is not None  # answering is receiving
    case = referral.case
    assert [e.data["update"] for e in events(case, CaseEventKind.REFERRAL_UPDATE)] == [
        str(update.pk)
    ]
    assert "Placeholder" not in str(events(case, CaseEventKind.REFERRAL_UPDATE)[0].data)


def test_the_outcome_closes_the_referral(referral, municipality_officer):
    referral_acknowledge(referral=referral, actor=municipality_officer)
    update = referral_close(
        referral=referral,
        draft=OutcomeDraft.model_validate({"outcome": "support_given", "text": "Placeholder."}),
        actor=municipality_officer,
    )
    assert update.kind == UpdateKind.OUTCOME
    assert referral.status == ReferralStatus.CLOSED
    assert referral.outcome == "support_given" and referral.closed_at is not None
    case = referral.case
    case.refresh_from_db()
    # The last institution answered: the helpline's turn to review and close the case; the
    # reporter still reads that action was taken.
    assert case.status == CaseStatus.IN_PROGRESS
    assert {r.status for r in Report.objects.filter(case_origin__case=case)} == {
        ReportStatus.ACTION_TAKEN
    }
    [event] = events(case, CaseEventKind.REFERRAL_OUTCOME)
    assert event.data["outcome"] == "support_given"
    with pytest.raises(PermissionDenied):  # closed: nothing more to answer
        referral_update_post(referral=referral, text="Late.", actor=municipality_officer)


def test_an_outcome_of_other_needs_words():
    with pytest.raises(ValueError):
        OutcomeDraft.model_validate({"outcome": "other", "text": " "})
    with pytest.raises(ValueError):
        OutcomeDraft.model_validate({"outcome": "made_up"})


# --- the helpline after sending ----------------------------------------------------------


def test_withdrawing_the_last_open_referral_gives_the_case_back(referral, operator):
    assert referral_withdraw(referral=referral, reason="Placeholder reason.", actor=operator)
    assert referral.status == ReferralStatus.WITHDRAWN
    case = referral.case
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS
    note = events(case, CaseEventKind.NOTE)[-1]
    assert note.text == "Placeholder reason."
    assert note.data["referral_status"] == "withdrawn"
    with pytest.raises(PermissionDenied):  # no longer open
        referral_withdraw(referral=referral, reason="", actor=operator)


def test_withdrawing_one_of_two_keeps_the_case_waiting(operator, municipality_officer, police):
    case = open_case(operator)
    result = referral_send(
        case=case, draft=draft(municipality_officer.organisation, police), actor=operator
    )
    referral_withdraw(referral=result.created[1], reason="", actor=operator)
    case.refresh_from_db()
    assert case.status == CaseStatus.REFERRED


def test_the_helpline_asks_a_question(referral, supervisor):
    update = referral_question(referral=referral, text="Placeholder question?", actor=supervisor)
    assert update.kind == UpdateKind.QUESTION and not update.from_institution
    assert audited("referral.question_asked", referral).count() == 1
