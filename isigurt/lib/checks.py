"""System checks for settings that are legal but dangerous in production."""

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.core.files.storage import storages

HOST_PREFIX = "__Host-"


@register(Tags.security)
def rate_limit_enabled_check(
    *, app_configs: Sequence[AppConfig] | None, databases: Sequence[str] | None, **kwargs: Any
) -> list[CheckMessage]:
    """S13: warn when rate limits are switched off outside DEBUG (ISIGURT_RATE_LIMIT=off)."""
    if getattr(settings, "RATE_LIMIT_ENABLED", True) or settings.DEBUG:
        return []
    return [
        Warning(
            "Rate limits are switched off (ISIGURT_RATE_LIMIT=off).",
            hint="Only switch rate limits off for load or fuzz testing, never in production.",
            id="isigurt.W001",
        )
    ]


@register(Tags.security)
def allowed_hosts_check(
    *, app_configs: Sequence[AppConfig] | None, databases: Sequence[str] | None, **kwargs: Any
) -> list[CheckMessage]:
    """Django's deploy check says nothing about "*"; outside DEBUG it is an error here."""
    if settings.DEBUG or "*" not in settings.ALLOWED_HOSTS:
        return []
    return [
        Error(
            "ALLOWED_HOSTS contains '*': any Host header is accepted.",
            hint="List the platform's host names in ALLOWED_HOSTS.",
            id="isigurt.E001",
        )
    ]


def _cookie_errors(kind: str, name: str, secure: bool, path: str, domain: Any) -> list[str]:
    if not name.startswith(HOST_PREFIX):
        return []
    problems = []
    if not secure:
        problems.append(f"{kind}_COOKIE_SECURE must be True")
    if path != "/":
        problems.append(f"{kind}_COOKIE_PATH must be '/'")
    if domain:
        problems.append(f"{kind}_COOKIE_DOMAIN must be None")
    return problems


@register(Tags.security)
def host_prefixed_cookies_check(
    *, app_configs: Sequence[AppConfig] | None, databases: Sequence[str] | None, **kwargs: Any
) -> list[CheckMessage]:
    """A __Host- cookie that is not Secure, has a Domain or another Path is silently dropped by
    browsers: nobody could log in. Say so at start instead."""
    problems = _cookie_errors(
        "SESSION",
        settings.SESSION_COOKIE_NAME,
        settings.SESSION_COOKIE_SECURE,
        settings.SESSION_COOKIE_PATH,
        settings.SESSION_COOKIE_DOMAIN,
    ) + _cookie_errors(
        "CSRF",
        settings.CSRF_COOKIE_NAME,
        settings.CSRF_COOKIE_SECURE,
        settings.CSRF_COOKIE_PATH,
        settings.CSRF_COOKIE_DOMAIN,
    )
    return [
        Error(
            f"A {HOST_PREFIX} cookie would be refused by browsers: {problem}.",
            id="isigurt.E002",
        )
        for problem in problems
    ]


@register(Tags.security, deploy=True)
def host_prefixed_cookies_deploy_check(
    *, app_configs: Sequence[AppConfig] | None, databases: Sequence[str] | None, **kwargs: Any
) -> list[CheckMessage]:
    names = [settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME]
    if all(name.startswith(HOST_PREFIX) for name in names):
        return []
    return [
        Warning(
            f"The session and CSRF cookies do not carry the {HOST_PREFIX} prefix.",
            hint="Production settings name them __Host-isigurt-session and __Host-isigurt-csrf.",
            id="isigurt.W002",
        )
    ]


@register(Tags.staticfiles, deploy=True)
def static_manifest_check(
    *, app_configs: Sequence[AppConfig] | None, databases: Sequence[str] | None, **kwargs: Any
) -> list[CheckMessage]:
    """With a manifest storage every page that links a static file fails (500) until
    collectstatic has written the manifest: say so before the first request does."""
    storage = storages["staticfiles"]
    if not isinstance(storage, ManifestFilesMixin):
        return []
    manifest = Path(settings.STATIC_ROOT) / storage.manifest_name
    if manifest.exists():
        return []
    return [
        Error(
            f"No static files manifest at {manifest}: every page would answer 500.",
            hint="Run `manage.py collectstatic --noinput` with these settings before serving.",
            id="isigurt.E003",
        )
    ]
