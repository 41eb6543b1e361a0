"""Staff URLs for case links and merges.

isigurt.cases.urls (``app_name = "cases"``) includes them as they are, without a prefix:
``path("", include("isigurt.cases.link_urls"))``. They expect ``cases:case_detail`` to take the
case's id as its one argument.
"""

from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _

from isigurt.cases import link_views

urlpatterns: list[URLPattern] = [
    path(
        _("staff/cases/<uuid:case_id>/links/<uuid:link_id>/confirm/"),
        link_views.link_confirm,
        name="link_confirm",
    ),
    path(
        _("staff/cases/<uuid:case_id>/links/<uuid:link_id>/dismiss/"),
        link_views.link_dismiss,
        name="link_dismiss",
    ),
    path(
        _("staff/cases/<uuid:case_id>/merge/<uuid:other_id>/"),
        link_views.merge,
        name="merge",
    ),
]
