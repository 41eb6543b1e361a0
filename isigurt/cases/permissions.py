"""Who may see and change cases, their tasks and their timeline: the only place deciding it.

    cases_visible_to(user)              the cases the viewer may see, as a queryset
    access_case(user, id, write=...)    one case: Http404 when the viewer may not see it (or it
                                        does not exist: the two look the same), PermissionDenied
                                        (403) when visible but read-only
    case_fields_for(user, case)         which fields of that case the viewer may read
    access_case_task(user, id, ...)     one task, likewise
    access_case_link(user, case, id)    one link of a case the viewer has accessed, likewise

Roles become abilities in isigurt.accounts.permissions (HELPLINE_CASES). The helpline's
operators and supervisors see every case of their own helpline; only supervisors change a
priority or assign a case (``can_supervise``). An institution officer sees a case only while a
referral of it to the officer's organisation stands (not withdrawn), and only the fields that
referral shares (isigurt.referrals.sharing); institutions never see tasks, notes or the
timeline, which are the helpline's working papers.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.http import Http404

from isigurt.accounts import permissions as roles
from isigurt.cases.models import Case, CaseLink, CaseTask
from isigurt.lib.ids import uuid_or_404
from isigurt.referrals import sharing
from isigurt.referrals.models import Referral, ReferralStatus

# Every field of a case a viewer can be shown, by name; "tasks", "timeline" and "links" stand
# for the helpline's working papers.
CASE_FIELDS: frozenset[str] = frozenset(
    {
        "code",
        "status",
        "priority",
        "priority_reasons",
        "category",
        "child_in_danger",
        "age_band",
        "gender",
        "county",
        "municipality",
        "outside_albania",
        "summary",
        "owner",
        "due_times",
        "outcome",
        "created_at",
        "origins",
        "tasks",
        "timeline",
        "links",
        "referrals",
    }
)


def _standing_referrals(user: Any) -> QuerySet[Referral]:
    """Referrals to the user's organisation that still stand (not withdrawn)."""
    if not roles.can_read_received_referrals(user) or user.organisation_id is None:
        return Referral.objects.none()
    return Referral.objects.filter(organisation_id=user.organisation_id).exclude(
        status=ReferralStatus.WITHDRAWN
    )


def _is_helpline_of(user: Any, case: Case) -> bool:
    return roles.can_read_helpline_cases(user) and case.organisation_id == user.organisation_id


def cases_visible_to(user: Any) -> QuerySet[Case]:
    """Every case the user may see (unordered; selectors order and paginate)."""
    if roles.can_read_helpline_cases(user) and user.organisation_id is not None:
        return Case.objects.filter(organisation_id=user.organisation_id)
    referred = _standing_referrals(user).values("case_id")
    return Case.objects.filter(pk__in=referred)


def can_list_cases(user: Any) -> bool:
    """Whether the user has the helpline's case queue (the staff page, its link, the API)."""
    return roles.can_read_helpline_cases(user) and user.organisation_id is not None


def case_fields_for(user: Any, case: Case) -> frozenset[str]:
    """The fields of ``case`` the user may read; empty when the case is not theirs to see."""
    if _is_helpline_of(user, case):
        return CASE_FIELDS
    groups: set[str] = set()
    for shared in (
        _standing_referrals(user).filter(case=case).values_list("shared_fields", flat=True)
    ):
        groups.update(shared)
    if not groups and not _standing_referrals(user).filter(case=case).exists():
        return frozenset()
    return sharing.case_fields(groups) & CASE_FIELDS


def case_changeable_by(user: Any, case: Case) -> bool:
    """Whether the user may change the case (notes, tasks, status, referrals, links)."""
    return roles.can_change_helpline_cases(user) and case.organisation_id == user.organisation_id


def can_supervise(user: Any, case: Case) -> bool:
    """Whether the user may change the case's priority and assign it."""
    return roles.can_supervise_cases(user) and case.organisation_id == user.organisation_id


def access_case(user: Any, case_id: Any, *, write: bool = False) -> Case:
    """The case, if the user may see it (and change it, with ``write``).

    Raises Http404 if it does not exist or is not the user's to see, PermissionDenied if it is
    visible but read-only for the user.
    """
    case = (
        cases_visible_to(user)
        .select_related("county", "municipality", "owner")
        .filter(pk=uuid_or_404(case_id))
        .first()
    )
    if case is None:
        raise Http404
    if write and not case_changeable_by(user, case):
        raise PermissionDenied
    return case


def access_case_supervision(user: Any, case_id: Any) -> Case:
    """The case, if the user may change its priority or assign it (404 / 403 as above)."""
    case = access_case(user, case_id, write=True)
    if not can_supervise(user, case):
        raise PermissionDenied
    return case


def access_case_link(user: Any, case: Case, link_id: Any, *, write: bool = False) -> CaseLink:
    """A link of ``case`` (already accessed by the user): 404 unless the link joins ``case`` to
    another case the user may see (links are the helpline's working papers, like tasks), 403
    when visible but the user may not change both cases."""
    visible = cases_visible_to(user)
    link = (
        CaseLink.objects.select_related("first", "second")
        .filter(pk=uuid_or_404(link_id))
        .filter(models.Q(first=case) | models.Q(second=case))
        .filter(first__in=visible, second__in=visible)
        .first()
    )
    if link is None or "links" not in case_fields_for(user, case):
        raise Http404
    if write and not (
        case_changeable_by(user, link.first) and case_changeable_by(user, link.second)
    ):
        raise PermissionDenied
    return link


def case_tasks_visible_to(user: Any) -> QuerySet[CaseTask]:
    """Tasks of the helpline's cases (institutions see none)."""
    if not can_list_cases(user):
        return CaseTask.objects.none()
    return CaseTask.objects.filter(case__organisation_id=user.organisation_id)


def access_case_task(user: Any, task_id: Any, *, write: bool = False) -> CaseTask:
    """One task: 404 if invisible, 403 if visible but read-only."""
    task = (
        case_tasks_visible_to(user).select_related("case").filter(pk=uuid_or_404(task_id)).first()
    )
    if task is None:
        raise Http404
    if write and not case_changeable_by(user, task.case):
        raise PermissionDenied
    return task
