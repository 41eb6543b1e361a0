"""A forwarded scheme or host is believed only from a trusted proxy (as X-Forwarded-For is)."""

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory, override_settings

from isigurt.lib.middleware import UntrustedForwardedHeadersMiddleware

PROXY = "10.0.0.5"
STRANGER = "203.0.113.7"

pytestmark = pytest.mark.django_db

behind_https = override_settings(
    SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
    SECURE_SSL_REDIRECT=True,
    TRUSTED_PROXIES=[PROXY],
)


@behind_https
def test_a_stranger_claiming_https_over_plain_http_is_redirected_to_https():
    response = Client(REMOTE_ADDR=STRANGER).get("/", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


@behind_https
def test_the_trusted_proxy_saying_https_is_believed():
    response = Client(REMOTE_ADDR=PROXY).get("/", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200


@behind_https
def test_the_trusted_proxy_saying_http_is_redirected():
    response = Client(REMOTE_ADDR=PROXY).get("/", HTTP_X_FORWARDED_PROTO="http")
    assert response.status_code == 301


@override_settings(USE_X_FORWARDED_HOST=True, TRUSTED_PROXIES=[PROXY], ALLOWED_HOSTS=["*"])
def test_a_forwarded_host_from_a_stranger_is_dropped():
    seen: dict[str, str] = {}

    def view(request: HttpRequest) -> HttpResponse:
        seen["host"] = request.get_host()
        return HttpResponse()

    middleware = UntrustedForwardedHeadersMiddleware(view)
    middleware(RequestFactory().get("/", REMOTE_ADDR=STRANGER, HTTP_X_FORWARDED_HOST="evil.test"))
    assert seen["host"] == "testserver"
    middleware(RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_HOST="kept.test"))
    assert seen["host"] == "kept.test"
