"""API tokens of partner systems: issue one, revoke one, recognise one (decision 0017).

A token reads ``isg_<prefix>_<secret>``: ``prefix`` is eight public characters that name the
token in the admin and in logs, ``secret`` 32 random bytes in URL-safe base64. The value is
returned once, by ``api_token_issue``; the platform keeps only its SHA-256 digest, so a copy of
the database gives nobody a working token. A plain hash is enough (no salt, no slow hash): the
secret is random and long, so there is nothing to guess, and every request can afford one
SHA-256 where it could not afford Argon2.

Each token acts as a service account of its organisation: a user with the institution officer
role, no usable password and no second factor, so every permission check and audit entry
works unchanged and names the token's account. The account can never sign in to a page, and
the administration refuses to give it a password, a second factor or another role
(``is_service_account``).

    issued = api_token_issue(organisation=unit, label="Case system", actor=admin)
    issued.value      # shown to the administrator once, never again
    api_token_authenticate(issued.value)   # -> the ApiToken, or None
    api_token_revoke(token=issued.token, actor=admin)
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import string
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from isigurt.accounts.models import (
    ApiToken,
    Organisation,
    OrganisationType,
    Role,
    RoleGrant,
    User,
    role_fits_organisation,
)
from isigurt.audit.services import audit_record
from isigurt.lib.ratelimit import (
    Limit,
    RateDecision,
    client_key,
    rate_limit_check,
    rate_limit_exhausted,
)

logger = logging.getLogger(__name__)

TOKEN_SCHEME = "isg"  # noqa: S105 - the token's public form, not a secret
PREFIX_LENGTH = 8
SECRET_BYTES = 32
_PREFIX_ALPHABET = string.ascii_lowercase + string.digits
# The secret part is at least 43 characters: 32 bytes in base64 without padding.
TOKEN_RE = re.compile(r"isg_([a-z0-9]{8})_([A-Za-z0-9_-]{43,128})")
MAX_LABEL_LENGTH = 100
SERVICE_USERNAME_PREFIX = "api-token."
# last_used_at is written at most this often per token (one UPDATE a minute, not a request).
LAST_USED_EVERY = timedelta(minutes=1)
# Requests per token: a partner system polling its referrals every few seconds fits easily.
API_TOKEN_LIMITS = (Limit(120, 60), Limit(3000, 60 * 60))
API_TOKEN_SCOPE = "api-token"  # noqa: S105 - a rate limit's name
# Wrong, revoked or expired tokens from one client address.
API_TOKEN_FAILURE_LIMITS = (Limit(30, 60),)
API_TOKEN_FAILURE_SCOPE = "api-token-fail"  # noqa: S105 - a rate limit's name
# Prefixes of the documented demo tokens: they work in demo mode only, and no issued token
# starts with them.
DEMO_PREFIX_START = "demo"


class ApiTokenRefused(Exception):
    """A token cannot be issued as asked; ``errors`` maps fields to messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__("api token refused")


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    value: str  # the only copy: show it once


def token_digest(value: str) -> str:
    """The SHA-256 digest (hex) the platform keeps of a token."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def is_service_account(user: Any) -> bool:
    """Whether ``user`` is the service account of an API token (it never signs in)."""
    pk = getattr(user, "pk", None)
    return pk is not None and ApiToken.objects.filter(user_id=pk).exists()


def _new_prefix() -> str:
    while True:
        prefix = "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH))
        if not prefix.startswith(DEMO_PREFIX_START):
            return prefix


def _new_value(prefix: str) -> str:
    return f"{TOKEN_SCHEME}_{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"


def api_token_issue_check(
    *, organisation: Organisation, label: str, expires_at: datetime | None
) -> tuple[str, dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    label = " ".join(label.split())
    if not label:
        errors["label"] = [str(_("Give the token a label, such as the partner system's name."))]
    elif len(label) > MAX_LABEL_LENGTH:
        errors["label"] = [
            str(_("Keep the label under %(limit)d characters.") % {"limit": MAX_LABEL_LENGTH})
        ]
    if not organisation.is_active or not role_fits_organisation(
        Role.INSTITUTION_OFFICER, organisation
    ):
        errors["organisation"] = [
            str(_("API tokens are for active institutions that receive referrals."))
        ]
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = [str(_("An expiry must be in the future."))]
    return label, errors


def _issue(
    *,
    organisation: Organisation,
    label: str,
    actor: User | None,
    expires_at: datetime | None,
    request: HttpRequest | None,
    prefix: str,
    value: str,
) -> IssuedToken:
    with transaction.atomic():
        user = User(
            username=SERVICE_USERNAME_PREFIX + prefix,
            organisation=organisation,
            email="",  # nothing is ever e-mailed to a system
        )
        user.set_unusable_password()
        user.save()
        RoleGrant.objects.create(user=user, role=Role.INSTITUTION_OFFICER)
        token = ApiToken.objects.create(
            organisation=organisation,
            label=label,
            prefix=prefix,
            secret_hash=token_digest(value),
            user=user,
            created_by=actor,
            expires_at=expires_at,
        )
        audit_record(
            actor=actor,
            action="user.create",
            target=user,
            fields=["username", "organisation", "role_grants"],
            request=request,
        )
        audit_record(
            actor=actor,
            action="apitoken.issue",
            target=token,
            fields=[
                "organisation",
                "label",
                "prefix",
                "secret_hash",
                "user",
                *(["expires_at"] if expires_at else []),
            ],
            request=request,
        )
    return IssuedToken(token=token, value=value)


def api_token_issue(
    *,
    organisation: Organisation,
    label: str,
    actor: User | None,
    expires_at: datetime | None = None,
    request: HttpRequest | None = None,
) -> IssuedToken:
    """A new token for ``organisation`` and its service account; audited (``actor`` None: a
    command run on the server). The value is in the answer and nowhere else."""
    label, errors = api_token_issue_check(
        organisation=organisation, label=label, expires_at=expires_at
    )
    if errors:
        raise ApiTokenRefused(errors)
    for _attempt in range(5):  # a prefix taken by another token: draw another
        prefix = _new_prefix()
        if ApiToken.objects.filter(prefix=prefix).exists():
            continue
        try:
            return _issue(
                organisation=organisation,
                label=label,
                actor=actor,
                expires_at=expires_at,
                request=request,
                prefix=prefix,
                value=_new_value(prefix),
            )
        except IntegrityError:  # drawn at the same moment by another issue
            continue
    raise RuntimeError("no free token prefix")


def api_token_revoke(
    *, token: ApiToken, actor: User | None, request: HttpRequest | None = None
) -> bool:
    """Revoke ``token`` now (its service account is deactivated too); False if it already was.
    Audited."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
        if token.revoked_at is not None:
            return False
        token.revoked_at = timezone.now()
        token.revoked_by = actor
        token.save(update_fields=["revoked_at", "revoked_by"])
        user = token.user
        if user.is_active:
            user.is_active = False
            user.save(update_fields=["is_active"])
            audit_record(
                actor=actor,
                action="user.update",
                target=user,
                fields=["is_active"],
                request=request,
            )
        audit_record(
            actor=actor,
            action="apitoken.revoke",
            target=token,
            fields=["revoked_at", "revoked_by"],
            request=request,
        )
    return True


