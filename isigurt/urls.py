from typing import Any

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from isigurt.api.urls import api
from isigurt.hub import views as hub_views
from isigurt.lib import views as lib_views


def _public_api_urls(patterns: list[Any]) -> list[Any]:
    """The API does its own authentication per operation; the login redirect is for pages."""
    for pattern in patterns:
        if hasattr(pattern, "url_patterns"):
            _public_api_urls(pattern.url_patterns)
        else:
            pattern.callback.login_required = False
    return patterns


api_patterns, api_app_name, api_namespace = api.urls
urlpatterns = [
    path("healthz", lib_views.healthz, name="healthz"),
    path("i18n/setlang/", lib_views.set_language, name="set_language"),
    path("api/v1/", include((_public_api_urls(api_patterns), api_app_name), api_namespace)),
    path("admin/", admin.site.urls),
    path("app/", include("isigurt.reports.app_urls")),
    path("robots.txt", hub_views.robots_txt, name="robots_txt"),
]
urlpatterns += i18n_patterns(
    path("", include("isigurt.hub.urls")),
    path("", include("isigurt.accounts.urls")),
    path("", include("isigurt.reports.urls")),
    prefix_default_language=False,
)

handler400 = "isigurt.lib.views.bad_request"
handler403 = "isigurt.lib.views.permission_denied"
handler404 = "isigurt.lib.views.page_not_found"
handler500 = "isigurt.lib.views.server_error"
