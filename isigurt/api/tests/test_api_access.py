"""The API is closed by default: only the pinned operations answer without a staff session."""

from uuid import UUID

import pytest
from django.test import Client
from django.urls import include, path
from ninja import NinjaAPI

from isigurt.api.auth import StaffSessionAuth, install_access_handlers
from isigurt.api.errors import install_error_handlers
from isigurt.api.urls import api
from isigurt.reports.permissions import access_report
from isigurt.reports.tests.factories import submitted
from isigurt.urls import _public_api_urls
from isigurt.urls import urlpatterns as platform_urlpatterns

pytestmark = pytest.mark.django_db

# A staff API built the way the platform's is (its auth, its handlers), beside the real one,
# so that the checks below run over at least one staff operation even while the platform
# has none: a loop over nothing proves nothing.
probe = NinjaAPI(urls_namespace="probe", auth=StaffSessionAuth(), docs_url=None)
install_error_handlers(probe)
install_access_handlers(probe)


@probe.get("/reports/{report_id}")
def probe_read(request, report_id: UUID) -> dict[str, str]:
    return {"code": access_report(request.auth, report_id).display_code}


@probe.post("/reports/{report_id}")
def probe_write(request, report_id: UUID) -> dict[str, str]:
    return {"code": access_report(request.auth, report_id, write=True).display_code}


_probe_patterns, _probe_app, _probe_namespace = probe.urls
urlpatterns = [
    path("probe/", include((_public_api_urls(_probe_patterns), _probe_app), _probe_namespace)),
    *platform_urlpatterns,
]
PROBE_OPERATIONS = {("get", "/probe/reports/{report_id}"), ("post", "/probe/reports/{report_id}")}
# Staff operations of the platform's API: each also needs its row in
# isigurt/tests/test_access_matrix.py.
STAFF_OPERATIONS: set[tuple[str, str]] = {
    ("get", "/api/v1/helpline/contacts"),
    ("post", "/api/v1/helpline/contacts"),
    ("get", "/api/v1/helpline/contacts/{contact_id}"),
    ("get", "/api/v1/cases"),
    ("post", "/api/v1/cases"),
    ("get", "/api/v1/cases/{case_id}"),
    *(
        ("post", f"/api/v1/cases/{{case_id}}/{action}")
        for action in (
            "triage",
            "priority",
            "take",
            "assign",
            "handover",
            "status",
            "close",
            "reopen",
            "summary",
            "notes",
            "tasks",
        )
    ),
    ("post", "/api/v1/cases/tasks/{task_id}/done"),
    ("get", "/api/v1/referrals"),
    ("get", "/api/v1/referrals/{referral_id}"),
    ("post", "/api/v1/referrals/{referral_id}/acknowledge"),
    ("post", "/api/v1/referrals/{referral_id}/updates"),
    ("post", "/api/v1/referrals/{referral_id}/outcome"),
    ("post", "/api/v1/referrals/{referral_id}/withdraw"),
    ("get", "/api/v1/referrals/cases/{case_id}"),
    ("post", "/api/v1/referrals/cases/{case_id}"),
    # The referral procedure also accepts partner systems' API tokens (decision 0017).
    ("get", "/api/v1/referrals/{referral_id}/procedure"),
    ("put", "/api/v1/referrals/{referral_id}/procedure/worker"),
    ("post", "/api/v1/referrals/{referral_id}/procedure/meetings"),
    ("put", "/api/v1/referrals/{referral_id}/procedure/plan"),
    ("post", "/api/v1/referrals/{referral_id}/procedure/plan/measures"),
    ("patch", "/api/v1/referrals/{referral_id}/procedure/plan/measures/{measure_id}"),
    ("post", "/api/v1/referrals/{referral_id}/procedure/plan/reviews"),
    ("post", "/api/v1/referrals/{referral_id}/procedure/handoffs"),
}

