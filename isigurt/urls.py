from typing import Any

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import URLPattern, include, path

from isigurt.accounts.views import admin_logout_audited, admin_password_change_audited
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


def _audited_admin_urls() -> tuple[list[Any], str, str]:
    """The admin site's URLs, with its own password change and logout audited (S12); every
    other admin change is audited by the model admins."""
    patterns, app_name, namespace = admin.site.urls
    wrappers = {"password_change": admin_password_change_audited, "logout": admin_logout_audited}
    for pattern in patterns:
        wrap = wrappers.get(pattern.name or "") if isinstance(pattern, URLPattern) else None
        if wrap is not None and pattern.callback is not None:
            pattern.callback = wrap(pattern.callback)
    return patterns, app_name, namespace


api_patterns, api_app_name, api_namespace = api.urls
urlpatterns = [
    path("healthz", lib_views.healthz, name="healthz"),
    path("i18n/setlang/", lib_views.set_language, name="set_language"),
    path("api/v1/", include((_public_api_urls(api_patterns), api_app_name), api_namespace)),
    path("admin/", _audited_admin_urls()),
    path("app/", include("isigurt.reports.app_urls")),
    path("robots.txt", hub_views.robots_txt, name="robots_txt"),
]
urlpatterns += i18n_patterns(
    path("", include("isigurt.hub.urls")),
    path("", include("isigurt.accounts.urls")),
    path("", include("isigurt.reports.urls")),
    path("", include("isigurt.helpline.urls")),
    # The child protection unit's procedure records (in the "referrals" namespace). Once
    # isigurt.referrals.urls exists it includes procedure_urls and this line goes.
    path("", include(("isigurt.referrals.procedure_urls", "referrals"))),
    prefix_default_language=False,
)

handler400 = "isigurt.lib.views.bad_request"
handler403 = "isigurt.lib.views.permission_denied"
handler404 = "isigurt.lib.views.page_not_found"
handler500 = "isigurt.lib.views.server_error"
