"""Who may see what, written once: every persona over every staff URL, API operation and object.

SEES is the whole answer. Every staff URL the resolver knows and every API operation in the
OpenAPI schema must have a row in STAFF_URLS or API_OPERATIONS, so a new one without a decision
fails here. A persona answers:

    success           when SEES grants the object kind (and "write" for a change, "supervise"
                      for a change only supervisors make: a case's priority, its assignment)
    403               when the object is visible but read-only for the persona (or the change
                      is a supervisor's and the persona is not one)
    404               otherwise, exactly as for an object that does not exist
    405               for the wrong method
and on every denial nothing changed. Every link a persona is shown answers 200 for them.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib import admin
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone, translation

from isigurt.accounts.models import OrganisationType, Role
from isigurt.accounts.tests.personas import PERSONAS, make_staff_client, organisation_for
from isigurt.audit.models import AuditEntry
from isigurt.cases import permissions as case_permissions
from isigurt.cases.models import Case, CaseEvent, CaseLink, CaseTask
from isigurt.cases.services import (
    case_close,
    case_open_from_contact,
    case_take,
    case_task_add,
    case_triage,
)
from isigurt.helpline import permissions as contact_permissions
from isigurt.helpline.models import CallBack, Contact
from isigurt.helpline.services import contact_log
from isigurt.helpline.validation import ContactDraft
from isigurt.referrals import procedure_permissions
from isigurt.referrals.models import (
    GroupMeeting,
    Handoff,
    PlanMeasure,
    PlanReview,
    ProtectionPlan,
    Referral,
    ReferralStatus,
    ReferralUpdate,
)
from isigurt.referrals.tests.factories import open_case, refer
from isigurt.referrals.tests.procedure_factories import (
    days_ago,
    measure_for,
    plan_for,
    referral_to,
    tirana_unit,
)
from isigurt.reports import permissions
from isigurt.reports.models import Evidence, Report, ReportCallback, ReportMessage
from isigurt.reports.services import evidence_attach, report_add_information
from isigurt.reports.tests.factories import png_bytes, submitted

pytestmark = pytest.mark.django_db

W, R, NO = "write", "read", None
S = "supervise"  # write, and the changes only supervisors make (priority, assignment)

# What each persona may do with each kind of object (the helpline's objects, unreferred; a
# contact is the helpline's own record of a call, chat or visit, with its call-backs; a case's
# task is one of the helpline's working papers). Institutions see a case only through a
# standing referral, only its shared fields, read-only: see the tests at the end.
#                   report message evidence contact case task
SEES: dict[str, tuple[str | None, ...]] = {
    "operator": (W, W, W, W, W, W),
    "supervisor": (W, W, W, W, S, W),
    "analyst": (NO, NO, NO, NO, NO, NO),  # content items, not reports nor contacts
    "municipality_officer": (NO, NO, NO, NO, NO, NO),  # only what is referred
    "outsider": (NO, NO, NO, NO, NO, NO),
    "police_officer": (NO, NO, NO, NO, NO, NO),
    "blocking_officer": (NO, NO, NO, NO, NO, NO),
    "stats_viewer": (NO, NO, NO, NO, NO, NO),  # aggregates only
    "editor": (NO, NO, NO, NO, NO, NO),
    "trainer": (NO, NO, NO, NO, NO, NO),
    "youth_coordinator": (NO, NO, NO, NO, NO, NO),
    "platform_admin": (NO, NO, NO, NO, NO, NO),  # manages accounts, not cases
    "no_role": (NO, NO, NO, NO, NO, NO),
}
KINDS = ("report", "message", "evidence", "contact", "case", "task")
# The lists and the new-object pages: which kind of object they are about.
LISTS = {
    "report list": "report",
    "contact list": "contact",
    "contact log": "contact",
    "case list": "case",
    "case from report": "case",
    "case from contact": "case",
}
# Cases in another state than the fixture's main one, and changes only supervisors make.
CASE_KINDS = {
    "closed case": "case",
    "free case": "case",
    "case supervision": "case",
    "case link": "case",
    "case merge": "case",
}
# The object each kind of URL names, and its argument.
URL_OBJECTS = {
    "report": ("report", "report_id"),
    "evidence": ("evidence", "evidence_id"),
    "contact": ("contact", "contact_id"),
    "case": ("case", "case_id"),
    "case supervision": ("case", "case_id"),
    "closed case": ("closed_case", "case_id"),
    "free case": ("free_case", "case_id"),
    "task": ("task", "task_id"),
    "case from report": ("report", "report_id"),
    "case from contact": ("contact", "contact_id"),
}

# Referrals: a case referred to the child protection unit of Tiranë (the municipality
# officer's institution). "referral" is its page and what the institution does with it,
# "referral (helpline)" what the helpline does after sending (withdraw, ask), "referral inbox"
# an institution's list (each institution has its own, perhaps empty), "case referrals" the
# helpline's page for referring the case. The reports, messages and evidence of that case are
# tested for every persona in isigurt/referrals/tests/test_access.py.
#                         referral  (helpline)  inbox  case referrals
REFERRAL_SEES: dict[str, tuple[str | None, str | None, str | None, str | None]] = {
    "operator": (R, W, NO, W),
    "supervisor": (R, W, NO, W),
    "analyst": (NO, NO, NO, NO),
    "municipality_officer": (W, R, R, R),  # sees the case through the referral, read-only
    "outsider": (NO, NO, R, NO),  # another unit: its own inbox, nothing of this referral
    "police_officer": (NO, NO, R, NO),
    "blocking_officer": (NO, NO, NO, NO),
    "stats_viewer": (NO, NO, NO, NO),
    "editor": (NO, NO, NO, NO),
    "trainer": (NO, NO, NO, NO),
    "youth_coordinator": (NO, NO, NO, NO),
    "platform_admin": (NO, NO, NO, NO),
    "no_role": (NO, NO, NO, NO),
}
REFERRAL_KINDS = ("referral", "referral (helpline)", "referral inbox", "case referrals")
# The procedure of a case of ALO 116 referred to the child protection unit of Tiranë, and a
# measure of its plan: the unit records it, the referring helpline reads a summary.
PROCEDURE_SEES: dict[str, str | None] = {persona: NO for persona in SEES} | {
    "municipality_officer": W,
    "operator": R,
    "supervisor": R,
}
PROCEDURE_KINDS = ("procedure", "measure")

# Every staff page: (method, the object it is about or None, whether it changes something,
# the success status). Pages about no object are for every signed-in persona, except the list.
STAFF_URLS: dict[str, tuple[str, str | None, bool, int]] = {
    "accounts:login": ("get", None, False, 302),  # already signed in: on to the staff home
    "accounts:verify": ("get", None, False, 302),  # already verified: on to the staff home
    "accounts:enrol": ("get", None, False, 302),
    "accounts:logout": ("post", None, True, 302),
    "accounts:home": ("get", None, False, 200),
    "reports:staff_list": ("get", "report list", False, 200),
    "reports:staff_detail": ("get", "report", False, 200),
    "reports:staff_danger_count": ("get", "report list", False, 200),
    "reports:staff_status": ("post", "report", True, 302),
    "reports:staff_reply": ("post", "report", True, 302),
    "reports:staff_acknowledge": ("post", "report", True, 302),
    "reports:staff_callback": ("post", "report", True, 302),
    "reports:evidence_download": ("get", "evidence", False, 200),
    "helpline:contact_list": ("get", "contact list", False, 200),
    "helpline:contact_new": ("post", "contact log", True, 302),
    "helpline:contact_detail": ("get", "contact", False, 200),
    "helpline:contact_edit": ("post", "contact", True, 302),
    "helpline:contact_callback": ("post", "contact", True, 302),
    "cases:case_queue": ("get", "case list", False, 200),
    "cases:case_mine": ("get", "case list", False, 200),
    "cases:case_open_report": ("post", "case from report", True, 302),
    "cases:case_open_contact": ("post", "case from contact", True, 302),
    "cases:case_detail": ("get", "case", False, 200),
    "cases:case_triage": ("post", "case", True, 302),
    "cases:case_priority": ("post", "case supervision", True, 302),
    "cases:case_take": ("post", "free case", True, 302),
    "cases:case_assign": ("post", "case supervision", True, 302),
    "cases:case_handover": ("post", "case", True, 302),
    "cases:case_status": ("post", "case", True, 302),
    "cases:case_close": ("post", "case", True, 302),
    "cases:case_reopen": ("post", "closed case", True, 302),
    "cases:case_note": ("post", "case", True, 302),
    "cases:case_summary": ("post", "case", True, 302),
    "cases:case_task_add": ("post", "case", True, 302),
    "cases:case_task_done": ("post", "task", True, 302),
    # A link the automatic matching suggested between the case and the free case, and the
    # merge of the free case into the case (its page, then the POST that merges).
    "cases:link_confirm": ("post", "case link", True, 302),
    "cases:link_dismiss": ("post", "case link", True, 302),
    "cases:merge": ("get", "case merge", False, 200),
    "referrals:inbox": ("get", "referral inbox", False, 200),
    "referrals:detail": ("get", "referral", False, 200),
    "referrals:acknowledge": ("post", "referral", True, 302),
    "referrals:officer": ("post", "referral", True, 302),
    "referrals:update": ("post", "referral", True, 302),
    "referrals:outcome": ("post", "referral", True, 302),
    "referrals:withdraw": ("post", "referral (helpline)", True, 302),
    "referrals:question": ("post", "referral (helpline)", True, 302),
    "referrals:case": ("post", "case referrals", True, 302),
    "referrals:procedure": ("get", "procedure", False, 200),
    "referrals:procedure_worker": ("post", "procedure", True, 302),
    "referrals:procedure_meeting": ("post", "procedure", True, 302),
    "referrals:procedure_plan": ("post", "procedure", True, 302),
    "referrals:procedure_measure_add": ("post", "procedure", True, 302),
    "referrals:procedure_measure": ("post", "measure", True, 302),
    "referrals:procedure_review": ("post", "procedure", True, 302),
    "referrals:procedure_handoff": ("post", "procedure", True, 302),
}
CONTACT_FORM = {
    "channel": "chat",
    "caller": "child",
    "issues": ["online.cyberbullying"],
    "actions": ["counselling"],
    "summary": "Placeholder summary.",
    "duration": "4:30",
}
POST_DATA = {
    "reports:staff_status": {"status": "in_review"},
    "reports:staff_reply": {"body": "Placeholder answer."},
    "reports:staff_callback": {
        "called_at": (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "outcome": "no_answer",
    },
    "helpline:contact_new": CONTACT_FORM,
    "helpline:contact_edit": {**CONTACT_FORM, "summary": "Another placeholder summary."},
    "helpline:contact_callback": {"outcome": "no_answer"},
    "cases:case_triage": {"reasons": ["operator"]},
    "cases:case_priority": {"priority": "1", "reason": "Placeholder reason."},
    "cases:case_assign": {"owner": "persona.operator"},
    "cases:case_handover": {"to": "persona.supervisor", "note": "Placeholder handover note."},
    "cases:case_status": {"status": "in_progress"},
    "cases:case_close": {"outcome": "supported"},
    "cases:case_reopen": {"note": "Placeholder reason."},
    "cases:case_note": {"text": "Placeholder note."},
    "cases:case_summary": {"summary": "Placeholder summary of the case."},
    "cases:case_task_add": {"title": "Placeholder task."},
    "cases:merge": {"survivor": "this"},
    "referrals:update": {"text": "Placeholder update."},
    "referrals:outcome": {"outcome": "support_given"},
    "referrals:withdraw": {"text": ""},
    "referrals:question": {"text": "Placeholder question."},
    # Refer the case to the police too (the institution's id is known once it exists).
    "referrals:case": lambda objects: {f"to_{objects['police'].pk}": "on"},
    "referrals:procedure_worker": {"worker-worker": "persona.cpu.tirana"},
    "referrals:procedure_meeting": {
        "meeting-held_on": days_ago(1).isoformat(),
        "meeting-sectors": ["social", "education"],
    },
    "referrals:procedure_plan": {
        "plan-approved_on": days_ago(20).isoformat(),
        "plan-status": "active",
        "plan-next_review_on": days_ago(-45).isoformat(),
    },
    "referrals:procedure_measure_add": {
        "measure-sector": "health",
        "measure-description": "Placeholder measure.",
    },
    "referrals:procedure_measure": {"status": "done"},
    "referrals:procedure_review": {
        "review-reviewed_on": days_ago(1).isoformat(),
        "review-next_review_on": days_ago(-60).isoformat(),
    },
    "referrals:procedure_handoff": {"handoff-to": "court", "handoff-on": days_ago(1).isoformat()},
}
# Pages that also answer GET (a form, or the way back after a login): the wrong method is PUT.
GET_AND_POST = {
    "cases:merge",
    "accounts:login",
    "accounts:verify",
    "accounts:enrol",
    "reports:staff_status",
    "reports:staff_reply",
    "reports:staff_acknowledge",
    "reports:staff_callback",
    "helpline:contact_new",
    "helpline:contact_edit",
    "helpline:contact_callback",
    *(name for name, row in STAFF_URLS.items() if name.startswith("cases:") and row[0] == "post"),
    "referrals:acknowledge",
    "referrals:officer",
    "referrals:update",
    "referrals:outcome",
    "referrals:withdraw",
    "referrals:question",
    "referrals:case",
    "referrals:procedure_worker",
    "referrals:procedure_meeting",
    "referrals:procedure_plan",
    "referrals:procedure_measure_add",
    "referrals:procedure_measure",
    "referrals:procedure_review",
    "referrals:procedure_handoff",
}
# Every API operation. Public ones let a reporter in with their code and secret (or file a
# report), or give reference data; a staff session must add nothing to them. Staff operations
# list the object kind, whether they change it and the success status, like STAFF_URLS.
API_OPERATIONS: dict[tuple[str, str], str | tuple[str, bool, int]] = {
    ("get", "/api/v1/geography"): "public",
    ("get", "/api/v1/categories"): "public",
    ("post", "/api/v1/reports"): "public",
    ("get", "/api/v1/reports/{tracking_code}"): "public",
    ("post", "/api/v1/reports/{tracking_code}/messages"): "public",
    ("post", "/api/v1/reports/{tracking_code}/information"): "public",
    ("post", "/api/v1/reports/{tracking_code}/evidence"): "public",
    ("get", "/api/v1/helpline/taxonomy"): "public",
    ("get", "/api/v1/helpline/contacts"): ("contact list", False, 200),
    ("post", "/api/v1/helpline/contacts"): ("contact log", True, 201),
    ("get", "/api/v1/helpline/contacts/{contact_id}"): ("contact", False, 200),
    ("get", "/api/v1/cases"): ("case list", False, 200),
    ("post", "/api/v1/cases"): ("case from report", True, 201),
    ("get", "/api/v1/cases/{case_id}"): ("case", False, 200),
    ("post", "/api/v1/cases/{case_id}/triage"): ("case", True, 200),
    ("post", "/api/v1/cases/{case_id}/priority"): ("case supervision", True, 200),
    ("post", "/api/v1/cases/{case_id}/take"): ("free case", True, 200),
    ("post", "/api/v1/cases/{case_id}/assign"): ("case supervision", True, 200),
    ("post", "/api/v1/cases/{case_id}/handover"): ("case", True, 200),
    ("post", "/api/v1/cases/{case_id}/status"): ("case", True, 200),
    ("post", "/api/v1/cases/{case_id}/close"): ("case", True, 200),
    ("post", "/api/v1/cases/{case_id}/reopen"): ("closed case", True, 200),
    ("post", "/api/v1/cases/{case_id}/summary"): ("case", True, 200),
    ("post", "/api/v1/cases/{case_id}/notes"): ("case", True, 201),
    ("post", "/api/v1/cases/{case_id}/tasks"): ("case", True, 201),
    ("post", "/api/v1/cases/tasks/{task_id}/done"): ("task", True, 200),
    ("get", "/api/v1/referrals"): ("referral inbox", False, 200),
    ("get", "/api/v1/referrals/{referral_id}"): ("referral", False, 200),
    ("post", "/api/v1/referrals/{referral_id}/acknowledge"): ("referral", True, 200),
    ("post", "/api/v1/referrals/{referral_id}/updates"): ("referral", True, 201),
    ("post", "/api/v1/referrals/{referral_id}/outcome"): ("referral", True, 200),
    ("post", "/api/v1/referrals/{referral_id}/withdraw"): ("referral (helpline)", True, 200),
    # The helpline's list of a case's referrals: an institution seeing the case gets 403.
    ("get", "/api/v1/referrals/cases/{case_id}"): ("case referrals", True, 200),
    ("post", "/api/v1/referrals/cases/{case_id}"): ("case referrals", True, 201),
    ("get", "/api/v1/referrals/{referral_id}/procedure"): ("procedure", False, 200),
    ("put", "/api/v1/referrals/{referral_id}/procedure/worker"): ("procedure", True, 200),
    ("post", "/api/v1/referrals/{referral_id}/procedure/meetings"): ("procedure", True, 201),
    ("put", "/api/v1/referrals/{referral_id}/procedure/plan"): ("procedure", True, 200),
    ("post", "/api/v1/referrals/{referral_id}/procedure/plan/measures"): ("procedure", True, 201),
    ("patch", "/api/v1/referrals/{referral_id}/procedure/plan/measures/{measure_id}"): (
        "measure",
        True,
        200,
    ),
    ("post", "/api/v1/referrals/{referral_id}/procedure/plan/reviews"): ("procedure", True, 201),
    ("post", "/api/v1/referrals/{referral_id}/procedure/handoffs"): ("procedure", True, 201),
}
# Bodies of the staff operations that take one (a function of the objects where it names one).
API_BODIES: dict[tuple[str, str], Any] = {
    ("post", "/api/v1/helpline/contacts"): {
        "channel": "call",
        "issues": ["online.grooming"],
        "duration_seconds": 300,
    },
    ("post", "/api/v1/cases"): lambda objects: {"report_code": objects["report"].tracking_code},
    ("post", "/api/v1/cases/{case_id}/triage"): {"reasons": ["operator"]},
    ("post", "/api/v1/cases/{case_id}/priority"): {"priority": 1, "reason": "Placeholder."},
    ("post", "/api/v1/cases/{case_id}/assign"): {"owner": "persona.operator"},
    ("post", "/api/v1/cases/{case_id}/handover"): {
        "to": "persona.supervisor",
        "note": "Placeholder handover note.",
    },
    ("post", "/api/v1/cases/{case_id}/status"): {"status": "in_progress"},
    ("post", "/api/v1/cases/{case_id}/close"): {"outcome": "supported"},
    ("post", "/api/v1/cases/{case_id}/reopen"): {"note": "Placeholder reason."},
    ("post", "/api/v1/cases/{case_id}/summary"): {"summary": "Placeholder summary."},
    ("post", "/api/v1/cases/{case_id}/notes"): {"text": "Placeholder note."},
    ("post", "/api/v1/cases/{case_id}/tasks"): {"title": "Placeholder task."},
    ("post", "/api/v1/referrals/{referral_id}/updates"): {"text": "Placeholder update."},
    ("post", "/api/v1/referrals/{referral_id}/outcome"): {"outcome": "support_given"},
    ("post", "/api/v1/referrals/{referral_id}/withdraw"): {"text": ""},
    ("post", "/api/v1/referrals/cases/{case_id}"): lambda objects: {
        "recipients": [{"organisation_id": objects["police"].pk}]
    },
    ("put", "/api/v1/referrals/{referral_id}/procedure/worker"): {"worker": "persona.cpu.tirana"},
    ("post", "/api/v1/referrals/{referral_id}/procedure/meetings"): {
        "held_on": days_ago(2).isoformat(),
        "sectors": ["health"],
    },
    ("put", "/api/v1/referrals/{referral_id}/procedure/plan"): {
        "approved_on": days_ago(20).isoformat(),
        "next_review_on": days_ago(-30).isoformat(),
    },
    ("post", "/api/v1/referrals/{referral_id}/procedure/plan/measures"): {
        "sector": "education",
        "description": "Placeholder measure.",
    },
    ("patch", "/api/v1/referrals/{referral_id}/procedure/plan/measures/{measure_id}"): {
        "status": "under_way"
    },
    ("post", "/api/v1/referrals/{referral_id}/procedure/plan/reviews"): {
        "reviewed_on": days_ago(1).isoformat(),
        "next_review_on": days_ago(-60).isoformat(),
    },
    ("post", "/api/v1/referrals/{referral_id}/procedure/handoffs"): {
        "to": "prosecution",
        "on": days_ago(1).isoformat(),
    },
}


def post_data(name: str, objects: dict[str, Any]) -> dict[str, Any]:
    data = POST_DATA.get(name, {})
    return data(objects) if callable(data) else data


def api_body(key: tuple[str, str], objects: dict[str, Any]) -> dict[str, Any] | None:
    body = API_BODIES.get(key)
    return body(objects) if callable(body) else body


@pytest.fixture(autouse=True)
def _evidence_root(tmp_path, settings):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    cache.clear()


def _contact(operator: Any, **values: Any) -> Contact:
    data = {"channel": "call", "issues": ["peers.friendship"], "duration_seconds": 120}
    return contact_log(draft=ContactDraft.model_validate({**data, **values}), actor=operator)


@pytest.fixture
def objects(operator, supervisor, municipality_officer) -> dict[str, Any]:
    # A child in danger now and a reporter who asked for a call: every staff action applies.
    report = submitted(
        category="bullying",
        child_in_danger=True,
        contact_method="phone",
        contact_value="069 123 4567",
        contact_consent=True,
    ).report
    contact = contact_log(
        draft=ContactDraft.model_validate(
            {
                "channel": "call",
                "issues": ["peers.friendship"],
                "actions": ["callback"],
                "caller_phone": "069 000 0000",
                "summary": "Placeholder summary.",
                "duration_seconds": 120,
            }
        ),
        actor=operator,
    )
    # The contact's case: triaged, followed by the operator, with a task. Another case is
    # closed (to reopen), a third followed by nobody (to take). The report has no case yet.
    case = case_open_from_contact(contact=contact, actor=operator).case
    case_triage(case=case, actor=operator)
    case_take(case=case, actor=operator)
    closed_case = case_open_from_contact(contact=_contact(operator), actor=operator).case
    case_close(case=closed_case, actor=operator, outcome="supported")
    free_case = case_open_from_contact(contact=_contact(operator), actor=operator).case
    # Another report's case, referred to the municipality officer's unit.
    referred_case = open_case(operator)
    referral = refer(referred_case, municipality_officer.organisation, operator)
    # A third referral to the unit, with its procedure: a plan and one of its measures.
    procedure = referral_to(tirana_unit(), sent_by=operator)
    plan = plan_for(procedure, municipality_officer, approved_on=days_ago(20))
    return {
        "report": report,
        "message": report_add_information(report=report, text="Placeholder detail."),
        "evidence": evidence_attach(report=report, data=png_bytes()),
        "contact": contact,
        "case": case,
        "closed_case": closed_case,
        "free_case": free_case,
        "task": case_task_add(case=case, actor=operator, title="Placeholder task."),
        "link": CaseLink.objects.create(
            first=min(case, free_case, key=lambda c: c.pk),
            second=max(case, free_case, key=lambda c: c.pk),
            shared=["username"],
        ),
        "referred_case": referred_case,
        "referral": referral,
        "police": organisation_for("Policia", OrganisationType.POLICE),
        "procedure": procedure,
        "measure": measure_for(plan),
    }


def _walk(patterns: list[Any], namespace: str = "") -> list[tuple[str, str]]:
    found = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}{pattern.namespace}:"
            found += [
                (name, str(pattern.pattern) + route)
                for name, route in _walk(pattern.url_patterns, inner)
            ]
        elif isinstance(pattern, URLPattern) and pattern.name:
            found.append((namespace + pattern.name, str(pattern.pattern)))
    return found


def staff_url_names() -> set[str]:
    """Every named URL under the staff area (in English: /en/staff/...)."""
    with translation.override("en"):
        routes = _walk(get_resolver().url_patterns)
    return {name for name, route in routes if route.lstrip("^").startswith("en/staff/")}


def admin_url_names() -> set[str]:
    names = {name for name, _route in _walk(get_resolver().url_patterns)}
    return {name for name in names if name.startswith("admin:")}


def url_for(name: str, objects: dict[str, Any]) -> str:
    kind = STAFF_URLS[name][1]
    kwargs = {}
    if kind in URL_OBJECTS:
        key, argument = URL_OBJECTS[kind]
        kwargs = {argument: objects[key].pk}
    elif kind == "case link":
        kwargs = {"case_id": objects["case"].pk, "link_id": objects["link"].pk}
    elif kind == "case merge":
        kwargs = {"case_id": objects["case"].pk, "other_id": objects["free_case"].pk}
    elif kind in ("referral", "referral (helpline)"):
        kwargs = {"referral_id": objects["referral"].pk}
    elif kind == "case referrals":
        kwargs = {"case_id": objects["referred_case"].pk}
    elif kind == "procedure":
        kwargs = {"referral_id": objects["procedure"].pk}
    elif kind == "measure":
        kwargs = {"referral_id": objects["procedure"].pk, "measure_id": objects["measure"].pk}
    return reverse(name, kwargs=kwargs)


def expected(persona: str, name: str) -> int:
    _method, kind, changes, success = STAFF_URLS[name]
    return expected_for(persona, kind, changes, success)


def expected_for(persona: str, kind: str | None, changes: bool, success: int) -> int:
    if kind is None:
        return success
    if kind in PROCEDURE_KINDS:
        grant = PROCEDURE_SEES[persona]
        if grant is None:
            return 404
        return 403 if changes and grant != W else success
    if kind in REFERRAL_KINDS:
        grant = REFERRAL_SEES[persona][REFERRAL_KINDS.index(kind)]
        if grant is None:
            return 404
        return 403 if changes and grant != W else success
    grant = SEES[persona][KINDS.index(LISTS.get(kind) or CASE_KINDS.get(kind) or kind)]
    if grant is None:
        return 404
    if kind == "case supervision":
        return success if grant == S else 403
    if changes and grant not in (W, S):
        return 403
    return success


def snapshot(objects: dict[str, Any]) -> tuple[Any, ...]:
    report = Report.objects.get(pk=objects["report"].pk)
    contact = Contact.objects.get(pk=objects["contact"].pk)
    case = Case.objects.get(pk=objects["case"].pk)
    return (
        Case.objects.count(),
        case.status,
        case.priority,
        case.priority_reasons,
        case.owner_id,
        case.summary,
        CaseEvent.objects.count(),
        CaseTask.objects.count(),
        CaseTask.objects.filter(done_at__isnull=False).count(),
        Case.objects.get(pk=objects["closed_case"].pk).status,
        Case.objects.get(pk=objects["free_case"].pk).owner_id,
        Case.objects.get(pk=objects["free_case"].pk).merged_into_id,
        tuple(CaseLink.objects.order_by("pk").values_list("status", flat=True)),
        report.status,
        report.danger_acknowledged_at,
        ReportMessage.objects.filter(report=report).count(),
        Evidence.objects.filter(report=report).count(),
        ReportCallback.objects.filter(report=report).count(),
        Contact.objects.count(),
        contact.summary,
        contact.channel,
        CallBack.objects.filter(contact=contact).exclude(outcome="").count(),
        tuple(Referral.objects.order_by("pk").values_list("pk", "status", "officer_id")),
        ReferralUpdate.objects.count(),
        GroupMeeting.objects.count(),
        list(ProtectionPlan.objects.values_list("approved_on", "status", "next_review_on")),
        list(PlanMeasure.objects.values_list("status", flat=True)),
        PlanReview.objects.count(),
        Handoff.objects.count(),
    )


def test_every_role_has_a_persona(request):
    held = set()
    for persona in PERSONAS:
        held |= request.getfixturevalue(persona).role_set()
    assert held == set(Role.values)
    assert set(SEES) == set(PERSONAS) == set(REFERRAL_SEES)


def test_every_staff_url_has_a_row_in_the_table():
    assert staff_url_names() == set(STAFF_URLS)


def test_every_api_operation_has_a_row_in_the_table(client):
    schema = client.get("/api/v1/openapi.json").json()
    operations = {(m, path) for path, methods in schema["paths"].items() for m in methods}
    assert operations == set(API_OPERATIONS)
    staff = {key for key, op in _operations(client).items() if op.get("security")}
    assert staff == {key for key, kind in API_OPERATIONS.items() if kind != "public"}


def _operations(client: Client) -> dict[tuple[str, str], dict[str, Any]]:
    schema = client.get("/api/v1/openapi.json").json()
    return {(m, path): op for path, methods in schema["paths"].items() for m, op in methods.items()}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(STAFF_URLS))
def test_each_persona_gets_exactly_what_the_table_says(
    request, staff_client, objects, persona, name
):
    user = request.getfixturevalue(persona)
    method = STAFF_URLS[name][0]
    before = snapshot(objects)
    response = getattr(staff_client(user), method)(url_for(name, objects), post_data(name, objects))
    want = expected(persona, name)
    assert response.status_code == want, (persona, name)
    if want >= 400 or not STAFF_URLS[name][2]:
        assert snapshot(objects) == before, (persona, name)


@pytest.mark.parametrize("name", sorted(STAFF_URLS))
def test_the_wrong_method_answers_405_and_changes_nothing(staff_client, operator, objects, name):
    method = STAFF_URLS[name][0]
    wrong = "put" if name in GET_AND_POST else "post" if method == "get" else "get"
    before = snapshot(objects)
    response = getattr(staff_client(operator), wrong)(url_for(name, objects))
    assert response.status_code == 405, name
    assert snapshot(objects) == before


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_access_functions_agree_with_the_table(request, objects, persona):
    user = request.getfixturevalue(persona)
    functions = {
        "report": (permissions.access_report, permissions.reports_visible_to),
        "message": (permissions.access_report_message, permissions.report_messages_visible_to),
        "evidence": (permissions.access_evidence, permissions.evidence_visible_to),
        "contact": (
            contact_permissions.access_contact,
            contact_permissions.contacts_visible_to,
        ),
        "case": (case_permissions.access_case, case_permissions.cases_visible_to),
        "task": (case_permissions.access_case_task, case_permissions.case_tasks_visible_to),
    }
    case_grant = SEES[persona][KINDS.index("case")]
    supervised = objects["case"].pk
    if case_grant is None:
        with pytest.raises(Http404):
            case_permissions.access_case_supervision(user, supervised)
    elif case_grant == S:
        assert case_permissions.access_case_supervision(user, supervised).pk == supervised
    else:
        with pytest.raises(PermissionDenied):
            case_permissions.access_case_supervision(user, supervised)
    for kind, (access, visible) in functions.items():
        grant = SEES[persona][KINDS.index(kind)]
        target = objects[kind]
        assert visible(user).filter(pk=target.pk).exists() == (grant is not None), (persona, kind)
        if grant is None:
            for write in (False, True):
                with pytest.raises(Http404):
                    access(user, target.pk, write=write)
            continue
        assert access(user, target.pk) == target
        if grant in (W, S):
            assert access(user, target.pk, write=True) == target
        else:
            with pytest.raises(PermissionDenied):
                access(user, target.pk, write=True)
        with pytest.raises(Http404):  # a missing object looks like an invisible one
            access(user, uuid.uuid4())
        with pytest.raises(Http404):
            access(user, "not-an-id")


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_staff_session_adds_nothing_to_the_public_api(request, client, objects, persona):
    session = make_staff_client(request.getfixturevalue(persona))
    code = objects["report"].tracking_code
    before = snapshot(objects)
    for (method, path), kind in API_OPERATIONS.items():
        if kind != "public" or "{tracking_code}" not in path:
            continue
        url = path.replace("{tracking_code}", code)
        cache.clear()
        anonymous = getattr(client, method)(url)
        cache.clear()
        staff = getattr(session, method)(url)
        assert staff.status_code == anonymous.status_code, (persona, method, path)
        assert staff.status_code >= 400, (persona, method, path)
    assert snapshot(objects) == before


def _api_url(path: str, objects: dict[str, Any], kind: str | None = None) -> str:
    case = URL_OBJECTS.get(kind or "case", ("case", ""))[0]
    if kind == "case referrals":
        case = "referred_case"
    elif case not in ("case", "closed_case", "free_case"):
        case = "case"
    referral = "procedure" if "/procedure" in path else "referral"
    return (
        path.replace("{contact_id}", str(objects["contact"].pk))
        .replace("{referral_id}", str(objects[referral].pk))
        .replace("{measure_id}", str(objects["measure"].pk))
        .replace("{case_id}", str(objects[case].pk))
        .replace("{task_id}", str(objects["task"].pk))
    )


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_gets_exactly_what_the_table_says_in_the_api(request, objects, persona):
    session = make_staff_client(request.getfixturevalue(persona))
    for (method, path), row in API_OPERATIONS.items():
        if row == "public":
            continue
        kind, changes, success = row
        before = snapshot(objects)
        body = api_body((method, path), objects)
        url = _api_url(path, objects, kind)
        if body is None:
            response = getattr(session, method)(url)
        else:
            response = getattr(session, method)(url, body, content_type="application/json")
        want = expected_for(persona, kind, changes, success)
        assert response.status_code == want, (persona, method, path, response.content[:200])
        assert response["Content-Type"].startswith("application/json")
        if want >= 400:
            assert response.json()["detail"], (persona, method, path)
            assert snapshot(objects) == before, (persona, method, path)


def test_guessed_ids_answer_404_everywhere(staff_client, operator, objects):
    """A well-formed id that names nothing looks exactly like another helpline's object."""
    client = staff_client(operator)
    for name, (method, kind, _changes, _success) in STAFF_URLS.items():
        if kind not in URL_OBJECTS:
            continue
        url = reverse(name, kwargs={URL_OBJECTS[kind][1]: uuid.uuid4()})
        assert getattr(client, method)(url, POST_DATA.get(name, {})).status_code == 404, name
    for (method, path), row in API_OPERATIONS.items():
        if row == "public" or "_id}" not in path:
            continue
        guessed = (
            path.replace("{contact_id}", str(uuid.uuid4()))
            .replace("{case_id}", str(uuid.uuid4()))
            .replace("{task_id}", str(uuid.uuid4()))
            .replace("{referral_id}", str(uuid.uuid4()))
            .replace("{measure_id}", str(uuid.uuid4()))
        )
        body = api_body((method, path), objects)
        if body is None:
            response = getattr(client, method)(guessed)
        else:
            response = getattr(client, method)(guessed, body, content_type="application/json")
        assert response.status_code == 404, path


