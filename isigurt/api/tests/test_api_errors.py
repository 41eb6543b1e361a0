"""The API's one error shape, from ninja's own pipeline (parser, typed parameters, handlers)."""

import json

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

REPORTS = "/api/v1/reports"


def shape(response) -> set[str]:  # type: ignore[no-untyped-def]
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert isinstance(body["detail"], str) and body["detail"]
    for error in body["errors"]:
        assert set(error) == {"field", "message"} and error["message"]
    return {error["field"] for error in body["errors"]}


def test_query_and_body_problems_come_in_one_shape_with_one_sentence():
    client = Client()
    query = client.get("/api/v1/categories?audience=robot", HTTP_ACCEPT_LANGUAGE="en")
    body = client.post(
        REPORTS,
        data=json.dumps({"category": "bullying", "audience": "robot"}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="one-shape",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert query.status_code == body.status_code == 422
    assert shape(query) == shape(body) == {"audience"}
    assert query.json()["detail"] == body.json()["detail"]


@pytest.mark.parametrize(
    ("content_type", "raw", "status"),
    [
        ("text/plain", "{}", 415),
        ("application/json", '{"description": "' + "a" * 70_000 + '"}', 413),
        ("application/json", "{not json", 400),
        ("application/json", "[1]", 422),
    ],
)
def test_the_parser_answers_in_the_same_shape(content_type, raw, status):
    response = Client().post(
        REPORTS, data=raw, content_type=content_type, HTTP_IDEMPOTENCY_KEY="parser"
    )
    assert response.status_code == status
    shape(response)


def test_a_header_problem_is_a_400_named_by_the_header():
    response = Client().post(
        REPORTS,
        data=json.dumps({"category": "bullying", "audience": "teen"}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="has spaces",
    )
    assert response.status_code == 400
    assert shape(response) == {"idempotency_key"}


def test_the_spec_documents_the_headers_and_the_one_error_shape():
    spec = Client().get("/api/v1/openapi.json").json()
    operation = spec["paths"]["/api/v1/reports"]["post"]
    headers = {p["name"]: p for p in operation["parameters"] if p["in"] == "header"}
    key = headers["Idempotency-Key"]
    assert key["required"] is True
    assert key["schema"]["maxLength"] == 255 and key["schema"]["pattern"]
    assert set(headers) >= {"Idempotency-Key", "X-Isigurt-Client"}
    assert "ErrorOut" in spec["components"]["schemas"]
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            for status, answer in op["responses"].items():
                if status.startswith(("4", "5")):
                    ref = answer["content"]["application/json"]["schema"]["$ref"]
                    assert ref.endswith("/ErrorOut"), (path, method, status)
