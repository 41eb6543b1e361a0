"""The platform's URLs with a case page beside them, as case management will add one: the
queue links a report's case to it."""

from django.conf.urls.i18n import i18n_patterns
from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from isigurt.urls import urlpatterns as platform_urls


def case_page(request: HttpRequest, case_id: object) -> HttpResponse:
    return HttpResponse(str(case_id))


urlpatterns = [
    *platform_urls,
    *i18n_patterns(
        path(
            "cases/",
            include(([path("<uuid:case_id>/", case_page, name="case_detail")], "cases")),
        ),
        prefix_default_language=False,
    ),
]
