"""Triage: from the facts of a report or a contact, a case's priority, its reasons and due times.

Pure and table-driven: no database, no clock. The services gather the facts (the origins'
categories and topics, whether other cases share a username, a phone number, a link or an
image with this one, what the operator ticked) and store what this module answers.

    TRIAGE_RULES    one row per reason, most serious first: the reason, the priority it
                    calls for, and when it applies
    triage(facts)   the priority (the most urgent any reason calls for; NORMAL without one,
                    LOW for a contact that only asked for information) and the reasons, in
                    the table's order
    due_times(priority, received_at)   when the first response and the referral are due

A reason never lowers a priority; lowering one is a supervisor's decision, with a reason kept
in the case's timeline (services.case_priority_change).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from isigurt.cases.models import Priority, TriageReason
from isigurt.reports.models import AgeBand, Category


@dataclass(frozen=True)
class TriageFacts:
    """What triage looks at. ``categories`` are report categories (a report's main one and
    the others it names; a contact's, as the case records it); ``topics`` are the helpline
    taxonomy's topic codes of the case's contacts; ``ticked`` are reasons an operator added."""

    child_in_danger: bool = False
    age_band: str = AgeBand.UNKNOWN
    categories: frozenset[str] = field(default_factory=frozenset)
    topics: frozenset[str] = field(default_factory=frozenset)
    shares_with_other_cases: bool = False
    ticked: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class TriageRule:
    reason: str
    priority: int
    applies: Callable[[TriageFacts], bool]


def _ticked(reason: str) -> Callable[[TriageFacts], bool]:
    return lambda facts: reason in facts.ticked


def _named(reason: str, categories: Iterable[str], topics: Iterable[str]) -> Callable[..., bool]:
    """The reason applies when ticked, or when a report category or a contact topic says it."""
    wanted_categories, wanted_topics = frozenset(categories), frozenset(topics)

    def applies(facts: TriageFacts) -> bool:
        return (
            reason in facts.ticked
            or bool(facts.categories & wanted_categories)
            or bool(facts.topics & wanted_topics)
        )

    return applies


# Most serious first: the order in which people read the reasons.
TRIAGE_RULES: tuple[TriageRule, ...] = (
    TriageRule(
        TriageReason.DANGER_NOW,
        Priority.CRITICAL,
        lambda facts: facts.child_in_danger or TriageReason.DANGER_NOW in facts.ticked,
    ),
    TriageRule(
        TriageReason.SEXTORTION_DEADLINE,
        Priority.CRITICAL,
        _ticked(TriageReason.SEXTORTION_DEADLINE),
    ),
    TriageRule(
        TriageReason.SELF_HARM,
        Priority.CRITICAL,
        _named(TriageReason.SELF_HARM, (), ("mental_health.self_harm", "mental_health.suicidal")),
    ),
    TriageRule(
        TriageReason.KNOWN_IMAGE,
        Priority.HIGH,
        _ticked(TriageReason.KNOWN_IMAGE),
    ),
    TriageRule(
        TriageReason.ABUSE_MATERIAL,
        Priority.HIGH,
        _named(TriageReason.ABUSE_MATERIAL, (Category.ABUSE_MATERIAL,), ("online.abuse_material",)),
    ),
    TriageRule(
        TriageReason.SEXTORTION,
        Priority.HIGH,
        _named(TriageReason.SEXTORTION, (Category.SEXTORTION,), ("online.sextortion",)),
    ),
    TriageRule(
        TriageReason.GROOMING,
        Priority.HIGH,
        _named(TriageReason.GROOMING, (Category.GROOMING,), ("online.grooming",)),
    ),
    TriageRule(
        TriageReason.UNDER_13,
        Priority.HIGH,
        lambda facts: facts.age_band == AgeBand.UNDER_13 or TriageReason.UNDER_13 in facts.ticked,
    ),
    TriageRule(
        TriageReason.REPEAT_OFFENDER,
        Priority.HIGH,
        lambda facts: facts.shares_with_other_cases or TriageReason.REPEAT_OFFENDER in facts.ticked,
    ),
    TriageRule(TriageReason.OPERATOR, Priority.HIGH, _ticked(TriageReason.OPERATOR)),
)
REASON_ORDER: tuple[str, ...] = tuple(str(rule.reason) for rule in TRIAGE_RULES)
RULE_FOR: dict[str, TriageRule] = {str(rule.reason): rule for rule in TRIAGE_RULES}

# Reasons an operator may add at triage (the others follow from the facts alone, which the
# operator corrects on the report or the contact).
TICKABLE: tuple[str, ...] = (
    TriageReason.DANGER_NOW,
    TriageReason.SEXTORTION_DEADLINE,
    TriageReason.SELF_HARM,
    TriageReason.KNOWN_IMAGE,
    TriageReason.REPEAT_OFFENDER,
    TriageReason.OPERATOR,
)

# A contact about nothing but these asked for information: its case waits longest.
LOW_TOPICS = frozenset(
    {"other.information", "other.silent", "other.abusive", "online.excessive_use"}
)


@dataclass(frozen=True)
class DueTimes:
    first_response: timedelta
    referral: timedelta


# How long the helpline has, from the moment the report arrived or the contact began:
# - critical (a child in danger now, a deadline set by an extortionist, self-harm): a person
#   answers within a quarter of an hour (the line is open day and night), and the police or
#   the child protection unit hear of it within the hour, while acting still changes the end;
# - high (abuse material, grooming, sextortion, a child under 13, an offender seen before):
#   an answer within the hour, a referral within a day, before accounts and posts disappear;
# - normal: an answer the next day, a referral within three days (a working week's rhythm);
# - low (requests for information): three days to answer, a week to refer or close.
DUE_TIMES: dict[int, DueTimes] = {
    Priority.CRITICAL: DueTimes(first_response=timedelta(minutes=15), referral=timedelta(hours=1)),
    Priority.HIGH: DueTimes(first_response=timedelta(hours=1), referral=timedelta(hours=24)),
    Priority.NORMAL: DueTimes(first_response=timedelta(hours=24), referral=timedelta(hours=72)),
    Priority.LOW: DueTimes(first_response=timedelta(hours=72), referral=timedelta(days=7)),
}


@dataclass(frozen=True)
class Triage:
    priority: int
    reasons: tuple[str, ...]


def triage(facts: TriageFacts) -> Triage:
    """The priority the facts call for and the reasons, most serious first."""
    applying = [rule for rule in TRIAGE_RULES if rule.applies(facts)]
    if applying:
        return Triage(
            priority=min(rule.priority for rule in applying),
            reasons=tuple(str(rule.reason) for rule in applying),
        )
    if facts.topics and facts.topics <= LOW_TOPICS and not facts.categories - {Category.OTHER}:
        return Triage(priority=Priority.LOW, reasons=())
    return Triage(priority=Priority.NORMAL, reasons=())


def ordered_reasons(codes: Iterable[str]) -> tuple[str, ...]:
    """Known reason codes once each, most serious first."""
    wanted = set(codes)
    return tuple(code for code in REASON_ORDER if code in wanted)


def due_times(priority: int, received_at: datetime) -> tuple[datetime, datetime]:
    """(first response due, referral due) for a case of ``priority`` that arrived then."""
    due = DUE_TIMES[priority]
    return received_at + due.first_response, received_at + due.referral


def reason_labels(codes: Iterable[str]) -> list[str]:
    """The reasons as people read them, in the active language (unknown codes as they are)."""
    labels = dict(TriageReason.choices)
    return [str(labels.get(code, code)) for code in codes]


def priority_label(priority: Any) -> str:
    labels = dict(Priority.choices)
    return str(labels.get(priority, priority))
