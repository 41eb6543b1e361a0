"""Merging a duplicate case into the case that goes on: nothing lost, nothing deleted."""

import pytest
from django.core.exceptions import PermissionDenied

from isigurt.accounts.models import OrganisationType
from isigurt.accounts.tests.personas import organisation_for
from isigurt.audit.models import AuditEntry
from isigurt.cases.lifecycle import case_move
from isigurt.cases.linking import case_index, case_link_confirm, case_link_dismiss
from isigurt.cases.merge import MergeRefused, case_merge, merge_plan
from isigurt.cases.models import (
    Case,
    CaseEvent,
    CaseEventKind,
    CaseLink,
    CaseOrigin,
    CaseOutcome,
    CaseStatus,
    CaseTask,
    CaseTerm,
    LinkStatus,
    Priority,
)
from isigurt.cases.search import cases_matching
from isigurt.cases.tests.link_factories import (
    contact_case,
    days_ago,
    open_case,
    other_helpline,
    refer,
    report_case,
)
from isigurt.cases.timeline import case_event_record
from isigurt.referrals.models import Referral, ReferralStatus
from isigurt.reports.models import Report, ReportStatus

pytestmark = pytest.mark.django_db


def pair(a, b):
    first, second = sorted([a.pk, b.pk])
    return CaseLink.objects.filter(first_id=first, second_id=second)


def counts():
    return tuple(
        model.objects.count()
        for model in (Case, CaseEvent, CaseTask, CaseOrigin, CaseLink, Referral, Report)
    )


@pytest.fixture
def police():
    return organisation_for("Policia", OrganisationType.POLICE)


@pytest.fixture
def cpu():
    return organisation_for(
        "NjMF", OrganisationType.CHILD_PROTECTION_UNIT, municipality_name="Tiranë"
    )


@pytest.fixture
def two(operator):
    survivor = report_case(
        description="Placeholder survivor words.", urls=["https://example.com/a"]
    )
    duplicate = report_case(
        description="Placeholder duplicatewords.", urls=["https://example.com/a"]
    )
    return survivor, duplicate


def test_everything_of_the_duplicate_moves_and_nothing_is_deleted(operator, two, police, cpu):
    survivor, duplicate = two
    contact = contact_case(operator)
    CaseOrigin.objects.filter(case=contact).update(case=duplicate)  # a second origin
    task = CaseTask.objects.create(case=duplicate, title="Placeholder task.", created_by=operator)
    case_event_record(case=duplicate, kind=CaseEventKind.NOTE, actor=operator, text="A note.")
    third = report_case(urls=["https://example.com/only-dup"])
    duplicate.summary = "Placeholder. See example.com/only-dup"
    duplicate.save()
    case_index(duplicate)
    assert pair(duplicate, third).exists()
    # Withdrawn referrals (standing ones refuse the merge: see below) move with the case.
    withdrawn(refer(survivor, police, by=operator))
    kept = withdrawn(refer(duplicate, police, by=operator))
    moved = withdrawn(refer(duplicate, cpu, by=operator))
    events_before = CaseEvent.objects.filter(case=duplicate).count()
    before = counts()

    result = case_merge(survivor=survivor, duplicate=duplicate, actor=operator, note="Same child.")

    assert (result.origins, result.tasks) == (2, 1)
    assert set(CaseOrigin.objects.filter(case=survivor).values_list("contact", flat=True)) - {None}
    assert CaseTask.objects.get(pk=task.pk).case == survivor
    assert pair(survivor, third).exists() and pair(survivor, third).get().shared == ["url"]
    assert Referral.objects.get(pk=moved.pk).case == survivor
    assert Referral.objects.get(pk=kept.pk).case == duplicate
    assert result.referrals_kept == [kept] and result.referrals_moved == [moved]

    duplicate.refresh_from_db()
    assert duplicate.status == CaseStatus.CLOSED
    assert duplicate.outcome == CaseOutcome.MERGED and duplicate.merged_into == survivor
    # The duplicate's timeline is kept, with the merge on it; the survivor's too.
    assert CaseEvent.objects.filter(case=duplicate).count() > events_before
    assert CaseEvent.objects.filter(case=duplicate, kind=CaseEventKind.NOTE).exists()
    (on_dup,) = CaseEvent.objects.filter(case=duplicate, kind=CaseEventKind.MERGED)
    (on_surv,) = CaseEvent.objects.filter(case=survivor, kind=CaseEventKind.MERGED)
    assert on_dup.data["into"] == str(survivor.pk) and on_dup.text == "Same child."
    assert on_surv.data["from_code"] == duplicate.code
    assert on_surv.data["referrals_kept"] == [str(kept.pk)]
    after = counts()
    assert all(a >= b for a, b in zip(after, before, strict=True)), (before, after)
    for action in ("case.merged", "case.merged_away", "referral.case_changed"):
        assert AuditEntry.objects.filter(action=action, actor_id=operator.pk).exists(), action


