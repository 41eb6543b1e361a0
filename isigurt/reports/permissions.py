"""Who may see and change reports, their messages and their evidence: the only place deciding it.

The pattern every app copies (decision 0008):

    reports_visible_to(user)            the reports the viewer may see, as a queryset
    access_report(user, id, write=...)  one report: Http404 when the viewer may not see it (or it
                                        does not exist: the two look the same), PermissionDenied
                                        (403) when the viewer sees it but may not change it
    report_fields_for(user, report)     which fields of that report the viewer may read

and the same for the objects that hang off a report (messages, evidence). Views and API
endpoints call ``access_*`` first and hand the object to a selector (to read) or a service (to
change); services trust the object they are given and never import django.http.

Roles are turned into abilities in isigurt.accounts.permissions; this module adds the objects.
Today the helpline's operators and supervisors see every report and every field. An institution
sees only the reports of the cases referred to it (a referral that stands: not withdrawn), and
only the fields its referral shares; the thread and the pictures only when the referral shares
them (isigurt.referrals.permissions and .sharing, through ``_referred_reports``,
``_referred_fields`` and ``_referred_thread`` below). Content analysts see content items
(another app), not reports.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from isigurt.accounts import permissions as roles
from isigurt.lib.ids import uuid_or_404
from isigurt.reports.models import Evidence, Report, ReportMessage

# Every field of a report a viewer can be shown, by name. "messages" and "evidence" stand for
# the report's thread and its pictures; contact fields are the reporter's, shared sparingly.
REPORT_FIELDS: frozenset[str] = frozenset(
    {
        # The reporter's half of their credential: the helpline's, never an institution's.
        "tracking_code",
        "category",
        "status",
        "audience",
        "channel",
        "language",
        "created_at",
        "child_in_danger",
        "flagged",
        "platform",
        "urls",
        "usernames",
        "phone_numbers",
        "occurred_on",
        "affected",
        "age_band",
        "gender",
        "county",
        "municipality",
        "outside_albania",
        "description",
        "contact_method",
        "contact_value",
        "contact_consent",
        "messages",
        "evidence",
    }
)


def _referred_reports(user: Any) -> QuerySet[Report]:
    """Reports of the cases referred to the user's organisation (a standing referral)."""
    from isigurt.referrals.permissions import referred_case_ids

    return Report.objects.filter(case_origin__case_id__in=referred_case_ids(user))


def _referred_fields(user: Any, report: Report) -> frozenset[str]:
    """The fields the referral of ``report``'s case to the user's organisation shares."""
    from isigurt.referrals import sharing
    from isigurt.referrals.permissions import referred_report_groups

    groups = referred_report_groups(user, report)
    return frozenset() if groups is None else sharing.report_fields(groups)


def _referred_thread(user: Any, group: str) -> QuerySet[Report]:
    """Reports of cases whose standing referral to the user's organisation shares ``group``
    ("messages" or "evidence")."""
    from isigurt.referrals.permissions import referrals_sharing

    return Report.objects.filter(
        case_origin__case_id__in=referrals_sharing(user, group).values("case_id")
    )


# --- reports -------------------------------------------------------------------------------


def reports_visible_to(user: Any) -> QuerySet[Report]:
    """Every report the user may see (unordered; selectors order and paginate)."""
    if roles.can_read_helpline_reports(user):
        return Report.objects.all()
    return _referred_reports(user)


def can_list_reports(user: Any) -> bool:
    """Whether the user has a list of reports at all (the staff list page and its link)."""
    # Institution officers will have one once reports are referred to them.
    return roles.can_read_helpline_reports(user)


def report_fields_for(user: Any, report: Report) -> frozenset[str]:
    """The fields of ``report`` the user may read; empty when the report is not theirs to see."""
    if roles.can_read_helpline_reports(user):
        return REPORT_FIELDS
    return _referred_fields(user, report) & REPORT_FIELDS


def report_changeable_by(user: Any, report: Report) -> bool:
    """Whether the user may change the report (status, answers to the reporter)."""
    del report  # every report of the helpline is the helpline's to change
    return roles.can_change_helpline_reports(user)


def access_report(user: Any, report_id: Any, *, write: bool = False) -> Report:
    """The report, if the user may see it (and change it, with ``write``).

    Raises Http404 if it does not exist or is not the user's to see, PermissionDenied if it is
    visible but read-only for the user.
    """
    report = (
        reports_visible_to(user)
        .select_related("county", "municipality")
        .filter(pk=uuid_or_404(report_id))
        .first()
    )
    if report is None:
        raise Http404
    if write and not report_changeable_by(user, report):
        raise PermissionDenied
    return report


# --- messages ------------------------------------------------------------------------------


def report_messages_visible_to(user: Any) -> QuerySet[ReportMessage]:
    """Messages of the reports whose thread the user may read."""
    if roles.can_read_helpline_reports(user):
        return ReportMessage.objects.all()
    return ReportMessage.objects.filter(report__in=_referred_thread(user, "messages"))


def access_report_message(user: Any, message_id: Any, *, write: bool = False) -> ReportMessage:
    """One message of a report's thread: 404 if invisible, 403 if visible but read-only."""
    message = (
        report_messages_visible_to(user).select_related("report").filter(pk=uuid_or_404(message_id))
    ).first()
    if message is None:
        raise Http404
    if write and not report_changeable_by(user, message.report):
        raise PermissionDenied
    return message


# --- evidence ------------------------------------------------------------------------------


def evidence_visible_to(user: Any) -> QuerySet[Evidence]:
    """Evidence (metadata; stored pictures decrypt only through a service) the user may see."""
    if roles.can_read_helpline_reports(user):
        return Evidence.objects.all()
    return Evidence.objects.filter(report__in=_referred_thread(user, "evidence"))


def access_evidence(user: Any, evidence_id: Any, *, write: bool = False) -> Evidence:
    """One piece of evidence: 404 if invisible, 403 if visible but read-only."""
    evidence = (
        evidence_visible_to(user)
        .select_related("report")
        .filter(pk=uuid_or_404(evidence_id))
        .first()
    )
    if evidence is None:
        raise Http404
    if write and not report_changeable_by(user, evidence.report):
        raise PermissionDenied
    return evidence
