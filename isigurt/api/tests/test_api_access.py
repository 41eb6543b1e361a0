"""The API is closed by default: only the pinned operations answer without a staff session."""

import pytest
from django.test import Client

from isigurt.api.auth import StaffSessionAuth
from isigurt.api.urls import api

pytestmark = pytest.mark.django_db

PUBLIC_OPERATIONS = {
    ("get", "/api/v1/geography"),
    ("get", "/api/v1/categories"),
    ("post", "/api/v1/reports"),
    ("get", "/api/v1/reports/{tracking_code}"),
    ("post", "/api/v1/reports/{tracking_code}/messages"),
    ("post", "/api/v1/reports/{tracking_code}/information"),
    ("post", "/api/v1/reports/{tracking_code}/evidence"),
}


def _operations(client: Client) -> dict[tuple[str, str], dict]:
    schema = client.get("/api/v1/openapi.json").json()
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


def test_every_other_operation_refuses_a_password_only_session(
    client: Client, password_only_client, platform_admin
) -> None:
    session = password_only_client(platform_admin)
    for (method, path), _operation in _operations(client).items():
        if (method, path) in PUBLIC_OPERATIONS:
            continue
        url = path.replace("{", "").replace("}", "")
        assert getattr(session, method)(url).status_code == 401, (method, path)


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
