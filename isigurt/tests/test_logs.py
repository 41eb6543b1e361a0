"""S14: a tracking code never reaches a log line, even in a request's path."""

import logging

import pytest
from django.test import Client

from isigurt.lib.logfilters import RedactTrackingCodes, redact_path

pytestmark = pytest.mark.django_db


def test_a_tracking_code_in_an_api_path_is_redacted() -> None:
    assert redact_path("/api/v1/reports/K7QM4TZP/messages") == (
        "/api/v1/reports/{tracking_code}/messages"
    )
    assert redact_path("/api/v1/reports") == "/api/v1/reports"


def test_the_request_log_of_a_wrong_secret_carries_no_code(client: Client, caplog) -> None:
    caplog.handler.addFilter(RedactTrackingCodes())
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get("/api/v1/reports/QWERTY23", HTTP_X_REPORT_SECRET="nope")
    assert response.status_code == 404
    assert caplog.records, "the 404 is logged"
    assert all("QWERTY23" not in record.getMessage() for record in caplog.records)


def test_the_console_handler_is_configured_with_the_filter() -> None:
    from django.conf import settings

    assert "redact_tracking_codes" in settings.LOGGING["handlers"]["console"]["filters"]
