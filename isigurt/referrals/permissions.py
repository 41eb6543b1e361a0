"""Who may see and change referrals, and what of them: the only place deciding it.

    referrals_visible_to(user)              the referrals the viewer may see, as a queryset
    access_referral(user, id, write=...)    one referral: Http404 when the viewer may not see it
                                            (or it does not exist: the two look the same),
                                            PermissionDenied (403) when visible but read-only
    access_referral_answer(user, id)        one referral the viewer's institution must answer
                                            (acknowledge, officer, update, outcome): 404 / 403
    access_referral_manage(user, id)        one referral the viewer's helpline may withdraw or
                                            ask a question on: 404 / 403
    referral_answerable_by(user, referral)  the receiving institution's officers, while open
    referral_manageable_by(user, referral)  the helpline that referred the case, while open
    referral_fields_for(user, referral)     which fields of the referral the viewer may read
    can_list_received(user)                 whether the viewer has an inbox of referrals

Roles become abilities in isigurt.accounts.permissions (HELPLINE_CASES for the helpline,
INSTITUTION_REFERRALS for the institutions). The helpline's operators and supervisors see every
referral of their own helpline's cases; an institution officer sees the referrals to their own
organisation and nothing else: never another institution's referral, even of the same case.

What an institution reads of the case and its reports follows from the referral's shared
groups (isigurt.referrals.sharing) through isigurt.cases.permissions.case_fields_for and
isigurt.reports.permissions.report_fields_for, which ask this module (``referred_reports``,
``referred_report_groups``). A withdrawn referral shares nothing: the institution still finds
it in its inbox, marked withdrawn, with its dates and nothing of the case.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from isigurt.accounts import permissions as roles
from isigurt.lib.ids import uuid_or_404
from isigurt.referrals import sharing
from isigurt.referrals.models import Referral, ReferralStatus

# Every field of a referral a viewer can be shown, by name ("updates" is the thread).
REFERRAL_FIELDS: frozenset[str] = frozenset(
    {
        "organisation",
        "status",
        "shared_fields",
        "request",
        "sent_by",
        "sent_at",
        "acknowledge_due",
        "acknowledged_at",
        "acknowledged_by",
        "officer",
        "outcome",
        "closed_at",
        "escalated_at",
        "updates",
    }
)
# What the institution still reads of a referral the helpline withdrew: that it was, and when.
WITHDRAWN_FIELDS: frozenset[str] = frozenset({"organisation", "status", "sent_at", "closed_at"})
# The helpline's own record: who sent it.
_HELPLINE_ONLY: frozenset[str] = frozenset({"sent_by", "escalated_at"})

OPEN_STATUSES = (ReferralStatus.SENT, ReferralStatus.ACKNOWLEDGED, ReferralStatus.IN_PROGRESS)


def _organisation_id(user: Any) -> Any:
    return getattr(user, "organisation_id", None)


def _is_helpline_viewer(user: Any) -> bool:
    return roles.can_read_helpline_cases(user) and _organisation_id(user) is not None


def _is_institution_viewer(user: Any) -> bool:
    return roles.can_read_received_referrals(user) and _organisation_id(user) is not None


def referrals_visible_to(user: Any) -> QuerySet[Referral]:
    """Every referral the user may see (unordered; selectors order and paginate)."""
    organisation_id = _organisation_id(user)
    if _is_helpline_viewer(user):
        visible = Referral.objects.filter(case__organisation_id=organisation_id)
        if _is_institution_viewer(user):  # not a combination the roles allow; harmless
            visible = visible | Referral.objects.filter(organisation_id=organisation_id)
        return visible
    if _is_institution_viewer(user):
        return Referral.objects.filter(organisation_id=organisation_id)
    return Referral.objects.none()


def standing_referrals_to(user: Any) -> QuerySet[Referral]:
    """Referrals to the user's institution that still share something (not withdrawn)."""
    if not _is_institution_viewer(user):
        return Referral.objects.none()
    return Referral.objects.filter(organisation_id=_organisation_id(user)).exclude(
        status=ReferralStatus.WITHDRAWN
    )


