"""Staff URLs for case links and merges (included by isigurt.cases.urls)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
