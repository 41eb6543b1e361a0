"""System checks for settings that are legal but dangerous in production."""

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


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
