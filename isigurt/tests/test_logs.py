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


def test_the_development_servers_request_lines_are_redacted() -> None:
    # runserver logs each request line on "django.server", 4xx and 5xx at WARNING level; with
    # no handler of its own Python's last-resort handler would print them unfiltered.
    logger = logging.getLogger("django.server")
    assert logger.handlers
    record = logger.makeRecord(
        "django.server",
        logging.WARNING,
        __file__,
        0,
        '"%s" %s %s',
        ("GET /api/v1/reports/QWERTY23 HTTP/1.1", "404", "51"),
        None,
    )
    for handler in logger.handlers:
        assert handler.filter(record)
        line = handler.format(record)
        assert "/api/v1/reports/{tracking_code} HTTP/1.1" in line
        assert "QWERTY23" not in line


def test_gunicorns_access_log_carries_no_tracking_code_or_secret(tmp_path) -> None:
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.request
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    access_log = tmp_path / "access.log"
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "isigurt.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--access-logfile",
            str(access_log),
            # A format that asks for the secret header: it must still never be written.
            "--access-logformat",
            '%(h)s "%(r)s" %(s)s %(U)s %({x-report-secret}i)s',
        ],
        cwd=root,  # gunicorn.conf.py is read from here
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "isigurt.settings.test"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/reports/QWERTY23",
            headers={"X-Report-Secret": "SECRET-WORDS-9"},
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(request, timeout=5)  # noqa: S310 (http on loopback)
                break
            except urllib.error.HTTPError:
                break  # any answer: the request reached the application
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        deadline = time.monotonic() + 10
        while (
            "api/v1/reports" not in (access_log.read_text() if access_log.exists() else "")
            and time.monotonic() < deadline
        ):
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=10)
    logged = access_log.read_text()
    assert "/api/v1/reports/{tracking_code}" in logged
    assert "QWERTY23" not in logged
    assert "SECRET-WORDS-9" not in logged
