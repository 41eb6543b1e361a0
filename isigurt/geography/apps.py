from django.apps import AppConfig


class GeographyConfig(AppConfig):
    name = "isigurt.geography"
    label = "geography"
