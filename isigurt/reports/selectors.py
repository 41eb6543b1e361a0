"""Reads of reports, always for a given viewer: staff (through the access layer), or the reporter
with a secret.

Staff reads start in isigurt.reports.permissions (which report, which fields); the functions
here shape what was allowed and write the read to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from isigurt.reports.categories import categories_for_staff, category_label
from isigurt.reports.models import Evidence, Report, ReportMessage, ReportStatus
from isigurt.reports.permissions import (
    report_changeable_by,
    report_fields_for,
    reports_visible_to,
)

# Fields shown through their choice label rather than their stored value.
_CHOICE_FIELDS = ("status", "audience", "channel", "affected", "age_band", "gender")


def reports_for_staff(*, viewer: Any) -> QuerySet[Report]:
    """The reports the viewer may see, newest first (only their list columns are shown)."""
    return (
        reports_visible_to(viewer).select_related("county", "municipality").order_by("-created_at")
    )


@dataclass(frozen=True)
class StaffReport:
    """A report as one viewer may see it: only the fields the viewer may read are in ``fields``."""

    id: Any
    display_code: str
    fields: dict[str, Any]
    shared: frozenset[str]
    evidence: list[Evidence]
    thread: list[ReportMessage]
    changeable: bool


def report_for_staff(*, viewer: Any, report: Report, request: Any = None) -> StaffReport:
    """The viewer's projection of an accessed report; the read is written to the audit log."""
    from isigurt.audit.services import audit_read

    allowed = report_fields_for(viewer, report)
    fields: dict[str, Any] = {}
    for name in sorted(allowed - {"messages", "evidence"}):
        if name == "category":
            fields[name] = category_label(report.category, "adult")
            fields["categories"] = categories_for_staff(
                [report.category, *report.other_categories], report.audience
            )
        elif name in _CHOICE_FIELDS:
            fields[name] = getattr(report, f"get_{name}_display")()
        else:
            fields[name] = getattr(report, name)
    projection = StaffReport(
        id=report.pk,
        display_code=report.display_code,
        fields=fields,
        shared=allowed,
        evidence=list(report.evidence.order_by("created_at")) if "evidence" in allowed else [],
        thread=report_messages(report=report) if "messages" in allowed else [],
        changeable=report_changeable_by(viewer, report),
    )
    audit_read(actor=viewer, target=report, fields=sorted(allowed), request=request)
    return projection


def report_messages(*, report: Report) -> list[ReportMessage]:
    """The report's thread, oldest first (bodies decrypt on access)."""
    return list(report.messages.select_related("author").order_by("created_at"))


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
