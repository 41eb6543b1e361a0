"""Rate limits on Django's cache (S13): sliding-window counters, fail open or closed.

Our own small limiter rather than django-ratelimit: that library's fail-open switch is one global
setting and it gives no Retry-After, while intake must fail open and login closed.

Each limit counts in windows aligned to the epoch (a 60 s limit per clock minute, a day limit per
UTC day), and is judged over a sliding window: the current window's count plus the previous
window's count weighted by how much of it the sliding window still covers (the sliding-window
counter). A burst split across a window edge therefore counts in full: 20 failures a quarter of
an hour allow 20, not 39, around the edge. Retry-After is the time until the sliding count has
fallen enough for one more attempt. A refused attempt is not counted, so waiting as told always
works.
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
_EPSILON = 1e-9  # float rounding must never refuse an attempt exactly at its Retry-After


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


@dataclass(frozen=True)
class _Slot:
    """One limit's counters at one moment: this window's count and the previous window's."""

    limit: Limit
    window: int
    current: int
    previous: int

    def used(self, now: float) -> float:
        """Attempts in the sliding window that ends now (the previous window weighted)."""
        covered = 1 - (now - self.window * self.limit.seconds) / self.limit.seconds
        return self.current + self.previous * covered

    def wait(self, now: float) -> int:
        """Seconds until one more attempt fits (0 if it fits now)."""
        room = self.limit.count - 1  # attempts that may already be used for one more to fit
        if self.used(now) <= room + _EPSILON:
            return 0
        seconds = self.limit.seconds
        if self.current > room:  # only once this window is the previous one, weighted down
            until = (self.window + 1) * seconds + seconds * (1 - room / self.current)
        else:  # once the previous window's weight has fallen far enough
            until = self.window * seconds + seconds * (1 - (room - self.current) / self.previous)
        return max(math.ceil(until - now - _EPSILON), 1)


def _slots(scope: str, key: str, limits: Sequence[Limit], now: float) -> list[_Slot]:
    """Reads every limit's two counters at once. Raises whatever the store raises."""
    windows = [(limit, int(now // limit.seconds)) for limit in limits]
    names = [
        (_cache_key(scope, key, limit, w), _cache_key(scope, key, limit, w - 1))
        for limit, w in windows
    ]
    counts = cache.get_many([name for pair in names for name in pair])
    return [
        _Slot(limit, w, int(counts.get(current, 0)), int(counts.get(previous, 0)))
        for (limit, w), (current, previous) in zip(windows, names, strict=True)
    ]


def _wait(slots: Sequence[_Slot], now: float) -> int:
    """Seconds until every limit has room for one more attempt (0 if they have now)."""
    return max((slot.wait(now) for slot in slots), default=0)


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
    try:
        slots = _slots(scope, key, limits, now)
        wait = _wait(slots, now)
        if not wait:
            counted = []
            for slot in slots:
                name = _cache_key(scope, key, slot.limit, slot.window)
                # Kept while it can still weigh in as the previous window.
                cache.add(name, 0, timeout=2 * slot.limit.seconds + 1)
                current = cache.incr(name)
                counted.append(_Slot(slot.limit, slot.window, current - 1, slot.previous))
            wait = _wait(counted, now)  # > 0 only if another request took the last room
    except Exception as exc:  # any store failure: the caller's fallback decides
        logger.warning("rate limit store unavailable scope=%s error=%s", scope, type(exc).__name__)
        return RateDecision(allowed=fail_open, store_down=True)
    if not wait:
        return RateDecision(allowed=True)
    return RateDecision(allowed=False, retry_after=wait)


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
    try:
        wait = _wait(_slots(scope, key, limits, now), now)
    except Exception as exc:
        logger.warning("rate limit store unavailable scope=%s error=%s", scope, type(exc).__name__)
        return RateDecision(allowed=fail_open, store_down=True)
    if not wait:
        return RateDecision(allowed=True)
    return RateDecision(allowed=False, retry_after=wait)


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
# for about 15 minutes, the window sliding (the reporter can come back, or call ALO 116).
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
