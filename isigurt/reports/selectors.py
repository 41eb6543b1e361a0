"""Reads of reports, always for a given viewer: helpline staff, or the reporter with a secret."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from isigurt.reports.models import Report, ReportMessage, ReportStatus
from isigurt.reports.services import is_helpline_user


def reports_for_helpline(*, user: Any) -> QuerySet[Report]:
    """Every report, newest first, for helpline operators and supervisors; nothing for others."""
    if not is_helpline_user(user):
        return Report.objects.none()
    return Report.objects.select_related("county", "municipality").order_by("-created_at")


def report_for_helpline(*, user: Any, report_id: Any, request: Any = None) -> Report:
    """One report for helpline staff, with the read written to the audit log; Http404 otherwise."""
    from isigurt.audit.services import audit_read

    try:
        pk = uuid.UUID(str(report_id))
    except ValueError:
        raise Http404 from None
    report = reports_for_helpline(user=user).filter(pk=pk).first()
    if report is None:
        raise Http404
    audit_read(actor=user, target=report, request=request)
    return report


def report_messages(*, report: Report) -> list[ReportMessage]:
    """The report's thread, oldest first (bodies decrypt on access)."""
    return list(report.messages.order_by("created_at"))


def report_public_status(*, report: Report) -> dict[str, Any]:
    """What the reporter sees with code and secret: status, last update, the thread.

    Staff are never named: a helpline message shows as from "the helpline".
    """
    return {
        "tracking_code": report.display_code,
        "category": report.category,
        "status": report.status,
        "status_label": str(ReportStatus(report.status).label),
        "created_at": report.created_at,
        "updated_at": report.updated_at,
        "messages": [
            {
                "from_helpline": message.from_helpline,
                "kind": message.kind,
                "body": message.body,
                "created_at": message.created_at,
            }
            for message in report_messages(report=report)
        ],
        "evidence_count": report.evidence.count(),
    }