def can_list_received(user: Any) -> bool:
    """Whether the user has an inbox of referrals (the staff page, its link, the API list)."""
    return _is_institution_viewer(user)


def is_receiving_officer(user: Any, referral: Referral) -> bool:
    """The user works for the institution the referral went to."""
    return _is_institution_viewer(user) and referral.organisation_id == _organisation_id(user)


def is_referring_helpline(user: Any, referral: Referral) -> bool:
    """The user works for the helpline whose case was referred."""
    return _is_helpline_viewer(user) and referral.case.organisation_id == _organisation_id(user)


def referral_answerable_by(user: Any, referral: Referral) -> bool:
    """Acknowledge, take or assign, post an update, record the outcome: the receiving
    institution's officers, while the referral is open."""
    return (
        roles.can_answer_received_referrals(user)
        and is_receiving_officer(user, referral)
        and referral.is_open
    )


def referral_manageable_by(user: Any, referral: Referral) -> bool:
    """Withdraw it or ask the institution a question: the referring helpline, while open."""
    return (
        roles.can_change_helpline_cases(user)
        and is_referring_helpline(user, referral)
        and referral.is_open
    )


def referral_changeable_by(user: Any, referral: Referral) -> bool:
    return referral_answerable_by(user, referral) or referral_manageable_by(user, referral)


def referral_fields_for(user: Any, referral: Referral) -> frozenset[str]:
    """The fields of ``referral`` the user may read; empty when it is not theirs to see."""
    if is_referring_helpline(user, referral):
        return REFERRAL_FIELDS
    if is_receiving_officer(user, referral):
        if referral.status == ReferralStatus.WITHDRAWN:
            return WITHDRAWN_FIELDS
        return REFERRAL_FIELDS - _HELPLINE_ONLY
    return frozenset()


def access_referral(user: Any, referral_id: Any, *, write: bool = False) -> Referral:
    """The referral, if the user may see it (and act on it, with ``write``).

    Raises Http404 if it does not exist or is not the user's to see, PermissionDenied if it is
    visible but the user may not act on it (closed, withdrawn, or a read-only role).
    """
    referral = (
        referrals_visible_to(user)
        .select_related("case", "organisation", "officer", "acknowledged_by", "sent_by")
        .filter(pk=uuid_or_404(referral_id))
        .first()
    )
    if referral is None:
        raise Http404
    if write and not referral_changeable_by(user, referral):
        raise PermissionDenied
    return referral


def access_referral_answer(user: Any, referral_id: Any) -> Referral:
    """A referral the user's institution answers: 404 if invisible, 403 otherwise refused."""
    referral = access_referral(user, referral_id)
    if not referral_answerable_by(user, referral):
        raise PermissionDenied
    return referral


def access_referral_manage(user: Any, referral_id: Any) -> Referral:
    """A referral the user's helpline manages: 404 if invisible, 403 otherwise refused."""
    referral = access_referral(user, referral_id)
    if not referral_manageable_by(user, referral):
        raise PermissionDenied
    return referral


# --- what the reports app asks (isigurt.reports.permissions hooks) ------------------------


def referred_case_ids(user: Any) -> QuerySet[Any]:
    """Ids of the cases a standing referral to the user's institution lets it see."""
    return standing_referrals_to(user).values("case_id")


def referred_report_groups(user: Any, report: Any) -> set[str] | None:
    """The groups the standing referral of ``report``'s case to the user's institution shares;
    None when no such referral stands."""
    shared = list(
        standing_referrals_to(user)
        .filter(case__origins__report=report)
        .values_list("shared_fields", flat=True)
    )
    if not shared:
        return None
    return {code for fields in shared for code in fields}


def referrals_sharing(user: Any, group: str) -> QuerySet[Referral]:
    """Standing referrals to the user's institution that share ``group`` (messages, evidence).

    Group codes are plain words stored as a JSON list; the quoted code matches only itself
    (JSON containment is not available on SQLite).
    """
    if group not in sharing.SHAREABLE:
        raise ValueError(f"unknown field group {group!r}")
    return standing_referrals_to(user).filter(shared_fields__icontains=f'"{group}"')
