"""One list pins every URL that works without login: adding a public page is a visible decision."""

from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import translation

# Staff views that a half-logged-in user reaches (marked second_factor_not_required) are still
# login-protected and so are not in this list.
EXPECTED_PUBLIC = {
    "admin/login/",
    "app/",
    "app/<str:lang>/",
    "app/<str:lang>/advice/<slug:audience>/",
    "app/advice/<slug:audience>/",
    "app/manifest.webmanifest",
    "app/sw.js",
    "en/",
    "en/exit/",
    "en/privacy/",
    "en/privacy/children/",
    "en/report/",
    "en/report/details/",
    "en/report/sent/",
    "en/staff/login/",
    "en/staff/logout/",
    "en/track/",
    "en/track/close/",
    "en/track/evidence/",
    "en/track/information/",
    "en/track/message/",
    "healthz",
    "i18n/setlang/",
    "robots.txt",
}


def _public_routes(patterns: list[URLPattern | URLResolver], prefix: str = "") -> set[str]:
    found: set[str] = set()
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route.startswith("api/"):
                continue  # the API authenticates per operation; see isigurt/api tests
            found |= _public_routes(pattern.url_patterns, route)
        elif not getattr(pattern.callback, "login_required", True):
            found.add(route)
    return found


def test_the_public_urls_are_exactly_the_expected_ones() -> None:
    with translation.override("en"):
        public = _public_routes(get_resolver().url_patterns)
    assert public == EXPECTED_PUBLIC
