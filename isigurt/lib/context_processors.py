from django.conf import settings
from django.http import HttpRequest

from isigurt.lib.helpline import helpline_context


def platform(request: HttpRequest) -> dict[str, object]:
    return {
        "QUICK_EXIT_URL": settings.QUICK_EXIT_URL,
        "DEMO_MODE": settings.DEMO_MODE,
        **helpline_context(),
    }
