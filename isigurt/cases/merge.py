"""Merging a duplicate case into the case that goes on, with nothing lost.

    merge_problem(survivor, duplicate)          why the two cannot be merged, or None
    merge_plan(survivor=, duplicate=)           what a merge would move (for the confirmation)
    case_merge(survivor=, duplicate=, actor=)   the merge itself

What moves to the survivor: the duplicate's origins (its reports and contacts, so the
reporters follow the survivor's status), its tasks, its links to other cases (a link to a
case the survivor is already linked with is folded into that link, the old row kept), and its
referrals, except one to an institution the survivor was already referred to (the two cannot
share a row: it stays with the duplicate and the result lists it). The survivor keeps the more
urgent priority and the reasons of both, and whether a child is in danger now. The duplicate
is closed with the outcome MERGED and points to the survivor (``merged_into``); its timeline
stays with it and both timelines get a MERGED event. Both are re-indexed. Nothing is deleted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from isigurt.audit.services import audit_record
from isigurt.cases.lifecycle import case_move, case_reports_follow
from isigurt.cases.linking import case_index
from isigurt.cases.models import (
    Case,
    CaseEventKind,
    CaseLink,
    CaseOrigin,
    CaseOutcome,
    CaseStatus,
    CaseTask,
    LinkStatus,
)
from isigurt.cases.permissions import case_changeable_by
from isigurt.cases.timeline import case_event_record
from isigurt.referrals.models import Referral, ReferralStatus

# A stronger decision wins when two links of the same pair are folded into one.
_LINK_STRENGTH: dict[str, int] = {
    LinkStatus.DISMISSED: 0,
    LinkStatus.SUGGESTED: 1,
    LinkStatus.CONFIRMED: 2,
}


class MergeRefused(Exception):
    """The two cases cannot be merged; ``message`` says why (translated)."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__("merge refused")


@dataclass
class MergePlan:
    survivor: Case
    duplicate: Case
    origins: int
    tasks: int
    links: int
    referrals_moving: list[Referral]
    referrals_staying: list[Referral]


@dataclass
class MergeResult:
    origins: int = 0
    tasks: int = 0
    links_moved: int = 0
    links_folded: int = 0
    referrals_moved: list[Referral] = field(default_factory=list)
    referrals_kept: list[Referral] = field(default_factory=list)


def merge_problem(survivor: Case, duplicate: Case) -> str | None:
    """Why ``duplicate`` cannot be merged into ``survivor`` (translated), or None."""
    if survivor.pk == duplicate.pk:
        return _("A case cannot be merged into itself.")
    if survivor.organisation_id != duplicate.organisation_id:
        return _("Only cases of the same helpline can be merged.")
    if duplicate.merged_into_id is not None:
        return _("Case %(code)s was already merged into another case.") % {"code": duplicate.code}
    if survivor.merged_into_id is not None:
        return _("Case %(code)s was merged into another case: merge into that one.") % {
            "code": survivor.code
        }
    if survivor.status == CaseStatus.CLOSED:
        return _("Case %(code)s is closed: reopen it first, or keep the other case.") % {
            "code": survivor.code
        }
    # A referral shares the reports of its case: after a merge it would show the institution
    # reports it was never sent, with groups chosen for another case. Only withdrawn ones move.
    for case in (survivor, duplicate):
        if Referral.objects.filter(case=case).exclude(status=ReferralStatus.WITHDRAWN).exists():
            return _(
                "Case %(code)s has been referred to an institution: merging would show it "
                "reports it was never sent. Keep the two cases linked, or withdraw the "
                "referral first."
            ) % {"code": case.code}
    return None


def _referrals(survivor: Case, duplicate: Case) -> tuple[list[Referral], list[Referral]]:
    taken = set(Referral.objects.filter(case=survivor).values_list("organisation_id", flat=True))
    moving: list[Referral] = []
    staying: list[Referral] = []
    for referral in Referral.objects.filter(case=duplicate).select_related("organisation"):
        (staying if referral.organisation_id in taken else moving).append(referral)
    return moving, staying


def _links_of(case: Case) -> Any:
    return CaseLink.objects.filter(Q(first=case) | Q(second=case))


def merge_plan(*, survivor: Case, duplicate: Case) -> MergePlan:
    """What merging ``duplicate`` into ``survivor`` would move (no change)."""
    moving, staying = _referrals(survivor, duplicate)
    return MergePlan(
        survivor=survivor,
        duplicate=duplicate,
        origins=CaseOrigin.objects.filter(case=duplicate).count(),
        tasks=CaseTask.objects.filter(case=duplicate).count(),
        links=_links_of(duplicate).exclude(Q(first=survivor) | Q(second=survivor)).count(),
        referrals_moving=moving,
        referrals_staying=staying,
    )


