"""Who may see what, written once: every persona over every staff URL, API operation and object.

SEES is the whole answer. Every staff URL the resolver knows and every API operation in the
OpenAPI schema must have a row in STAFF_URLS or API_OPERATIONS, so a new one without a decision
fails here. A persona answers:

    success           when SEES grants the object kind (and "write" for a change)
    403               when the object is visible but read-only for the persona
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

from isigurt.accounts.models import Role
from isigurt.accounts.tests.personas import PERSONAS, make_staff_client
from isigurt.audit.models import AuditEntry
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
)
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

# What each persona may do with each kind of object (the helpline's objects, unreferred; a
# contact is the helpline's own record of a call, chat or visit, with its call-backs).
#                           report  message evidence contact
SEES: dict[str, tuple[str | None, str | None, str | None, str | None]] = {
    "operator": (W, W, W, W),
    "supervisor": (W, W, W, W),
    "analyst": (NO, NO, NO, NO),  # content items, not reports nor contacts
    "municipality_officer": (NO, NO, NO, NO),  # only what is referred (no referrals yet)
    "outsider": (NO, NO, NO, NO),
    "police_officer": (NO, NO, NO, NO),
    "blocking_officer": (NO, NO, NO, NO),
    "stats_viewer": (NO, NO, NO, NO),  # aggregates only
    "editor": (NO, NO, NO, NO),
    "trainer": (NO, NO, NO, NO),
    "youth_coordinator": (NO, NO, NO, NO),
    "platform_admin": (NO, NO, NO, NO),  # manages accounts, not cases
    "no_role": (NO, NO, NO, NO),
}
KINDS = ("report", "message", "evidence", "contact")
# The procedure of a case of ALO 116 referred to the child protection unit of Tiranë, and a
# measure of its plan: the unit records it, the referring helpline reads a summary.
PROCEDURE_SEES: dict[str, str | None] = {persona: NO for persona in SEES} | {
    "municipality_officer": W,
    "operator": R,
    "supervisor": R,
}
PROCEDURE_KINDS = ("procedure", "measure")
# The lists and the new-object pages: which kind of object they are about.
LISTS = {"report list": "report", "contact list": "contact", "contact log": "contact"}

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
API_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("post", "/api/v1/helpline/contacts"): {
        "channel": "call",
        "issues": ["online.grooming"],
        "duration_seconds": 300,
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


@pytest.fixture(autouse=True)
def _evidence_root(tmp_path, settings):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    cache.clear()


@pytest.fixture
def objects(operator, municipality_officer) -> dict[str, Any]:
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
    referral = referral_to(tirana_unit(), sent_by=operator)
    plan = plan_for(referral, municipality_officer, approved_on=days_ago(20))
    return {
        "report": report,
        "message": report_add_information(report=report, text="Placeholder detail."),
        "evidence": evidence_attach(report=report, data=png_bytes()),
        "contact": contact,
        "procedure": referral,
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
    if kind == "report":
        kwargs = {"report_id": objects["report"].pk}
    elif kind == "evidence":
        kwargs = {"evidence_id": objects["evidence"].pk}
    elif kind == "contact":
        kwargs = {"contact_id": objects["contact"].pk}
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
    if kind in LISTS:
        grant = SEES[persona][KINDS.index(LISTS[kind])]
        if grant is None:
            return 404
        return 403 if changes and grant != W else success
    grant = SEES[persona][KINDS.index(kind)]
    if grant is None:
        return 404
    if changes and grant != W:
        return 403
    return success


def snapshot(objects: dict[str, Any]) -> tuple[Any, ...]:
    report = Report.objects.get(pk=objects["report"].pk)
    contact = Contact.objects.get(pk=objects["contact"].pk)
    return (
        report.status,
        report.danger_acknowledged_at,
        ReportMessage.objects.filter(report=report).count(),
        Evidence.objects.filter(report=report).count(),
        ReportCallback.objects.filter(report=report).count(),
        Contact.objects.count(),
        contact.summary,
        contact.channel,
        CallBack.objects.filter(contact=contact).exclude(outcome="").count(),
        Referral.objects.get(pk=objects["procedure"].pk).officer_id,
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
    assert set(SEES) == set(PERSONAS)


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
    response = getattr(staff_client(user), method)(url_for(name, objects), POST_DATA.get(name, {}))
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
    }
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
        if grant == W:
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


def _api_url(path: str, objects: dict[str, Any]) -> str:
    return (
        path.replace("{contact_id}", str(objects["contact"].pk))
        .replace("{referral_id}", str(objects["procedure"].pk))
        .replace("{measure_id}", str(objects["measure"].pk))
    )


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_gets_exactly_what_the_table_says_in_the_api(request, objects, persona):
    session = make_staff_client(request.getfixturevalue(persona))
    for (method, path), row in API_OPERATIONS.items():
        if row == "public":
            continue
        kind, changes, success = row
        before = snapshot(objects)
        body = API_BODIES.get((method, path))
        if body is None:
            response = getattr(session, method)(_api_url(path, objects))
        else:
            response = getattr(session, method)(
                _api_url(path, objects), body, content_type="application/json"
            )
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
        if kind not in KINDS:
            continue
        key = {"report": "report_id", "message": None, "evidence": "evidence_id"}.get(
            kind, f"{kind}_id"
        )
        if key is None:
            continue
        url = reverse(name, kwargs={key: uuid.uuid4()})
        assert getattr(client, method)(url, POST_DATA.get(name, {})).status_code == 404, name
    for (method, path), row in API_OPERATIONS.items():
        if row == "public" or "{contact_id}" not in path:
            continue
        guessed = path.replace("{contact_id}", str(uuid.uuid4()))
        assert getattr(client, method)(guessed).status_code == 404, path


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
        body = API_BODIES.get((method, path))
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


def test_the_staff_home_promises_nothing_that_does_not_exist(staff_client, analyst, operator):
    analyst_home = staff_client(analyst).get(reverse("accounts:home")).content.decode()
    assert reverse("reports:staff_list") not in analyst_home
    assert "not available yet" in analyst_home
    operator_home = staff_client(operator).get(reverse("accounts:home")).content.decode()
    assert reverse("reports:staff_list") in operator_home
    for promise in ("open cases", "Refer", "Assess", "statistics", "courses", "blocking"):
        assert promise not in analyst_home + operator_home, promise