def test_the_survivor_is_found_by_what_the_duplicate_held(operator, two):
    survivor, duplicate = two
    case_merge(survivor=survivor, duplicate=duplicate, actor=operator)
    assert list(cases_matching(Case.objects.all(), "duplicatewords")) == [survivor]
    assert not CaseTerm.objects.filter(case=duplicate, kind="url").exists()


def test_the_pair_link_is_confirmed_and_kept(operator, two):
    survivor, duplicate = two
    case_merge(survivor=survivor, duplicate=duplicate, actor=operator)
    link = pair(survivor, duplicate).get()
    assert link.status == LinkStatus.CONFIRMED and link.decided_by == operator


def test_a_link_both_had_is_folded_the_stronger_decision_wins(operator, two):
    survivor, duplicate = two
    third = report_case(urls=["https://example.com/a"])
    case_link_dismiss(link=pair(survivor, third).get(), actor=operator)
    case_link_confirm(link=pair(duplicate, third).get(), actor=operator)
    result = case_merge(survivor=survivor, duplicate=duplicate, actor=operator)
    assert result.links_folded == 1
    assert pair(survivor, third).get().status == LinkStatus.CONFIRMED
    assert pair(duplicate, third).exists()  # the old row stays, nothing is deleted


def test_reporters_follow_the_survivor(operator):
    survivor = report_case()
    case_move(case=survivor, status=CaseStatus.REFERRED, actor=operator)
    duplicate = report_case()
    case_merge(survivor=survivor, duplicate=duplicate, actor=operator)
    reports = Report.objects.filter(case_origin__case=survivor)
    assert reports.count() == 2
    assert set(reports.values_list("status", flat=True)) == {ReportStatus.ACTION_TAKEN}


def test_the_survivor_keeps_the_more_urgent_priority(operator):
    survivor = open_case(priority=Priority.NORMAL, priority_reasons=["operator"])
    duplicate = open_case(
        priority=Priority.CRITICAL,
        priority_reasons=["danger_now"],
        child_in_danger=True,
        first_response_due=days_ago(-1),
    )
    case_merge(survivor=survivor, duplicate=duplicate, actor=operator)
    survivor.refresh_from_db()
    assert survivor.priority == Priority.CRITICAL
    assert survivor.priority_reasons == ["operator", "danger_now"]
    assert survivor.child_in_danger and survivor.first_response_due == duplicate.first_response_due
    assert CaseEvent.objects.filter(case=survivor, kind=CaseEventKind.PRIORITY_CHANGED).exists()


def withdrawn(referral: Referral) -> Referral:
    referral.status = ReferralStatus.WITHDRAWN
    referral.save(update_fields=["status"])
    return referral


@pytest.mark.parametrize("referred", ["survivor", "duplicate"])
def test_a_case_with_a_standing_referral_is_not_merged(operator, two, police, referred):
    """Its institution would read the other case's reports, never sent to it."""
    survivor, duplicate = two
    refer(survivor if referred == "survivor" else duplicate, police, by=operator)
    before = counts()
    with pytest.raises(MergeRefused):
        case_merge(survivor=survivor, duplicate=duplicate, actor=operator, note="")
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None and counts() == before
    assert set(CaseOrigin.objects.filter(case=survivor).values_list("case", flat=True)) == {
        survivor.pk
    }


def test_the_plan_says_what_would_move(operator, two, police):
    survivor, duplicate = two
    withdrawn(refer(survivor, police, by=operator))
    staying = withdrawn(refer(duplicate, police, by=operator))
    plan = merge_plan(survivor=survivor, duplicate=duplicate)
    assert (plan.origins, plan.tasks, plan.links) == (1, 0, 0)
    assert plan.referrals_staying == [staying] and plan.referrals_moving == []


@pytest.mark.parametrize("problem", ["same", "merged", "survivor_merged", "closed"])
def test_impossible_merges_are_refused_and_change_nothing(operator, two, problem):
    survivor, duplicate = two
    if problem == "same":
        duplicate = survivor
    elif problem == "merged":
        case_merge(survivor=survivor, duplicate=duplicate, actor=operator)
        survivor = report_case()
    elif problem == "survivor_merged":
        case_merge(survivor=duplicate, duplicate=survivor, actor=operator)
        duplicate = report_case()
    else:
        Case.objects.filter(pk=survivor.pk).update(status=CaseStatus.CLOSED)
        survivor.refresh_from_db()
    before = counts()
    with pytest.raises(MergeRefused):
        case_merge(survivor=survivor, duplicate=duplicate, actor=operator)
    assert counts() == before


def test_only_who_may_change_both_cases_merges(operator, analyst, municipality_officer, two):
    survivor, duplicate = two
    elsewhere = report_case(organisation=other_helpline())
    before = counts()
    for actor, (a, b) in (
        (analyst, (survivor, duplicate)),
        (municipality_officer, (survivor, duplicate)),
        (None, (survivor, duplicate)),
        (operator, (survivor, elsewhere)),
    ):
        with pytest.raises(PermissionDenied):
            case_merge(survivor=a, duplicate=b, actor=actor)
    assert counts() == before
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None