PUBLIC_OPERATIONS = {
    ("get", "/api/v1/geography"),
    ("get", "/api/v1/categories"),
    ("post", "/api/v1/reports"),
    ("get", "/api/v1/reports/{tracking_code}"),
    ("post", "/api/v1/reports/{tracking_code}/messages"),
    ("post", "/api/v1/reports/{tracking_code}/information"),
    ("post", "/api/v1/reports/{tracking_code}/evidence"),
    ("get", "/api/v1/helpline/taxonomy"),
}


def _operations(client: Client, schema_url: str = "/api/v1/openapi.json") -> dict:
    schema = client.get(schema_url).json()
    return {
        (method, path): operation
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    }


def test_the_api_requires_a_staff_session_unless_an_operation_says_otherwise() -> None:
    assert any(isinstance(auth, StaffSessionAuth) for auth in api.auth)


def test_exactly_the_pinned_operations_are_public(client: Client) -> None:
    operations = _operations(client)
    public = {key for key, operation in operations.items() if not operation.get("security")}
    assert public == PUBLIC_OPERATIONS
    assert set(operations) - public == STAFF_OPERATIONS


def _staff_operations(client: Client) -> set[tuple[str, str]]:
    platform = {key for key, op in _operations(client).items() if op.get("security")}
    return platform | set(_operations(client, "/probe/openapi.json"))


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("who", ["anonymous", "password only"])
def test_every_staff_operation_refuses_without_a_verified_session(
    client: Client, password_only_client, platform_admin, operator, who
) -> None:
    session = client if who == "anonymous" else password_only_client(platform_admin)
    report = submitted().report
    checked = 0
    for method, route in _staff_operations(client):
        url = route.replace("{report_id}", str(report.pk)).replace("{", "").replace("}", "")
        response = getattr(session, method)(url)
        assert response.status_code == 401, (method, route)
        assert response["Content-Type"].startswith("application/json")
        checked += 1
    assert checked >= len(PROBE_OPERATIONS)


@pytest.mark.urls(__name__)
def test_a_staff_operation_answers_through_the_access_layer(
    staff_client, operator, analyst, monkeypatch
) -> None:
    from isigurt.accounts import permissions as roles
    from isigurt.accounts.models import Role

    report = submitted().report
    url = f"/probe/reports/{report.pk}"
    assert staff_client(operator).get(url).json() == {"code": report.display_code}
    assert staff_client(operator).post(url).status_code == 200
    assert staff_client(analyst).get(url).status_code == 404
    assert staff_client(operator).get("/probe/reports/" + "0" * 32).status_code == 404
    # A role that may read but not change gets 403 in the API's error shape.
    monkeypatch.setitem(roles.HELPLINE_REPORTS, Role.CONTENT_ANALYST, roles.Access.READ)
    assert staff_client(analyst).get(url).status_code == 200
    refused = staff_client(analyst).post(url)
    assert refused.status_code == 403
    assert refused.json()["detail"] and refused.json()["errors"] == []


def test_an_unknown_api_path_answers_json_404(client: Client) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]


def test_query_errors_are_in_the_callers_language(client: Client) -> None:
    english = client.get("/api/v1/categories?audience=zzz&lang=en")
    albanian = client.get("/api/v1/categories?audience=zzz&lang=sq")
    assert english.status_code == albanian.status_code == 422
    assert english.json()["errors"][0]["message"] == "Choose one of the options."
    assert albanian.json()["errors"][0]["message"] != "Choose one of the options."
    assert albanian.json()["errors"][0]["field"] == "audience"


def test_every_response_schema_has_its_own_name():
    """ninja names a schema by its class: two classes of one name would share one component,
    and one of the two operations would document the other's answer."""
    from ninja import Schema

    from isigurt.api.urls import api

    api.get_openapi_schema()
    seen: dict[str, type] = {}
    stack = list(Schema.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if not cls.__module__.startswith("isigurt."):
            continue
        other = seen.setdefault(cls.__name__, cls)
        assert other is cls, f"{cls.__module__}.{cls.__name__} and {other.__module__}"
