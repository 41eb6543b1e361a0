"""The "I SIGURT" phone app, mounted at /app/ outside the language prefixes.

The app chooses its language itself (Albanian at /app/, English at /app/en/), so the service
worker can precache both; its scope is /app/.
"""

from django.urls import path

from isigurt.reports import views

app_name = "app"
urlpatterns = [
    path("", views.app_shell, name="shell"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("manifest.webmanifest", views.app_manifest, name="manifest"),
    path("advice/<slug:audience>/", views.app_advice, name="advice"),
    path("<str:lang>/", views.app_shell, name="shell_lang"),
    path("<str:lang>/advice/<slug:audience>/", views.app_advice, name="advice_lang"),
]
