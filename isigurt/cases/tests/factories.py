"""Test data for cases: opened through the real services, neutral placeholders only."""

from __future__ import annotations

from typing import Any

from isigurt.cases.models import Case
from isigurt.cases.services import case_open_from_contact, case_open_from_report
from isigurt.helpline.tests.factories import logged
from isigurt.reports.tests.factories import submitted


def case_from_report(actor: Any, **report: Any) -> Case:
    """A case opened by ``actor`` from a new report (placeholder answers, overridable)."""
    return case_open_from_report(report=submitted(**report).report, actor=actor).case


def case_from_contact(actor: Any, **contact: Any) -> Case:
    """A case opened by ``actor`` from a contact ``actor`` logged."""
    return case_open_from_contact(contact=logged(actor, **contact), actor=actor).case


def fresh(case: Case) -> Case:
    return Case.objects.select_related("owner").get(pk=case.pk)
