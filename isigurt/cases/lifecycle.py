"""A case's status, and what the reporter sees of it: the one function that moves a case.

The reporter follows the report, not the case, through the tracking code; so when a case
moves, the reports it was opened from move with it (``REPORT_STATUS_FOR``). Both apps that move
cases (cases itself, and referrals when a case is referred or an institution answers) call
``case_move`` inside their own transaction; it writes the timeline event and the audit entries.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from isigurt.audit.services import audit_record
from isigurt.cases.models import Case, CaseEventKind, CaseStatus
from isigurt.cases.timeline import case_event_record
from isigurt.reports.models import Report, ReportStatus

# What a reporter reads on the tracking page while the case is in each status.
REPORT_STATUS_FOR: dict[str, str] = {
    CaseStatus.NEW: ReportStatus.IN_REVIEW,
    CaseStatus.TRIAGED: ReportStatus.IN_REVIEW,
    CaseStatus.IN_PROGRESS: ReportStatus.IN_REVIEW,
    CaseStatus.REFERRED: ReportStatus.ACTION_TAKEN,
    CaseStatus.WAITING: ReportStatus.ACTION_TAKEN,
    CaseStatus.CLOSED: ReportStatus.CLOSED,
}


def case_reports_follow(*, case: Case, actor: Any) -> int:
    """Move the reports of ``case`` to the status a reporter should read; returns how many
    changed (each audited as a status change by ``actor``)."""
    wanted = REPORT_STATUS_FOR[case.status]
    reports = list(
        Report.objects.filter(case_origin__case=case).exclude(status=wanted).only("id", "status")
    )
    now = timezone.now()
    for report in reports:
        Report.objects.filter(pk=report.pk).update(status=wanted, updated_at=now)
        audit_record(actor=actor, action="report.status_changed", target=report, fields=["status"])
    return len(reports)


def case_move(
    *,
    case: Case,
    status: str,
    actor: Any,
    outcome: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
    reports_follow: bool = True,
) -> bool:
    """Set ``case``'s status (and outcome when closing); False when it already had it.

    Writes the STATUS_CHANGED (or CLOSED / REOPENED) event with ``note``, the audit entry, and
    moves the case's reports (unless ``reports_follow`` is False: the helpline taking a case
    back after an institution answered does not undo, for the reporter, what was done). The
    caller holds the transaction and has checked the actor may.
    """
    if status not in CaseStatus.values:
        raise ValueError(f"unknown case status {status!r}")
    if status == case.status and (status != CaseStatus.CLOSED or outcome == case.outcome):
        return False
    before = case.status
    changed = ["status"]
    case.status = status
    if status == CaseStatus.CLOSED:
        case.outcome = outcome
        case.closed_at = timezone.now()
        kind = CaseEventKind.CLOSED
    else:
        if before == CaseStatus.CLOSED:
            case.outcome = ""
            case.closed_at = None
        kind = (
            CaseEventKind.REOPENED if before == CaseStatus.CLOSED else CaseEventKind.STATUS_CHANGED
        )
    if before == CaseStatus.CLOSED or status == CaseStatus.CLOSED:
        changed += ["outcome", "closed_at"]
    case.save(update_fields=[*changed, "updated_at"])
    case_event_record(
        case=case,
        kind=kind,
        actor=actor,
        data={
            "from": before,
            "to": status,
            **({"outcome": outcome} if outcome else {}),
            **(data or {}),
        },
        text=note,
    )
    audit_record(actor=actor, action="case.status_changed", target=case, fields=changed)
    if reports_follow:
        case_reports_follow(case=case, actor=actor)
    return True
