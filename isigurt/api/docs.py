"""The API's documentation page: Swagger UI served from the platform, under the CSP.

django-ninja's own page loads Swagger UI from a CDN with an inline script, which the platform's
Content-Security-Policy blocks (a blank page). This one uses the Swagger UI files that
django-ninja ships (static/ninja/), its external start-up script, and the request's nonce.
"""

from collections.abc import Sequence
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger

TEMPLATE = "api/docs.html"


class PlatformSwagger(Swagger):
    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        auths = api.auth if isinstance(api.auth, Sequence) else ()
        add_csrf = any(getattr(auth, "csrf", False) for auth in auths)  # "Try it out" as staff
        return render(
            request, TEMPLATE, {"api": api, "swagger_settings": settings, "add_csrf": add_csrf}
        )