def test_guessed_procedure_ids_answer_404_everywhere(staff_client, municipality_officer, objects):
    """The unit guessing another referral's or measure's id finds what a missing one gives."""
    client = staff_client(municipality_officer)
    for name, (method, kind, _changes, _success) in STAFF_URLS.items():
        if kind not in PROCEDURE_KINDS:
            continue
        kwargs = {"referral_id": uuid.uuid4()}
        if kind == "measure":
            kwargs["measure_id"] = uuid.uuid4()
        guessed = reverse(name, kwargs=kwargs)
        assert getattr(client, method)(guessed, POST_DATA.get(name, {})).status_code == 404, name
        if kind == "measure":  # a real measure named under another (guessed) referral
            kwargs["measure_id"] = objects["measure"].pk
            assert client.post(reverse(name, kwargs=kwargs), POST_DATA[name]).status_code == 404
    for (method, path), row in API_OPERATIONS.items():
        if row == "public" or row[0] not in PROCEDURE_KINDS:
            continue
        guessed = path.replace("{referral_id}", str(uuid.uuid4())).replace(
            "{measure_id}", str(uuid.uuid4())
        )
        body = api_body((method, path), objects)
        if body is None:
            response = getattr(client, method)(guessed)
        else:
            response = getattr(client, method)(guessed, body, content_type="application/json")
        assert response.status_code == 404, path


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_procedure_access_functions_agree_with_the_table(request, objects, persona):
    user = request.getfixturevalue(persona)
    grant = PROCEDURE_SEES[persona]
    referral, measure = objects["procedure"], objects["measure"]
    visible = procedure_permissions.procedure_referrals_visible_to(user)
    assert visible.filter(pk=referral.pk).exists() == (grant is not None), persona
    for access, target in (
        (procedure_permissions.access_procedure, referral),
        (procedure_permissions.access_plan_measure, measure),
    ):
        if grant is None:
            for write in (False, True):
                with pytest.raises(Http404):
                    access(user, target.pk, write=write)
            continue
        assert access(user, target.pk) == target
        if grant == W:
            assert access(user, target.pk, write=True) == target
        else:
            with pytest.raises(PermissionDenied):
                access(user, target.pk, write=True)
        with pytest.raises(Http404):
            access(user, uuid.uuid4())


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "platform_admin"])
def test_the_admin_is_for_platform_administrators_only(request, staff_client, persona):
    client = staff_client(request.getfixturevalue(persona))
    for name in sorted(admin_url_names()):
        if name in {"admin:logout", "admin:login"}:
            continue
        try:
            path = reverse(name)
        except NoReverseMatch:
            continue  # needs an object id: the site refuses before it looks at one
        response = client.get(path)
        assert response.status_code == 302, (persona, name)
        assert response["Location"].startswith(reverse("admin:login")), (persona, name)