def _move_links(*, survivor: Case, duplicate: Case, actor: Any, result: MergeResult) -> None:
    now = timezone.now()
    for link in _links_of(duplicate).select_for_update().order_by("pk"):
        other_id = link.second_id if link.first_id == duplicate.pk else link.first_id
        if other_id == survivor.pk:
            # The pair being merged: it is confirmed by the merge, and stays as the record.
            if link.status != LinkStatus.CONFIRMED:
                link.status, link.decided_by, link.decided_at = LinkStatus.CONFIRMED, actor, now
                link.save(update_fields=["status", "decided_by", "decided_at"])
                audit_record(
                    actor=actor, action="case_link.confirmed", target=link, fields=["status"]
                )
            continue
        first_id, second_id = sorted([survivor.pk, other_id])
        kept = CaseLink.objects.select_for_update().filter(first_id=first_id, second_id=second_id)
        existing = kept.first()
        if existing is None:
            link.first_id, link.second_id = first_id, second_id
            link.save(update_fields=["first", "second"])
            audit_record(
                actor=actor, action="case_link.moved", target=link, fields=["first", "second"]
            )
            result.links_moved += 1
            continue
        shared = [kind for kind in existing.shared]
        shared += [kind for kind in link.shared if kind not in shared]
        changed = ["shared"] if shared != list(existing.shared) else []
        if _LINK_STRENGTH[link.status] > _LINK_STRENGTH[existing.status]:
            existing.status, existing.decided_by, existing.decided_at = (
                link.status,
                link.decided_by,
                link.decided_at,
            )
            changed += ["status", "decided_by", "decided_at"]
        if changed:
            existing.shared = shared
            existing.save(update_fields=changed)
            audit_record(actor=actor, action="case_link.merged", target=existing, fields=changed)
        result.links_folded += 1


def _carry_urgency(*, survivor: Case, duplicate: Case) -> list[str]:
    """The survivor keeps the more urgent of the two; returns the fields that changed."""
    changed: list[str] = []
    if duplicate.priority < survivor.priority:
        survivor.priority = duplicate.priority
        changed.append("priority")
    reasons = list(survivor.priority_reasons or [])
    reasons += [reason for reason in duplicate.priority_reasons or [] if reason not in reasons]
    if reasons != list(survivor.priority_reasons or []):
        survivor.priority_reasons = reasons
        changed.append("priority_reasons")
    if duplicate.child_in_danger and not survivor.child_in_danger:
        survivor.child_in_danger = True
        changed.append("child_in_danger")
    for due, done in (
        ("first_response_due", "first_response_at"),
        ("referral_due", "referred_at"),
    ):
        theirs = getattr(duplicate, due)
        ours = getattr(survivor, due)
        if (
            getattr(survivor, done) is None
            and theirs is not None
            and (ours is None or theirs < ours)
        ):
            setattr(survivor, due, theirs)
            changed.append(due)
    return changed


def case_merge(
    *, survivor: Case, duplicate: Case, actor: Any, note: str = "", request: Any = None
) -> MergeResult:
    """Merge ``duplicate`` into ``survivor`` (see the module's docstring). Raises
    PermissionDenied unless the actor may change both cases, MergeRefused when the two cannot
    be merged. One transaction, audited; the timeline of each gets a MERGED event."""
    result = MergeResult()
    with transaction.atomic():
        locked = {
            case.pk: case
            for case in Case.objects.select_for_update()
            .filter(pk__in=[survivor.pk, duplicate.pk])
            .order_by("pk")
        }
        survivor = locked.get(survivor.pk, survivor)
        duplicate = locked.get(duplicate.pk, duplicate)
        if not (case_changeable_by(actor, survivor) and case_changeable_by(actor, duplicate)):
            raise PermissionDenied
        problem = merge_problem(survivor, duplicate)
        if problem is not None:
            raise MergeRefused(problem)

        result.origins = CaseOrigin.objects.filter(case=duplicate).update(case=survivor)
        result.tasks = CaseTask.objects.filter(case=duplicate).update(case=survivor)
        _move_links(survivor=survivor, duplicate=duplicate, actor=actor, result=result)
        moving, staying = _referrals(survivor, duplicate)
        for referral in moving:
            referral.case = survivor
            referral.save(update_fields=["case", "updated_at"])
            audit_record(
                actor=actor, action="referral.case_changed", target=referral, fields=["case"]
            )
        result.referrals_moved, result.referrals_kept = moving, staying

        before = survivor.priority
        urgency = _carry_urgency(survivor=survivor, duplicate=duplicate)
        if urgency:
            survivor.save(update_fields=[*urgency, "updated_at"])
            if "priority" in urgency:
                case_event_record(
                    case=survivor,
                    kind=CaseEventKind.PRIORITY_CHANGED,
                    actor=actor,
                    data={
                        "from": before,
                        "to": survivor.priority,
                        "reason": "merged",
                        "other": str(duplicate.pk),
                        "other_code": duplicate.code,
                    },
                )
        case_event_record(
            case=survivor,
            kind=CaseEventKind.MERGED,
            actor=actor,
            data={
                "from": str(duplicate.pk),
                "from_code": duplicate.code,
                "origins": result.origins,
                "tasks": result.tasks,
                "links": result.links_moved + result.links_folded,
                "referrals": [str(referral.pk) for referral in moving],
                "referrals_kept": [str(referral.pk) for referral in staying],
            },
            text=note,
        )
        audit_record(
            actor=actor,
            action="case.merged",
            target=survivor,
            fields=["origins", "tasks", "links", "referrals", *urgency],
            request=request,
        )

        duplicate.merged_into = survivor
        duplicate.save(update_fields=["merged_into", "updated_at"])
        case_event_record(
            case=duplicate,
            kind=CaseEventKind.MERGED,
            actor=actor,
            data={"into": str(survivor.pk), "into_code": survivor.code},
            text=note,
        )
        case_move(
            case=duplicate,
            status=CaseStatus.CLOSED,
            outcome=CaseOutcome.MERGED,
            actor=actor,
            data={"into": str(survivor.pk)},
        )
        audit_record(
            actor=actor,
            action="case.merged_away",
            target=duplicate,
            fields=["merged_into", "origins", "tasks", "links", "referrals"],
            request=request,
        )
        # The reporters of the moved reports now follow the survivor.
        case_reports_follow(case=survivor, actor=actor)
        case_index(duplicate, suggest=False)
        case_index(survivor)
    return result
