from django.conf import settings
from django.http import HttpRequest


def platform(request: HttpRequest) -> dict[str, object]:
    return {
        "QUICK_EXIT_URL": settings.QUICK_EXIT_URL,
        "DEMO_MODE": settings.DEMO_MODE,
        "HELPLINE_NUMBER": "116111",
        "EMERGENCY_NUMBER": "112",
    }