def test_the_platform_administrator_opens_the_admin(staff_client, platform_admin):
    assert staff_client(platform_admin).get(reverse("admin:index")).status_code == 200
    assert admin.site.is_registered(Report)


# --- the shape for institutions: a referral shares some fields, read-only ------------------


def test_a_referred_report_shows_only_the_shared_fields_and_refuses_changes(
    monkeypatch, staff_client, police_officer, objects
):
    """What the referral app will plug in: a report referred to the police with two fields."""
    report = objects["report"]
    monkeypatch.setattr(
        permissions, "_referred_reports", lambda user: Report.objects.filter(pk=report.pk)
    )
    monkeypatch.setattr(
        permissions, "_referred_fields", lambda user, report: frozenset({"category", "status"})
    )
    client = staff_client(police_officer)
    page = client.get(reverse("reports:staff_detail", kwargs={"report_id": report.pk}))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Bullying" in html
    for hidden in ("Placeholder", "example.com", "placeholder_user", "evidence", "thread", "069"):
        assert hidden not in html, hidden
    for form in ("status-form", "reply-form", "acknowledge-form", "callback-form"):
        assert f'id="{form}"' not in html, form
    read = AuditEntry.objects.filter(action="report.read").latest("seq")
    assert read.fields == ["category", "status"]
    before = snapshot(objects)
    for name in (
        "reports:staff_status",
        "reports:staff_reply",
        "reports:staff_acknowledge",
        "reports:staff_callback",
    ):
        response = client.post(url_for(name, objects), POST_DATA.get(name, {}))
        assert response.status_code == 403, name
    assert snapshot(objects) == before
    evidence_url = url_for("reports:evidence_download", objects)
    assert client.get(evidence_url).status_code == 404  # the referral does not share evidence


