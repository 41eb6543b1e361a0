"""The client's address: the peer, or behind a configured trusted proxy the right-most
forwarded address that is not a proxy. A client cannot choose its own address."""

import pytest
from django.test import RequestFactory, override_settings

from isigurt.lib.client import client_address
from isigurt.lib.ratelimit import client_key

PROXY = "10.0.0.5"


def request(remote: str, forwarded: str | None = None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def test_without_trusted_proxies_the_forwarded_header_is_ignored():
    assert client_address(request("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


@override_settings(TRUSTED_PROXIES=[PROXY])
def test_from_a_trusted_proxy_the_right_most_forwarded_address_is_the_client():
    # The client wrote the left entry itself; the proxy appended the real peer on the right.
    assert client_address(request(PROXY, "1.2.3.4, 198.51.100.9")) == "198.51.100.9"


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8"])
def test_a_chain_of_trusted_proxies_is_skipped():
    assert client_address(request(PROXY, "198.51.100.9, 10.1.1.1, 10.2.2.2")) == "198.51.100.9"


@override_settings(TRUSTED_PROXIES=[PROXY])
def test_an_untrusted_peer_cannot_claim_another_address():
    assert client_address(request("203.0.113.7", "10.0.0.5, 198.51.100.9")) == "203.0.113.7"


@override_settings(TRUSTED_PROXIES=[PROXY])
@pytest.mark.parametrize("forwarded", ["", "not-an-address", "198.51.100.9, garbage"])
def test_a_missing_or_garbled_header_gives_the_proxy_not_a_guess(forwarded):
    assert client_address(request(PROXY, forwarded)) == PROXY


def test_a_peer_without_an_address_gives_an_empty_string():
    assert client_address(request("")) == ""


@override_settings(TRUSTED_PROXIES=[PROXY])
def test_the_rate_limiter_keys_each_forwarded_client_apart():
    first = client_key(request(PROXY, "198.51.100.9"))
    second = client_key(request(PROXY, "198.51.100.10"))
    assert first != second
    assert first == client_key(request("198.51.100.9"))
