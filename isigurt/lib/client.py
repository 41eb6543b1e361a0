"""The client's address, read the same way by the login lockout, the audit log and the limiter.

Without a configured proxy the address is the TCP peer (``REMOTE_ADDR``) and
``X-Forwarded-For`` is ignored: anyone can send that header. When the peer is one of
``settings.TRUSTED_PROXIES`` (addresses or networks, e.g. ``127.0.0.1`` or ``10.0.0.0/8``), the
header is read from the right, skipping further trusted proxies; the first address that is not a
trusted proxy is the client. Hops to its left were written by the client and are never believed.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[_Network, ...]:
    try:
        return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)
    except ValueError as exc:
        raise ImproperlyConfigured(
            "TRUSTED_PROXIES must list IP addresses or networks (e.g. 10.0.0.0/8)."
        ) from exc


def trusted_proxies() -> tuple[_Network, ...]:
    return _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _is_trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return any(address in network for network in trusted_proxies())


def peer_is_trusted_proxy(request: HttpRequest) -> bool:
    """Whether the TCP peer is one of TRUSTED_PROXIES (whose forwarded headers may be believed)."""
    peer = _parse(str(request.META.get("REMOTE_ADDR") or ""))
    return peer is not None and _is_trusted(peer)


def client_address(request: HttpRequest) -> str:
    """The client's IP address as text ("" when the peer gave none that parses)."""
    peer = _parse(str(request.META.get("REMOTE_ADDR") or ""))
    if peer is None:
        return ""
    if not _is_trusted(peer):
        return str(peer)
    hops = str(request.META.get("HTTP_X_FORWARDED_FOR") or "").split(",")
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            break  # a garbled hop: nothing to its left can be believed either
        if not _is_trusted(address):
            return str(address)
    # Only proxies (or nothing usable) in the header: the nearest proxy is all that is known.
    return str(peer)