def test_the_helpline_reads_every_field(operator, objects):
    assert permissions.report_fields_for(operator, objects["report"]) == permissions.REPORT_FIELDS


@pytest.mark.parametrize("persona", [p for p in PERSONAS if SEES[p][0] is None])
def test_others_read_no_field(request, objects, persona):
    user = request.getfixturevalue(persona)
    assert permissions.report_fields_for(user, objects["report"]) == frozenset()


# --- every link shown answers 200 -----------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def _is_staff_page(path: str) -> bool:
    return "/staff/" in path or path.startswith("/staf/")


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_link_a_persona_is_shown_answers_200(request, staff_client, objects, persona):
    client = staff_client(request.getfixturevalue(persona))
    home = reverse("accounts:home")
    to_visit, seen = [home], {home}
    while to_visit:
        page = to_visit.pop()
        response = client.get(page)
        assert response.status_code == 200, (persona, page)
        if "text/html" not in response["Content-Type"] or not _is_staff_page(page):
            continue  # follow links only within the staff area
        html = response.content.decode()
        assert 'action="' + reverse("accounts:logout") + '"' in html, (persona, page)
        parser = _Links()
        parser.feed(html)
        for href in parser.hrefs:
            target = urljoin(page, href)
            parts = urlsplit(target)
            if parts.scheme or parts.netloc or href.startswith("#"):
                continue  # the quick exit, tel: links: not the platform's pages
            if target not in seen:
                seen.add(target)
                to_visit.append(target)
    if SEES[persona][0]:
        assert url_for("reports:staff_detail", objects) in seen
        assert url_for("reports:evidence_download", objects) in seen
    if SEES[persona][KINDS.index("contact")]:
        assert url_for("helpline:contact_detail", objects) in seen
        assert url_for("helpline:contact_edit", objects) in seen
        assert reverse("helpline:contact_new") in seen
    if SEES[persona][KINDS.index("case")]:
        assert reverse("cases:case_mine") in seen
        assert url_for("cases:case_detail", objects) in seen
        assert url_for("cases:case_reopen", objects).rsplit("reopen/", 1)[0] in seen
    if REFERRAL_SEES[persona][REFERRAL_KINDS.index("referral inbox")]:
        assert reverse("referrals:inbox") in seen
    if persona == "municipality_officer":
        assert url_for("referrals:detail", objects) in seen


