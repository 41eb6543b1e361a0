"""A case's timeline: the one function every app uses to add an event to it.

Callers write inside their own transaction, with their own audit entry; the timeline is what
people read, the audit log is what proves who did it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from isigurt.cases.models import Case, CaseEvent


def case_event_record(
    *,
    case: Case,
    kind: str,
    actor: Any = None,
    data: dict[str, Any] | None = None,
    text: str = "",
    at: datetime | None = None,
) -> CaseEvent:
    """Append one event to ``case``'s timeline (``kind`` a CaseEventKind; ``data`` codes and
    identifiers only, never personal data; ``text`` what a person wrote, stored encrypted)."""
    event = CaseEvent(
        case=case,
        kind=kind,
        actor=actor if getattr(actor, "pk", None) else None,
        at=at or timezone.now(),
        data=data or {},
        text=text,
    )
    event.save(force_insert=True)
    return event