def _usable(token: ApiToken, now: datetime) -> bool:
    if token.revoked_at is not None:
        return False
    if token.expires_at is not None and token.expires_at <= now:
        return False
    if token.prefix.startswith(DEMO_PREFIX_START) and not settings.DEMO_MODE:
        return False  # the documented demo values never open a real platform
    user = token.user
    return (
        user.is_active
        and user.organisation_id == token.organisation_id
        and token.organisation.is_active
    )


def api_token_authenticate(value: str, *, now: datetime | None = None) -> ApiToken | None:
    """The token ``value`` names, if it is valid now (not revoked, not expired), with its
    service account; else None, whatever the reason. Notes the use (at most once a minute)."""
    match = TOKEN_RE.fullmatch(value or "")
    if match is None:
        return None
    digest = token_digest(value)
    token = (
        ApiToken.objects.select_related("user", "organisation").filter(secret_hash=digest).first()
    )
    # The row was found by its digest; the comparison below takes the same time for any
    # digest, so nothing is learnt from how long a refusal took.
    if token is None or not hmac.compare_digest(token.secret_hash, digest):
        return None
    if token.prefix != match.group(1):
        return None
    now = now or timezone.now()
    if not _usable(token, now):
        logger.info("api token refused prefix=%s", token.prefix)
        return None
    if token.last_used_at is None or token.last_used_at <= now - LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_EVERY)
        ).update(last_used_at=now)
        token.last_used_at = now
    return token


def api_token_rate_check(token: ApiToken) -> RateDecision:
    """Count one request of ``token`` against API_TOKEN_LIMITS. Fails open: the limit guards
    the platform's load, and partners keep working while the limiter's store is down."""
    return rate_limit_check(
        scope=API_TOKEN_SCOPE, key=str(token.pk), limits=API_TOKEN_LIMITS, fail_open=True
    )


def api_token_failures_exhausted(request: HttpRequest) -> RateDecision:
    """Whether this client has sent too many wrong, revoked or expired tokens lately."""
    return rate_limit_exhausted(
        scope=API_TOKEN_FAILURE_SCOPE,
        key=client_key(request),
        limits=API_TOKEN_FAILURE_LIMITS,
        fail_open=True,
    )


def api_token_failure_count(request: HttpRequest) -> None:
    """One wrong, revoked or expired token from this client."""
    rate_limit_check(
        scope=API_TOKEN_FAILURE_SCOPE,
        key=client_key(request),
        limits=API_TOKEN_FAILURE_LIMITS,
        fail_open=True,
    )


# --- demo data ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoToken:
    municipality: str
    label: str
    value: str


# Documented in the README so that a newcomer can try the API. Stored hashed like any other
# token, and refused whenever the platform is not in demo mode.
DEMO_TOKENS: tuple[DemoToken, ...] = (
    DemoToken(
        "Tiranë",
        "Demo: case system of the child protection unit of Tiranë",
        "isg_demotira_DEMO-ONLY-child-protection-unit-Tirane-000000001",
    ),
    DemoToken(
        "Durrës",
        "Demo: case system of the child protection unit of Durrës",
        "isg_demodurr_DEMO-ONLY-child-protection-unit-Durres-000000002",
    ),
)


def api_tokens_demo_seed() -> int:
    """The demo tokens of the child protection units of Tiranë and Durrës, with their fixed
    values; returns how many were new. Idempotent. Refuses outside demo mode."""
    if not settings.DEMO_MODE:
        raise ImproperlyConfigured("Demo tokens can only be created in demo mode.")
    made = 0
    for demo in DEMO_TOKENS:
        match = TOKEN_RE.fullmatch(demo.value)
        if match is None:
            raise ImproperlyConfigured("A demo token does not have the token's form.")
        prefix = match.group(1)
        if ApiToken.objects.filter(prefix=prefix).exists():
            continue
        unit = Organisation.objects.get(
            kind=OrganisationType.CHILD_PROTECTION_UNIT, municipality__name=demo.municipality
        )
        _issue(
            organisation=unit,
            label=demo.label,
            actor=None,
            expires_at=None,
            request=None,
            prefix=prefix,
            value=demo.value,
        )
        made += 1
    return made