def test_the_staff_home_promises_nothing_that_does_not_exist(staff_client, analyst, operator):
    analyst_home = staff_client(analyst).get(reverse("accounts:home")).content.decode()
    assert reverse("reports:staff_list") not in analyst_home
    assert "not available yet" in analyst_home
    operator_home = staff_client(operator).get(reverse("accounts:home")).content.decode()
    assert reverse("reports:staff_list") in operator_home
    for promise in ("open cases", "Refer", "Assess", "statistics", "courses", "blocking"):
        assert promise not in analyst_home + operator_home, promise


# --- cases for institutions: only through a standing referral, shared fields, read-only ----


@pytest.fixture
def referred(objects, operator, police_officer) -> Referral:
    """The contact's case referred to the police, sharing the child's age band and gender."""
    from isigurt.cases.services import case_summary_update

    case_summary_update(case=objects["case"], actor=operator, summary="Placeholder summary.")
    return Referral.objects.create(
        case=objects["case"],
        organisation=police_officer.organisation,
        shared_fields=["child"],
        sent_by=operator,
        sent_at=timezone.now(),
        acknowledge_due=timezone.now() + timedelta(days=1),
    )


CASE_CHANGES = [
    name
    for name, row in STAFF_URLS.items()
    if name.startswith("cases:") and row[2] and row[1] in ("case", "case supervision")
]


