"""Rate limits on Django's cache (S13): fixed-window counters, fail open or closed.

Our own small limiter rather than django-ratelimit: that library's fail-open switch is one global
setting and it gives no Retry-After, while intake must fail open and login closed.

Each limit counts in fixed windows aligned to the epoch (a 60 s limit counts per clock minute, a
day limit per UTC day); Retry-After is the time until the refusing window ends. A refused
attempt is not counted, so waiting as told always works.
"""

import ipaddress
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

logger = logging.getLogger(__name__)

_clock = time.time  # replaced in tests to cross window boundaries


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: int


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    retry_after: int = 0  # seconds; > 0 when refused
    store_down: bool = False  # the cache could not be reached; `allowed` is then the fallback


INTAKE_LIMITS = (Limit(10, 60), Limit(100, 24 * 60 * 60))
LOGIN_LIMITS = (Limit(5, 60),)


def _cache_key(scope: str, key: str, limit: Limit, window: int) -> str:
    return f"rl:{scope}:{key}:{limit.count}/{limit.seconds}:{window}"


def rate_limit_check(
    *, scope: str, key: str, limits: Sequence[Limit], fail_open: bool
) -> RateDecision:
    """Count one attempt by `key` in `scope` against every limit; refuse if any is exhausted.

    `key` must already be free of personal data (see `client_key`, or hash a username).
    If the cache store fails, the answer is `allowed=fail_open` with `store_down=True`.
    """
    if not settings.RATE_LIMIT_ENABLED or not limits:
        return RateDecision(allowed=True)
    now = _clock()
    windows = [(limit, int(now // limit.seconds)) for limit in limits]
    keys = [_cache_key(scope, key, limit, window) for limit, window in windows]
    try:
        counts = cache.get_many(keys)
        refused = [
            (limit, window)
            for (limit, window), cache_key in zip(windows, keys, strict=True)
            if int(counts.get(cache_key, 0)) >= limit.count
        ]
        if not refused:
            for (limit, _window), cache_key in zip(windows, keys, strict=True):
                cache.add(cache_key, 0, timeout=limit.seconds + 1)
                if cache.incr(cache_key) > limit.count:  # lost a race with another request
                    refused.append((limit, _window))
    except Exception as exc:  # any store failure: the caller's fallback decides
        logger.warning("rate limit store unavailable scope=%s error=%s", scope, type(exc).__name__)
        return RateDecision(allowed=fail_open, store_down=True)
    if not refused:
        return RateDecision(allowed=True)
    retry_after = max(math.ceil((window + 1) * limit.seconds - now) for limit, window in refused)
    return RateDecision(allowed=False, retry_after=max(retry_after, 1))


def client_key(request: HttpRequest) -> str:
    """A keyed hash of the client's address (its /64 network for IPv6); no raw address is kept."""
    from isigurt.lib.client import client_address

    address = client_address(request)  # behind a trusted proxy, the forwarded client
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        normalised = address
    else:
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if isinstance(ip, ipaddress.IPv6Address):
            # One household or phone holds a whole /64.
            normalised = str(ipaddress.ip_network(f"{ip}/64", strict=False))
        else:
            normalised = str(ip)
    return salted_hmac("isigurt.lib.ratelimit.client", normalised, algorithm="sha256").hexdigest()


def rate_limit_exhausted(
    *, scope: str, key: str, limits: Sequence[Limit], fail_open: bool
) -> RateDecision:
    """Whether `key` has used up any limit in `scope`, without counting an attempt.

    For limits that count failures only: ask this before the attempt, and count each failure
    with `rate_limit_check` afterwards. Store failures answer as `rate_limit_check` does.
    """
    if not settings.RATE_LIMIT_ENABLED or not limits:
        return RateDecision(allowed=True)
    now = _clock()
    windows = [(limit, int(now // limit.seconds)) for limit in limits]
    try:
        counts = cache.get_many([_cache_key(scope, key, limit, w) for limit, w in windows])
    except Exception as exc:
        logger.warning("rate limit store unavailable scope=%s error=%s", scope, type(exc).__name__)
        return RateDecision(allowed=fail_open, store_down=True)
    refused = [
        (limit, w)
        for limit, w in windows
        if int(counts.get(_cache_key(scope, key, limit, w), 0)) >= limit.count
    ]
    if not refused:
        return RateDecision(allowed=True)
    retry_after = max(math.ceil((w + 1) * limit.seconds - now) for limit, w in refused)
    return RateDecision(allowed=False, retry_after=max(retry_after, 1))


# --- Public reporting: spending budget before work, and tracking locks ----------------------------
#
# Web pages and the API spend the same buckets (same scopes, same client key), so a client gets
# one allowance whichever door it uses. Each helper counts at most once per request for its
# scope: a view may call it early (before reading any picture) and again later for free.

# Opening a report with its code and secret, and every follow-up by code and secret (API).
# Generous per address: a school or a mobile operator puts many children behind one.
TRACK_CLIENT_LIMITS = (Limit(30, 60), Limit(300, 60 * 60))
# Wrong codes or secrets from one client, across codes (someone trying many codes).
TRACK_CLIENT_FAILURE_LIMITS = (Limit(10, 60), Limit(50, 60 * 60))
# Wrong secrets for one code, from anywhere: the code under attack is locked, not the address,
# and only for the rest of a 15-minute window (the reporter can come back, or call ALO 116).
TRACK_CODE_FAILURE_LIMITS = (Limit(5, 15 * 60),)
# Messages, information and pictures posted to a report (web and API).
FOLLOWUP_LIMITS = (Limit(30, 60), Limit(300, 24 * 60 * 60))

INTAKE_SCOPE = "intake"
FOLLOWUP_SCOPE = "followup"
TRACK_SCOPE = "track"
TRACK_CLIENT_FAILURE_SCOPE = "track-fail-client"
TRACK_CODE_FAILURE_SCOPE = "track-fail-code"
_SPENT_ATTRIBUTE = "_isigurt_rate_decisions"


def _spend_once(
    request: HttpRequest, *, scope: str, key: str, limits: Sequence[Limit], fail_open: bool
) -> RateDecision:
    """`rate_limit_check`, counted at most once per request and scope (the first answer holds)."""
    spent: dict[str, RateDecision] = request.__dict__.setdefault(_SPENT_ATTRIBUTE, {})
    if scope not in spent:
        spent[scope] = rate_limit_check(scope=scope, key=key, limits=limits, fail_open=fail_open)
    return spent[scope]


def intake_spend(request: HttpRequest) -> RateDecision:
    """Spend one report of the client's intake allowance (INTAKE_LIMITS, shared web and API).

    Call it first in any request that files a report or may decode a picture, before reading
    the pictures and whatever the outcome. Fails open (S13): when the store is down the answer
    is allowed with `store_down`, and the report is flagged.
    """
    return _spend_once(
        request, scope=INTAKE_SCOPE, key=client_key(request), limits=INTAKE_LIMITS, fail_open=True
    )


def followup_spend(request: HttpRequest) -> RateDecision:
    """Spend one follow-up (message, information or picture) of FOLLOWUP_LIMITS, web and API.

    Call it before reading a posted picture, whatever the outcome. Fails open, as intake does.
    """
    return _spend_once(
        request,
        scope=FOLLOWUP_SCOPE,
        key=client_key(request),
        limits=FOLLOWUP_LIMITS,
        fail_open=True,
    )


def tracking_code_key(code: str) -> str:
    """A keyed hash of a tracking code as people type it (case, spaces and dashes ignored)."""
    normalised = "".join(code.split()).replace("-", "").upper()[:64]
    return salted_hmac("isigurt.lib.ratelimit.code", normalised, algorithm="sha256").hexdigest()


def track_attempt(request: HttpRequest, *, code: str) -> RateDecision:
    """Before a tracking code and secret are checked (web form, every API call with a secret).

    Refused while the code is locked by wrong secrets (TRACK_CODE_FAILURE_LIMITS, from any
    address), while this client is locked by its own failures (TRACK_CLIENT_FAILURE_LIMITS), or
    when it has used TRACK_CLIENT_LIMITS. Fails closed, as opening a report always has: a store
    outage answers `allowed=False, store_down=True` (say 503 and "try again", not 429).
    Call `track_failure` when the code or secret turns out wrong.
    """
    if not settings.RATE_LIMIT_ENABLED:
        return RateDecision(allowed=True)
    client = client_key(request)
    locks = (
        (TRACK_CODE_FAILURE_SCOPE, tracking_code_key(code), TRACK_CODE_FAILURE_LIMITS),
        (TRACK_CLIENT_FAILURE_SCOPE, client, TRACK_CLIENT_FAILURE_LIMITS),
    )
    wait = 0
    for scope, key, limits in locks:
        lock = rate_limit_exhausted(scope=scope, key=key, limits=limits, fail_open=False)
        if lock.store_down:  # tracking stays closed
            return lock
        wait = max(wait, lock.retry_after)
    if wait:
        return RateDecision(allowed=False, retry_after=wait)
    return _spend_once(
        request, scope=TRACK_SCOPE, key=client, limits=TRACK_CLIENT_LIMITS, fail_open=False
    )


def track_failure(request: HttpRequest, *, code: str) -> None:
    """A wrong code or secret: one failure for the code and one for the client (both locks)."""
    rate_limit_check(
        scope=TRACK_CODE_FAILURE_SCOPE,
        key=tracking_code_key(code),
        limits=TRACK_CODE_FAILURE_LIMITS,
        fail_open=False,
    )
    rate_limit_check(
        scope=TRACK_CLIENT_FAILURE_SCOPE,
        key=client_key(request),
        limits=TRACK_CLIENT_FAILURE_LIMITS,
        fail_open=False,
    )
