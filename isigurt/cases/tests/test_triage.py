"""The triage table: which facts give which priority and reasons, and the due times."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import translation

from isigurt.cases.models import Priority, TriageReason
from isigurt.cases.triage import (
    DUE_TIMES,
    REASON_ORDER,
    TICKABLE,
    TRIAGE_RULES,
    TriageFacts,
    due_times,
    ordered_reasons,
    priority_label,
    reason_labels,
    triage,
)

C, H, N, L = Priority.CRITICAL, Priority.HIGH, Priority.NORMAL, Priority.LOW
R = TriageReason


def facts(**values):
    """TriageFacts with sets given as lists."""
    for name in ("categories", "topics", "ticked"):
        if name in values:
            values[name] = frozenset(values[name])
    return TriageFacts(**values)


CASES = [
    # (what, facts, priority, reasons)
    ("nothing at all", facts(), N, ()),
    ("bullying, 13 to 15", facts(categories=["bullying"], age_band="13_15"), N, ()),
    ("a child in danger now", facts(child_in_danger=True), C, (R.DANGER_NOW,)),
    ("under 13", facts(age_band="under_13"), H, (R.UNDER_13,)),
    ("abuse material", facts(categories=["abuse_material"]), H, (R.ABUSE_MATERIAL,)),
    ("sextortion", facts(categories=["sextortion"]), H, (R.SEXTORTION,)),
    ("grooming", facts(categories=["grooming"]), H, (R.GROOMING,)),
    ("a contact: grooming", facts(topics=["online.grooming"]), H, (R.GROOMING,)),
    ("a contact: sextortion", facts(topics=["online.sextortion"]), H, (R.SEXTORTION,)),
    ("a contact: abuse material", facts(topics=["online.abuse_material"]), H, (R.ABUSE_MATERIAL,)),
    ("a contact: self-harm", facts(topics=["mental_health.self_harm"]), C, (R.SELF_HARM,)),
    ("a contact: suicide", facts(topics=["mental_health.suicidal"]), C, (R.SELF_HARM,)),
    ("shares an account", facts(shares_with_other_cases=True), H, (R.REPEAT_OFFENDER,)),
    (
        "sextortion with a deadline (ticked)",
        facts(categories=["sextortion"], ticked=[R.SEXTORTION_DEADLINE]),
        C,
        (R.SEXTORTION_DEADLINE, R.SEXTORTION),
    ),
    ("a known image (ticked)", facts(ticked=[R.KNOWN_IMAGE]), H, (R.KNOWN_IMAGE,)),
    ("the operator's judgement", facts(ticked=[R.OPERATOR]), H, (R.OPERATOR,)),
    ("danger ticked on a contact", facts(ticked=[R.DANGER_NOW]), C, (R.DANGER_NOW,)),
    (
        "a request for information",
        facts(topics=["other.information"], categories=["other"]),
        L,
        (),
    ),
    ("screen time only", facts(topics=["online.excessive_use"]), L, ()),
    (
        "information, but under 13",
        facts(topics=["other.information"], age_band="under_13"),
        H,
        (R.UNDER_13,),
    ),
    (
        "information and bullying",
        facts(topics=["other.information", "online.cyberbullying"]),
        N,
        (),
    ),
    (
        "everything at once, most serious first",
        facts(
            child_in_danger=True,
            age_band="under_13",
            categories=["grooming", "abuse_material"],
            shares_with_other_cases=True,
            ticked=[R.OPERATOR, R.KNOWN_IMAGE],
        ),
        C,
        (
            R.DANGER_NOW,
            R.KNOWN_IMAGE,
            R.ABUSE_MATERIAL,
            R.GROOMING,
            R.UNDER_13,
            R.REPEAT_OFFENDER,
            R.OPERATOR,
        ),
    ),
]


@pytest.mark.parametrize(("what", "facts", "priority", "reasons"), CASES, ids=[c[0] for c in CASES])
def test_the_triage_table(what, facts, priority, reasons):
    found = triage(facts)
    assert found.priority == priority, what
    assert found.reasons == tuple(str(reason) for reason in reasons), what


def test_every_reason_has_one_rule_and_the_table_is_ordered_by_seriousness():
    assert sorted(REASON_ORDER) == sorted(TriageReason.values)
    priorities = [rule.priority for rule in TRIAGE_RULES]
    assert priorities == sorted(priorities)
    assert set(TICKABLE) <= set(TriageReason.values)


def test_a_reason_never_lowers_the_priority():
    for rule in TRIAGE_RULES:
        assert rule.priority <= Priority.HIGH, rule.reason


@pytest.mark.parametrize(
    ("priority", "first", "referral"),
    [
        (C, timedelta(minutes=15), timedelta(hours=1)),
        (H, timedelta(hours=1), timedelta(hours=24)),
        (N, timedelta(hours=24), timedelta(hours=72)),
        (L, timedelta(hours=72), timedelta(days=7)),
    ],
)
def test_due_times_follow_the_priority_from_when_the_helpline_heard(priority, first, referral):
    arrived = datetime(2026, 3, 2, 16, 5, tzinfo=UTC)
    assert due_times(priority, arrived) == (arrived + first, arrived + referral)
    assert set(DUE_TIMES) == set(Priority.values)


def test_more_urgent_means_sooner():
    ordered = [DUE_TIMES[p] for p in sorted(Priority.values)]
    for sooner, later in itertools.pairwise(ordered):
        assert sooner.first_response < later.first_response
        assert sooner.referral < later.referral
        assert sooner.first_response < sooner.referral


def test_reasons_are_ordered_and_unknown_codes_dropped():
    assert ordered_reasons(["operator", "danger_now", "nonsense", "operator"]) == (
        "danger_now",
        "operator",
    )


def test_reasons_and_priorities_are_shown_in_words_in_both_languages():
    with translation.override("en"):
        assert reason_labels(["under_13"]) == ["The child is under 13"]
        assert priority_label(1) == "Critical"
    with translation.override("sq"):
        assert reason_labels(["under_13"]) != ["The child is under 13"]
        assert priority_label(1) != "Critical"