def test_a_referred_case_shows_only_the_shared_fields_and_refuses_changes(
    staff_client, police_officer, objects, referred
):
    from isigurt.referrals.sharing import case_fields

    client = staff_client(police_officer)
    page = client.get(url_for("cases:case_detail", objects))
    html = page.content.decode()
    assert page.status_code == 200
    assert objects["case"].code in html
    for hidden in ("Placeholder", "persona.operator", 'id="timeline"', 'id="tasks"', "origins"):
        assert hidden not in html, hidden
    for form in ("take-form", "triage-form", "status-form", "note-form", "task-form", "summary"):
        assert f'id="{form}' not in html, form
    read = AuditEntry.objects.filter(action="case.read").latest("seq")
    assert read.fields == sorted(case_fields(["child"]))
    assert "age_band" in read.fields and "summary" not in read.fields
    before = snapshot(objects)
    for name in CASE_CHANGES:
        response = client.post(url_for(name, objects), POST_DATA.get(name, {}))
        assert response.status_code == 403, name
    assert client.post(url_for("cases:case_task_done", objects)).status_code == 404
    assert client.get(reverse("cases:case_queue")).status_code == 404
    assert snapshot(objects) == before

    api = make_staff_client(police_officer)
    answer = api.get(_api_url("/api/v1/cases/{case_id}", objects)).json()
    assert answer["fields"] == sorted(case_fields(["child"]))
    assert answer["age_band"] == objects["case"].age_band
    for hidden in ("summary", "owner", "timeline", "tasks", "origins", "due_times"):
        assert hidden not in answer, hidden
    assert api.get("/api/v1/cases").status_code == 404
    for (method, path), row in API_OPERATIONS.items():
        if row == "public" or method != "post" or row[0] not in ("case", "case supervision"):
            continue
        body = API_BODIES.get((method, path)) or {}
        response = api.post(_api_url(path, objects), body, content_type="application/json")
        assert response.status_code == 403, path
    assert snapshot(objects) == before


def test_a_withdrawn_referral_or_another_institution_sees_no_case(
    staff_client, outsider, police_officer, objects, referred
):
    assert staff_client(outsider).get(url_for("cases:case_detail", objects)).status_code == 404
    referred.status = ReferralStatus.WITHDRAWN
    referred.save(update_fields=["status"])
    client = staff_client(police_officer)
    assert client.get(url_for("cases:case_detail", objects)).status_code == 404
    assert (
        make_staff_client(police_officer)
        .get(_api_url("/api/v1/cases/{case_id}", objects))
        .status_code
        == 404
    )
